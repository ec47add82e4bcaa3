// Errors that cross process boundaries: a stable code plus a message naming source, entity and cause.

export type ErrorCode =
  | 'usage' | 'not_found' | 'connection' | 'source' | 'native_module' | 'workspace_locked' | 'workspace_damaged' | 'cancelled' | 'internal';

export interface HeadwaterErrorData {
  code: ErrorCode;
  source?: string;
  entity?: string;
  hint?: string;
}

export class HeadwaterError extends Error {
  readonly code: ErrorCode;
  readonly source?: string;
  readonly entity?: string;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, data: Omit<HeadwaterErrorData, 'code'> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HeadwaterError';
    this.code = code;
    this.source = data.source;
    this.entity = data.entity;
    this.hint = data.hint;
  }

  get data(): HeadwaterErrorData {
    return { code: this.code, source: this.source, entity: this.entity, hint: this.hint };
  }
}

export function isHeadwaterErrorData(value: unknown): value is HeadwaterErrorData {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'string';
}

/** Replaces secret values and URL credentials in a message before it is logged or shown. */
export function redact(text: string, secrets: Iterable<string> = []): string {
  let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^/\s@]*@/gi, (_m, head: string) => `${head}:***@`);
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}

/**
 * Parameter names whose values are credentials. A name is split into words (at `_`, `-`, `.` and
 * camelCase): it is secret when one word is below, or its last word is `key` (`api_key`, `x-api-key`;
 * so `sort_key` is masked too, harmlessly). Near misses stay: `monkey`, `keyboard`, `author`,
 * `signal`, `max_tokens`, `key_id`. Paging tokens (`pageToken`, `next_token`, `continuation_token`)
 * are cursors, not credentials, and stay readable.
 */
const SECRET_WORDS = new Set([
  'token', 'sig', 'signature', 'password', 'passwd', 'pwd', 'passphrase', 'secret', 'auth', 'authorization',
  'credential', 'credentials', 'apikey', 'accesstoken', 'authtoken', 'apitoken', 'jwt', 'session', 'sessionid',
]);
const PAGING_WORDS = new Set(['page', 'next', 'prev', 'previous', 'continuation', 'cursor', 'sync']);

export function isSecretParam(name: string): boolean {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  if (words.includes('token') && words.some((w) => PAGING_WORDS.has(w))) return false;
  return words.some((w) => SECRET_WORDS.has(w)) || words[words.length - 1] === 'key';
}

interface Span { start: number; end: number; value: string }

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Where the credentials in a URL are: the user info's password, and secret query or fragment values. */
function secretSpans(url: string, extraNames: readonly string[]): Span[] {
  const spans: Span[] = [];
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (scheme) {
    const authorityEnd = url.slice(scheme[0].length).search(/[/?#]/);
    const authority = url.slice(scheme[0].length, authorityEnd < 0 ? undefined : scheme[0].length + authorityEnd);
    const at = authority.lastIndexOf('@');
    const colon = authority.indexOf(':');
    if (at > 0 && colon >= 0 && colon < at && at > colon + 1) {
      const start = scheme[0].length + colon + 1;
      spans.push({ start, end: scheme[0].length + at, value: url.slice(start, scheme[0].length + at) });
    }
  }
  // Query and fragment parameters alike (`#access_token=` is how OAuth's implicit flow answers).
  for (const part of url.matchAll(/[?#&;]([^=&#;]*)=([^&#;]*)/g)) {
    const [, name = '', value = ''] = part;
    if (!value || !(isSecretParam(decoded(name)) || extraNames.includes(decoded(name)))) continue;
    const start = part.index + 1 + name.length + 1;
    spans.push({ start, end: start + value.length, value });
  }
  return spans.sort((a, b) => a.start - b.start);
}

/**
 * A URL as it may be shown or stored: the user info's password and the values of credential-like
 * query and fragment parameters (see isSecretParam; `extraNames` adds a source's own, such as its API
 * key parameter) become `***`. The rest of the text is kept as written.
 */
export function redactUrl(url: string, extraNames: readonly string[] = []): string {
  let out = '';
  let from = 0;
  for (const span of secretSpans(url, extraNames)) {
    out += `${url.slice(from, span.start)}***`;
    from = span.end;
  }
  return out + url.slice(from);
}

/** The credential values redactUrl hides (as written and decoded), for redacting them from any text. */
export function secretsInUrl(url: string, extraNames: readonly string[] = []): string[] {
  return [...new Set(secretSpans(url, extraNames).flatMap((s) => [s.value, decoded(s.value)]))];
}

/** Why a fetch() failed: the network error's code (ECONNREFUSED...) rather than undici's "fetch failed". */
export function networkCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
