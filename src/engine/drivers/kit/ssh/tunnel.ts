// One SSH tunnel: the chain of connections to the last hop, local forwards (127.0.0.1:port) to the
// source's endpoints for client libraries that take a host and port, and sockets for drivers that
// open connections themselves. It remembers why it failed, so the driver's own error ("connection
// terminated") can be told as the tunnel's.
import { createServer, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { Client, ParsedKey } from 'ssh2';
import type { SourceTunnel } from '../../driver.js';
import { hopText, type Hop } from './config.js';
import { connectHop, forwardOut, loadSsh2, TunnelError, type AuthSettings } from './connect.js';
import type { Endpoint } from './route.js';

export interface TunnelEvents {
  /** No connection went through the tunnel for its idle time. */
  onIdle(): void;
  log(level: 'debug' | 'info' | 'warn', message: string): void;
}

export class SshTunnel implements SourceTunnel {
  private clients: Client[] = [];
  private forwards = new Map<string, Promise<Endpoint>>();
  private servers: Server[] = [];
  private active = new Set<Duplex | Socket>();
  private failed: TunnelError | undefined;
  private closing = false;
  private idleTimer: NodeJS.Timeout | undefined;
  readonly description: string;

  constructor(private readonly hops: Hop[], private readonly auth: AuthSettings, private readonly idleMs: number, private readonly events: TunnelEvents) {
    this.description = hops.map(hopText).join(' -> ');
  }

  /** Connects every hop in turn, the next through the previous one. */
  async open(): Promise<void> {
    const ssh2 = await loadSsh2();
    const keys = new Map<string, ParsedKey>();
    for (const [index, hop] of this.hops.entries()) {
      const previous = this.clients[index - 1];
      const sock = previous ? await forwardOut(previous, this.hops[index - 1]!, hop.host, hop.port) : undefined;
      const client = await connectHop(ssh2, hop, { ...this.auth, keys }, sock);
      this.clients.push(client);
      const lost = (why: string) => this.lose(new TunnelError(`the SSH connection to ${hopText(hop)} ${why}`));
      client.on('error', (error: Error) => lost(`failed (${error.message.split('\n')[0]})`));
      client.on('close', () => lost('closed'));
    }
    this.armIdle();
  }

  /** Why the tunnel stopped working, when it did. */
  failure(): TunnelError | undefined {
    return this.failed;
  }

  get closed(): boolean {
    return this.closing || this.failed !== undefined;
  }

  private lose(error: TunnelError): void {
    if (this.closing) return;
    this.failed ??= error;
    this.events.log('warn', `SSH tunnel ${this.description}: ${this.failed.message}`);
    for (const socket of this.active) socket.destroy();
    void this.close();
  }

  private get last(): Client {
    const client = this.clients.at(-1);
    if (!client || this.closed) throw this.failed ?? new TunnelError(`the SSH tunnel ${this.description} is closed`);
    return client;
  }

  /** A local listener whose connections go to host:port from the last hop (one per endpoint, reused). */
  forward(endpoint: Endpoint): Promise<Endpoint> {
    const key = `${endpoint.host}:${endpoint.port}`;
    let pending = this.forwards.get(key);
    if (!pending) {
      pending = this.listen(endpoint);
      this.forwards.set(key, pending);
    }
    return pending;
  }

  localForward(host: string, port: number): Promise<Endpoint> {
    return this.forward({ host, port });
  }

  private listen(target: Endpoint): Promise<Endpoint> {
    const server = createServer((socket) => {
      this.track(socket);
      // A client that hangs up while data still arrives is its own business: end both sides, quietly.
      socket.on('error', () => socket.destroy());
      socket.pause();
      // A client that retries after the tunnel failed (a driver's monitor) meets a closed tunnel: that socket fails, nothing throws.
      Promise.resolve().then(() => forwardOut(this.last, this.hops.at(-1)!, target.host, target.port)).then((channel) => {
        channel.on('error', () => socket.destroy());
        socket.pipe(channel).pipe(socket);
        socket.resume();
        channel.on('close', () => socket.destroy());
        socket.on('close', () => channel.destroy());
      }, (error: unknown) => {
        if (error instanceof TunnelError) this.failed ??= error;
        // A reset, as a refused connection would be: a client that only watches for errors (cassandra-driver during its handshake) sees it at once.
        socket.resetAndDestroy();
      });
    });
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        if (address && typeof address === 'object') resolve({ host: '127.0.0.1', port: address.port });
        else reject(new TunnelError('could not open a local forward'));
      });
    });
  }

  /** A stream to host:port from the last hop, usable at once (writes wait for the channel); 'connect' fires when it is open. */
  connect(host: string, port: number): Duplex {
    const socket = new ChannelSocket();
    this.track(socket);
    Promise.resolve().then(() => forwardOut(this.last, this.hops.at(-1)!, host, port)).then((channel) => socket.attach(channel), (error: unknown) => {
      if (error instanceof TunnelError) this.failed ??= error;
      socket.destroy(error instanceof Error ? error : new Error(String(error)));
    });
    return socket;
  }

  private track(stream: Duplex | Socket): void {
    this.active.add(stream);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    stream.once('close', () => {
      this.active.delete(stream);
      this.armIdle();
    });
  }

  private armIdle(): void {
    if (this.active.size || this.closed) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.events.onIdle(), this.idleMs);
    this.idleTimer.unref();
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    for (const socket of this.active) socket.destroy();
    await Promise.all(this.servers.map((server) => new Promise((resolve) => server.close(resolve))));
    // The last hop first, each told goodbye before the connection it runs through goes.
    for (const client of [...this.clients].reverse()) await endClient(client);
  }
}

/** Ends an SSH connection and waits (briefly) until it closed. */
function endClient(client: Client): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, 2000);
    function done(): void {
      clearTimeout(timer);
      resolve();
    }
    client.once('close', done);
    client.end();
  });
}

/** A Duplex that stands for a channel still being opened: what is written waits, then flows both ways. */
class ChannelSocket extends Duplex {
  private channel: Duplex | undefined;
  private queued: { chunk: Buffer; done: (error?: Error | null) => void }[] = [];
  private ending: (() => void) | undefined;

  attach(channel: Duplex): void {
    if (this.destroyed) {
      channel.destroy();
      return;
    }
    this.channel = channel;
    channel.on('data', (data: Buffer) => {
      if (!this.push(data)) channel.pause();
    });
    channel.on('end', () => this.push(null));
    channel.on('close', () => this.destroy());
    channel.on('error', (error: Error) => this.destroy(error));
    for (const { chunk, done } of this.queued.splice(0)) channel.write(chunk, done);
    if (this.ending) channel.end(this.ending);
    this.emit('connect');
  }

  override _read(): void {
    this.channel?.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.channel) this.channel.write(chunk, done);
    else this.queued.push({ chunk, done });
  }

  override _final(done: () => void): void {
    if (this.channel) this.channel.end(done);
    else this.ending = done;
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.channel?.destroy();
    done(error);
  }

  // What client libraries call on a net.Socket.
  setKeepAlive(): this { return this; }
  setNoDelay(): this { return this; }
  setTimeout(): this { return this; }
  ref(): this { return this; }
  unref(): this { return this; }
}
