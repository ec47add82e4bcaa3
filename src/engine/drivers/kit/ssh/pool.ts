// The engine's SSH tunnels: one per source (and `ssh:` block), opened on first use, reused by every
// call, closed when idle or when the engine stops. A source with `ssh:` is handed to its driver
// pointed at the tunnel's local forwards (or with the tunnel itself, for drivers that open sockets).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { HeadwaterError, redact } from '../../../../shared/errors.js';
import type { ResolvedSource } from '../../driver.js';
import { parseSshConfig, resolveHops, type Hop, type SshBlock } from './config.js';
import { TunnelError, type AuthSettings } from './connect.js';
import { endpointsOf, mapEndpoints, type Endpoint, type TunnelSpec } from './route.js';
import { sshBlock } from './schema.js';
import { SshTunnel } from './tunnel.js';

type Log = (level: 'debug' | 'info' | 'warn', message: string) => void;

/** What a kind's manifest tells the pool: how it is tunnelled, and the URL scheme of its default endpoint. */
export interface TunnelTarget {
  title: string;
  scheme: string;
  tunnel?: TunnelSpec;
}

export class TunnelPool {
  private tunnels = new Map<string, Promise<SshTunnel>>();

  constructor(private readonly log: Log) {}

  /** The source as its driver should see it: unchanged without `ssh:`, else routed through the source's tunnel. */
  async route(source: ResolvedSource, target: TunnelTarget): Promise<ResolvedSource> {
    const block = sshBlock(source.options.ssh);
    if (!block) return source;
    const { ssh: _ssh, ...options } = source.options;
    const plain: ResolvedSource = { ...source, options, secrets: block.passphrase ? [...new Set([...source.secrets, block.passphrase])] : source.secrets };
    if (!target.tunnel) throw new HeadwaterError('usage', `${target.title} source '${source.name}' cannot go through an SSH tunnel.`, { source: source.name });
    const spec = target.tunnel;
    const tunnel = await this.tunnelFor(plain, block);
    try {
      if (spec.sockets) return { ...plain, tunnel };
      const local = new Map<string, Endpoint>();
      for (const endpoint of endpointsOf(plain, spec, target.scheme)) local.set(`${endpoint.host}:${endpoint.port}`, await tunnel.forward(endpoint));
      return { ...mapEndpoints(plain, spec, target.scheme, (endpoint) => local.get(`${endpoint.host}:${endpoint.port}`) ?? endpoint), tunnel };
    } catch (error) {
      throw tunnelFailure(plain, tunnel.description, error);
    }
  }

  private tunnelFor(source: ResolvedSource, block: SshBlock): Promise<SshTunnel> {
    const key = `${source.name}\0${createHash('sha256').update(JSON.stringify(block)).digest('hex')}`;
    const known = this.tunnels.get(key);
    if (known) {
      return known.then((tunnel) => {
        if (!tunnel.closed) return tunnel;
        // Failed (a refused forward leaves its connections up): replaced by a new one.
        void tunnel.close();
        if (this.tunnels.get(key) === known) this.tunnels.delete(key);
        return this.tunnelFor(source, block);
      });
    }
    const hops = hopsFor(block, source.baseDir, source.name);
    const auth = authOf(source, block);
    const tunnel = new SshTunnel(hops, auth, (block.idleSeconds ?? 300) * 1000, {
      log: (level, message) => this.log(level, redact(message, source.secrets)),
      onIdle: () => {
        this.log('debug', `SSH tunnel of ${source.name} idle: closed`);
        if (this.tunnels.get(key) === opened) this.tunnels.delete(key);
        void tunnel.close();
      },
    });
    const opened = tunnel.open().then(() => {
      this.log('info', `SSH tunnel of ${source.name} open: ${tunnel.description}`);
      return tunnel;
    }, async (error: unknown) => {
      this.tunnels.delete(key);
      await tunnel.close();
      throw tunnelFailure(source, tunnel.description, error);
    });
    this.tunnels.set(key, opened);
    return opened;
  }

  async closeAll(): Promise<void> {
    const all = [...this.tunnels.values()];
    this.tunnels.clear();
    await Promise.all(all.map((pending) => pending.then((tunnel) => tunnel.close(), () => undefined)));
  }
}

/** The driver's error, told as the tunnel's when the tunnel is why it failed. */
export function explainTunnelFailure(source: ResolvedSource, error: unknown): unknown {
  const failure = source.tunnel?.failure();
  if (!failure) return error;
  return tunnelFailure(source, source.tunnel!.description, failure);
}

function tunnelFailure(source: ResolvedSource, chain: string, error: unknown): HeadwaterError {
  if (error instanceof HeadwaterError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new HeadwaterError('connection', redact(`Source '${source.name}': SSH tunnel ${chain}: ${message}.`, source.secrets), {
    source: source.name,
    hint: error instanceof TunnelError ? error.hint : undefined,
  }, { cause: error });
}

function expandPath(path: string, baseDir: string): string {
  const home = path.replace(/^~(?=$|\/)/, homedir());
  return isAbsolute(home) ? home : resolve(baseDir, home);
}

/** The hops of a source's `ssh:` block, its Host alias resolved through the ssh config file; `baseDir` resolves relative paths. */
export function hopsFor(block: SshBlock, baseDir: string, sourceName: string): Hop[] {
  const configFile = block.config === false ? undefined : block.config !== undefined ? expandPath(block.config, baseDir) : join(homedir(), '.ssh', 'config');
  let configText = '';
  if (configFile && (block.config !== undefined || existsSync(configFile))) {
    try {
      configText = readFileSync(configFile, 'utf8');
    } catch (error) {
      throw new HeadwaterError('usage', `Source '${sourceName}': cannot read the ssh config file ${configFile} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}).`, { source: sourceName });
    }
  }
  try {
    return resolveHops(block, { config: parseSshConfig(configText), localUser: userInfo().username, expand: (path) => expandPath(path, baseDir) });
  } catch (error) {
    throw new HeadwaterError('usage', `Source '${sourceName}': ssh: ${(error as Error).message}.`, { source: sourceName });
  }
}

function authOf(source: ResolvedSource, block: SshBlock): AuthSettings {
  let agent: string | undefined;
  if (typeof block.agent === 'string') agent = expandPath(block.agent, source.baseDir);
  else if (block.agent === true) {
    agent = process.env.SSH_AUTH_SOCK;
    if (!agent) throw new HeadwaterError('usage', `Source '${source.name}': ssh.agent is true but SSH_AUTH_SOCK is not set (no agent is running).`, { source: source.name, hint: 'Start ssh-agent and ssh-add the key, or give ssh.identityFile.' });
  }
  return {
    passphrase: block.passphrase,
    agent,
    knownHostsFile: expandPath(block.knownHosts ?? '~/.ssh/known_hosts', source.baseDir),
    connectTimeoutMs: block.connectTimeoutMs ?? 15_000,
  };
}
