// Pure helpers for sources added by URL: whether the text looks like one, and moving a password out
// of the URL into a `${secret:NAME}` reference so sources.yaml never holds it. Which kind a URL's
// scheme selects is the engine's answer (Requests.sourceForUrl), never a table kept here.

export function urlScheme(value: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):\/?\/?\S+$/i.exec(value.trim())?.[1]?.toLowerCase();
}

export interface SplitUrl {
  /** The URL with `${secret:NAME}` where the password was (unchanged when there was none). */
  url: string;
  /** The password, decoded, when the URL carried one. */
  password?: string;
  /** True when the URL names a user (so a password can be put in its place). */
  hasUser: boolean;
}

const userInfo = /^([a-z][a-z0-9+.-]*:\/\/)([^/:@\s]*)(?::([^@/\s]*))?@/i;

export function splitUrlPassword(url: string, secretName: string): SplitUrl {
  const match = userInfo.exec(url);
  if (!match) return { url, hasUser: false };
  const rest = url.slice(match[0].length);
  const withReference = `${match[1]}${match[2]}:\${secret:${secretName}}@${rest}`;
  if (match[3]) return { url: withReference, password: safeDecode(match[3]), hasUser: true };
  return { url, hasUser: true };
}

/** The URL with `${secret:NAME}` in the password position (for a user given without one). */
export function withPasswordReference(url: string, secretName: string): string {
  const match = userInfo.exec(url);
  if (!match) return url;
  return `${match[1]}${match[2]}:\${secret:${secretName}}@${url.slice(match[0].length)}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
