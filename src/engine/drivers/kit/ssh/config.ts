// Where an SSH tunnel goes, decided without touching the network: a source's `ssh:` block over the
// `Host` entries of an OpenSSH client config (ssh_config(5): first value wins, IdentityFile adds up),
// into the chain of hops to connect through, the jump hosts first.

/** The `ssh:` block of a source, as sources.yaml holds it (a bare string is a host or Host alias). */
export interface SshBlock {
  host: string;
  port?: number;
  user?: string;
  identityFile?: string | string[];
  passphrase?: string;
  agent?: boolean | string;
  /** ProxyJump-style `user@host:port,…`, or a list of hops (strings or objects). */
  jump?: string | (string | JumpHop)[];
  /** OpenSSH client config file; false ignores every config file. */
  config?: string | false;
  knownHosts?: string;
  idleSeconds?: number;
  connectTimeoutMs?: number;
}

export interface JumpHop {
  host: string;
  port?: number;
  user?: string;
  identityFile?: string | string[];
}

/** One SSH server to authenticate to, in connection order. */
export interface Hop {
  /** As written (an alias or a host name), for messages. */
  name: string;
  host: string;
  port: number;
  user: string;
  identityFiles: string[];
}

/** What the config file says about one host: the keywords the tunnel honours. */
export interface HostConfig {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  proxyJump?: string;
}

interface ConfigBlock {
  patterns: string[];
  settings: [keyword: string, value: string][];
}

/** ssh_config text into Host blocks; lines before the first Host apply to every host. Match blocks are skipped. */
export function parseSshConfig(text: string): ConfigBlock[] {
  const blocks: ConfigBlock[] = [{ patterns: ['*'], settings: [] }];
  let current: ConfigBlock | undefined = blocks[0];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/.exec(line);
    if (!match) continue;
    const keyword = match[1]!.toLowerCase();
    const value = match[2]!.trim();
    if (keyword === 'host') {
      current = { patterns: words(value), settings: [] };
      blocks.push(current);
    } else if (keyword === 'match') {
      current = undefined; // conditions on the local side are not evaluated: their settings do not apply
    } else if (current) {
      current.settings.push([keyword, unquote(value)]);
    }
  }
  return blocks;
}

function words(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

function unquote(text: string): string {
  return /^"(.*)"$/.test(text) ? text.slice(1, -1) : text;
}

/** ssh_config pattern: `*` and `?` wildcards, case-insensitive. */
function globMatches(pattern: string, host: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return regex.test(host);
}

/** A Host line matches when one of its patterns does and none of its negated (`!`) patterns does. */
export function hostMatches(patterns: string[], host: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (globMatches(pattern.slice(1), host)) return false;
    } else if (globMatches(pattern, host)) matched = true;
  }
  return matched;
}

/** The honoured keywords for `alias`, from every matching block in file order. */
export function hostConfig(blocks: ConfigBlock[], alias: string): HostConfig {
  const found: HostConfig = { identityFiles: [] };
  for (const block of blocks) {
    if (!hostMatches(block.patterns, alias)) continue;
    for (const [keyword, value] of block.settings) {
      if (keyword === 'identityfile') found.identityFiles.push(value);
      else if (keyword === 'hostname') found.hostName ??= value;
      else if (keyword === 'user') found.user ??= value;
      else if (keyword === 'port') found.port ??= Number(value);
      else if (keyword === 'proxyjump') found.proxyJump ??= value;
    }
  }
  return found;
}

/** `[user@]host[:port]` (or `ssh://[user@]host[:port]`), as ProxyJump writes one hop. */
export function parseHopText(text: string): JumpHop {
  const match = /^(?:ssh:\/\/)?(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s]+)(?::(\d{1,5}))?$/.exec(text.trim());
  if (!match) throw new Error(`'${text}' is not a jump host (expected [user@]host[:port])`);
  return { host: match[2]!.replace(/^\[(.*)\]$/, '$1'), ...(match[1] ? { user: match[1] } : {}), ...(match[3] ? { port: Number(match[3]) } : {}) };
}

export interface ResolveContext {
  /** Parsed config file, or none. */
  config: ConfigBlock[];
  /** The local user name (ssh's default User). */
  localUser: string;
  /** Expands `~` in a path. */
  expand(path: string): string;
}

const MAX_HOPS = 8;

/**
 * The hops to connect through, in order (jump hosts first, the SSH server last). Settings written
 * in the block win over the config file's, as ssh's command line does; `ProxyJump none` ends a chain.
 */
export function resolveHops(block: SshBlock, context: ResolveContext): Hop[] {
  const hops: Hop[] = [];
  const visit = (spec: JumpHop, explicitJumps: SshBlock['jump'] | undefined, seen: string[]): void => {
    if (seen.includes(spec.host)) throw new Error(`the jump chain loops (${[...seen, spec.host].join(' -> ')})`);
    if (seen.length >= MAX_HOPS) throw new Error(`the jump chain is longer than ${MAX_HOPS} hops`);
    const found = hostConfig(context.config, spec.host);
    const jumps = explicitJumps ?? (found.proxyJump && found.proxyJump.toLowerCase() !== 'none' ? found.proxyJump : undefined);
    for (const jump of jumpList(jumps)) visit(jump, undefined, [...seen, spec.host]);
    const own = spec.identityFile === undefined ? [] : Array.isArray(spec.identityFile) ? spec.identityFile : [spec.identityFile];
    const port = spec.port ?? found.port ?? 22;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`the port of ${spec.host} is not valid (${String(port)})`);
    hops.push({
      name: spec.host,
      host: found.hostName ?? spec.host,
      port,
      user: spec.user ?? found.user ?? context.localUser,
      identityFiles: (own.length ? own : found.identityFiles).map((file) => context.expand(file)),
    });
  };
  visit(block, block.jump, []);
  return hops;
}

function jumpList(jumps: SshBlock['jump'] | undefined): JumpHop[] {
  if (jumps === undefined || jumps === '') return [];
  const items = typeof jumps === 'string' ? jumps.split(',') : jumps;
  return items.map((item) => (typeof item === 'string' ? parseHopText(item) : item));
}

/** `user@host:port`, for messages. */
export function hopText(hop: Pick<Hop, 'user' | 'host' | 'port'>): string {
  return `${hop.user}@${hop.host}:${hop.port}`;
}
