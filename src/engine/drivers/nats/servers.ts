// The servers a NATS source names, and the credentials its URL carries: nats.js ignores a URL's
// userinfo, so nats://user:pass@host (or nats://token@host, as the nats CLI reads it) is split here.

export interface NatsServers {
  /** host:port URLs without credentials. */
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
}

const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i;

export function natsServers(url: string): NatsServers {
  const out: NatsServers = { servers: [] };
  for (const entry of url.split(',').map((s) => s.trim()).filter(Boolean)) {
    const match = USERINFO.exec(entry);
    if (!match) {
      out.servers.push(entry);
      continue;
    }
    out.servers.push(match[1]! + entry.slice(match[0].length));
    if (out.user !== undefined || out.token !== undefined) continue; // the first server's credentials
    const userinfo = match[2]!;
    const colon = userinfo.indexOf(':');
    if (colon < 0) out.token = decodeURIComponent(userinfo);
    else Object.assign(out, { user: decodeURIComponent(userinfo.slice(0, colon)), pass: decodeURIComponent(userinfo.slice(colon + 1)) });
  }
  return out;
}
