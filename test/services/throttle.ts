// A TCP proxy on a free loopback port that relays a server's answers at a set rate: a fast local
// server (moto) made slow enough that a one-second budget or a cancel stops a download midway.
// What clients send goes through as is, so signed requests (SigV4 signs the Host header) still verify.
import { createConnection, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Throttle {
  /** http://127.0.0.1:<port> of the proxy. */
  url: string;
  close(): Promise<void>;
}

/** Relays connections to `target` (http://host:port), its answers at about `bytesPerSecond` per connection. */
export async function startThrottle(target: string, bytesPerSecond: number): Promise<Throttle> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: hostname, port: Number(port) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => { client.destroy(); upstream.destroy(); });
      socket.on('close', () => { client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream);
    const started = performance.now();
    let sent = 0;
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk);
      sent += chunk.length;
      // Ahead of the rate: wait until the bytes sent so far are due.
      const ahead = (sent / bytesPerSecond) * 1000 - (performance.now() - started);
      if (ahead > 0) {
        upstream.pause();
        setTimeout(() => upstream.resume(), ahead);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
