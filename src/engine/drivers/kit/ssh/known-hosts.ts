// Host key verification as OpenSSH does it by default (StrictHostKeyChecking): the key a server
// offers must be in known_hosts under its name (`host`, or `[host]:port` off port 22, plain or
// hashed); an unknown or a changed key is refused, with its fingerprint and how to accept it.
import { createHash, createHmac } from 'node:crypto';

export interface KnownKey {
  /** The host patterns of the line (empty for a hashed line). */
  patterns: string[];
  /** `|1|salt|hash` of a hashed line. */
  hashed?: { salt: Buffer; hash: Buffer };
  type: string;
  /** The key blob, base64 as written. */
  key: string;
  revoked: boolean;
}

/** known_hosts lines (comments, @cert-authority lines and malformed lines are left out). */
export function parseKnownHosts(text: string): KnownKey[] {
  const keys: KnownKey[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    let fields = line.split(/\s+/);
    const revoked = fields[0] === '@revoked';
    if (fields[0]?.startsWith('@')) {
      if (!revoked) continue;
      fields = fields.slice(1);
    }
    const [hosts, type, key] = fields;
    if (!hosts || !type || !key) continue;
    const hashed = /^\|1\|([^|]+)\|([^|]+)$/.exec(hosts);
    if (hashed) keys.push({ patterns: [], hashed: { salt: Buffer.from(hashed[1]!, 'base64'), hash: Buffer.from(hashed[2]!, 'base64') }, type, key, revoked });
    else keys.push({ patterns: hosts.split(','), type, key, revoked });
  }
  return keys;
}

/** How OpenSSH names a host in known_hosts: `host`, or `[host]:port` off the default port. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function patternMatches(pattern: string, name: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\[/g, '\\[').replace(/\]/g, '\\]').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return regex.test(name);
}

function lineNames(entry: KnownKey, name: string): boolean {
  if (entry.hashed) return createHmac('sha1', entry.hashed.salt).update(name).digest().equals(entry.hashed.hash);
  let matched = false;
  for (const pattern of entry.patterns) {
    if (pattern.startsWith('!')) {
      if (patternMatches(pattern.slice(1), name)) return false;
    } else if (patternMatches(pattern, name)) matched = true;
  }
  return matched;
}

/** OpenSSH's fingerprint of a key blob: SHA256:base64, unpadded. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type a blob starts with (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa...). */
export function keyType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  return length > 0 && length < 64 && blob.length >= 4 + length ? blob.subarray(4, 4 + length).toString('latin1') : 'unknown';
}

export type HostKeyVerdict =
  | { verdict: 'known' }
  | { verdict: 'unknown' | 'changed' | 'revoked'; fingerprint: string; type: string };

/** Whether `blob` is the key known_hosts holds for host:port. Another type known for the host does not make this one known. */
export function checkHostKey(keys: KnownKey[], host: string, port: number, blob: Buffer): HostKeyVerdict {
  const name = knownHostName(host, port);
  const offered = blob.toString('base64');
  const type = keyType(blob);
  const named = keys.filter((entry) => lineNames(entry, name));
  const about = { fingerprint: fingerprint(blob), type };
  if (named.some((entry) => entry.revoked && entry.key === offered)) return { verdict: 'revoked', ...about };
  if (named.some((entry) => !entry.revoked && entry.key === offered)) return { verdict: 'known' };
  if (named.some((entry) => !entry.revoked && entry.type === type)) return { verdict: 'changed', ...about };
  return { verdict: 'unknown', ...about };
}

/** The refusal's text: what was offered, and how to accept it once its fingerprint is checked. */
export function hostKeyRefusal(verdict: Exclude<HostKeyVerdict, { verdict: 'known' }>, host: string, port: number, knownHostsFile: string): { message: string; hint: string } {
  const name = knownHostName(host, port);
  const scan = `ssh-keyscan -t ${verdict.type} ${port === 22 ? '' : `-p ${port} `}${host} >> ${knownHostsFile}`;
  if (verdict.verdict === 'changed') {
    return {
      message: `the host key of ${name} has CHANGED: it now offers ${verdict.type} ${verdict.fingerprint}, not the key ${knownHostsFile} holds (someone may be intercepting the connection, or the server was reinstalled)`,
      hint: `Ask the server's administrator for its fingerprint. If ${verdict.fingerprint} is right: ssh-keygen -R '${name}' -f ${knownHostsFile}, then ${scan}.`,
    };
  }
  if (verdict.verdict === 'revoked') {
    return { message: `the host key of ${name} (${verdict.type} ${verdict.fingerprint}) is marked @revoked in ${knownHostsFile}`, hint: 'A revoked key is never accepted: ask the server\'s administrator.' };
  }
  return {
    message: `the host key of ${name} is not known: it offers ${verdict.type} ${verdict.fingerprint}, and ${knownHostsFile} has no ${verdict.type} key for it`,
    hint: `If ${verdict.fingerprint} is the server's fingerprint (ask its administrator), accept it with: ${scan}, or connect once with ssh and answer yes.`,
  };
}
