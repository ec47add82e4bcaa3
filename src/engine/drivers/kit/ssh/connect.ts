// Opens the SSH connections of a chain of hops (each next hop reached through the previous one's
// forwardOut), authenticating with key files and/or the agent and verifying every host key against
// known_hosts. Errors say which hop and why, never a passphrase or key.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { AgentAuthMethod, Client, ParsedKey, PublicKeyAuthMethod } from 'ssh2';
import { lazyModule } from '../lazy.js';
import { hopText, type Hop } from './config.js';
import { checkHostKey, hostKeyRefusal, parseKnownHosts, type KnownKey } from './known-hosts.js';

type Ssh2 = typeof import('ssh2');
export const loadSsh2 = lazyModule<Ssh2>('ssh2', () => import('ssh2').then((m) => ((m as unknown as { default?: Ssh2 }).default ?? m)));

/** A failure of the tunnel, with the fix when there is one. */
export class TunnelError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}

export interface AuthSettings {
  passphrase?: string;
  /** The agent socket, when the agent is used. */
  agent?: string;
  knownHostsFile: string;
  connectTimeoutMs: number;
  /** Keys already decrypted while opening this tunnel (an encrypted key costs about a second of bcrypt each time). */
  keys?: Map<string, ParsedKey>;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** The keys of a hop, read and decrypted; a missing file, an encrypted key without passphrase or a wrong one is refused by name. */
export function loadKeys(ssh2: Ssh2, hop: Hop, auth: AuthSettings): { file: string; key: ParsedKey }[] {
  const files = hop.identityFiles.length ? hop.identityFiles : auth.agent ? [] : DEFAULT_KEYS.map((name) => join(homedir(), '.ssh', name)).filter((file) => existsSync(file));
  return files.map((file) => {
    const known = auth.keys?.get(file);
    if (known) return { file, key: known };
    let text: Buffer;
    try {
      text = readFileSync(file);
    } catch (error) {
      throw new TunnelError(`cannot read the identity file ${file} for ${hopText(hop)} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
    const parsed = ssh2.utils.parseKey(text, auth.passphrase);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!key || key instanceof Error) {
      const reason = key instanceof Error ? key.message : '';
      if (/no passphrase/i.test(reason)) throw new TunnelError(`the identity file ${file} is encrypted and no passphrase is given`, 'Give ssh.passphrase as ${secret:NAME} (or use the agent: ssh.agent: true).');
      if (/decrypt|passphrase|bad/i.test(reason) && auth.passphrase !== undefined) throw new TunnelError(`the passphrase does not decrypt the identity file ${file}`, 'Check the secret ssh.passphrase refers to.');
      throw new TunnelError(`the identity file ${file} is not a private key ssh2 can read`);
    }
    auth.keys?.set(file, key);
    return { file, key };
  });
}

function readKnownHosts(file: string): KnownKey[] {
  try {
    return parseKnownHosts(readFileSync(file, 'utf8'));
  } catch {
    return []; // no file: every key is unknown, and the refusal says how to accept it
  }
}

/** One authenticated connection to `hop`, over `sock` (the previous hop's forward) when given. */
export async function connectHop(ssh2: Ssh2, hop: Hop, auth: AuthSettings, sock?: Duplex): Promise<Client> {
  const keys = loadKeys(ssh2, hop, auth);
  if (!keys.length && !auth.agent) throw new TunnelError(`no identity file for ${hopText(hop)} (none given, none in ~/.ssh)`, 'Set ssh.identityFile (or IdentityFile in the ssh config), or ssh.agent: true.');
  const agent: AgentAuthMethod[] = auth.agent ? [{ type: 'agent', username: hop.user, agent: auth.agent }] : [];
  const methods: (PublicKeyAuthMethod | AgentAuthMethod)[] = [...keys.map(({ key }): PublicKeyAuthMethod => ({ type: 'publickey', username: hop.user, key })), ...agent];
  const known = readKnownHosts(auth.knownHostsFile);
  let refusal: TunnelError | undefined;
  const client = new ssh2.Client();
  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error & { level?: string }) => {
      client.removeListener('ready', ready);
      client.end();
      if (refusal) return reject(refusal);
      if (error.level === 'client-authentication') {
        const tried = [...keys.map((k) => k.file), ...(auth.agent ? ['the agent'] : [])].join(', ');
        return reject(new TunnelError(`${hopText(hop)} refused the key (tried ${tried})`, 'Check the user and that the public key is in the server\'s authorized_keys.'));
      }
      if (error.level === 'client-timeout') return reject(new TunnelError(`${hopText(hop)} did not complete the SSH handshake within ${auth.connectTimeoutMs} ms`));
      reject(new TunnelError(`cannot connect to ${hopText(hop)} (${networkCause(error)})`));
    };
    const ready = () => {
      client.removeListener('error', fail);
      resolve();
    };
    client.once('ready', ready);
    client.once('error', fail);
    client.connect({
      host: hop.host, port: hop.port, username: hop.user, sock,
      authHandler: methods,
      readyTimeout: auth.connectTimeoutMs,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 3,
      hostVerifier: (blob: Buffer) => {
        const verdict = checkHostKey(known, hop.host, hop.port, blob);
        if (verdict.verdict === 'known') return true;
        const { message, hint } = hostKeyRefusal(verdict, hop.host, hop.port, auth.knownHostsFile);
        refusal = new TunnelError(message, hint);
        return false;
      },
    });
  });
  return client;
}

/** A channel from `client`'s server to host:port; a refusal says the server would not forward. */
export function forwardOut(client: Client, via: Hop, host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, host, port, (error, channel) => {
      if (error) {
        const reason = (error as Error & { reason?: number }).reason;
        const said = error.message.replace(/^\(SSH\)\s*Channel open failure:\s*/i, '');
        // RFC 4254 reason codes: 1 administratively prohibited, 2 connect failed.
        const why = reason === 1 ? 'forwarding is not allowed there (AllowTcpForwarding, PermitOpen)' : reason === 2 ? `the SSH server could not connect there (${said})` : said;
        reject(new TunnelError(`${hopText(via)} refused to forward to ${host}:${port}: ${why}`));
      } else resolve(channel);
    });
  });
}

/** The cause of a network failure without a stack: the errno code, else its first line. */
export function networkCause(error: Error & { code?: string }): string {
  return error.code ?? error.message.split('\n')[0] ?? 'unknown error';
}
