// The only module that knows the concrete drivers. Each loads on first use, so starting the engine or
// the CLI costs nothing for kinds that are not used.
import { HeadwaterError } from '../../shared/errors.js';
import type { Driver, DriverModule } from './driver.js';

interface DriverEntry {
  kind: string;
  /** URL schemes that select this driver for ad-hoc sources. */
  schemes: string[];
  load: () => Promise<DriverModule>;
}

const entries: DriverEntry[] = [
  { kind: 'sqlite', schemes: ['sqlite:'], load: () => import('./sqlite/index.js') },
  { kind: 'file', schemes: ['file:'], load: () => import('./file/index.js') },
  { kind: 'postgres', schemes: ['postgres:', 'postgresql:'], load: () => import('./postgres/index.js') },
  { kind: 'mysql', schemes: ['mysql:', 'mariadb:'], load: () => import('./mysql/index.js') },
  { kind: 'kafka', schemes: ['kafka:', 'kafka+ssl:'], load: () => import('./kafka/index.js') },
  { kind: 'logs', schemes: [], load: () => import('./logs/index.js') },
  { kind: 'http', schemes: ['http:', 'https:'], load: () => import('./http/index.js') },
  { kind: 's3', schemes: ['s3:'], load: () => import('./s3/index.js') },
  { kind: 'redis', schemes: ['redis:', 'rediss:'], load: () => import('./redis/index.js') },
  { kind: 'mqtt', schemes: ['mqtt:', 'mqtts:'], load: () => import('./mqtt/index.js') },
  { kind: 'nats', schemes: ['nats:'], load: () => import('./nats/index.js') },
  { kind: 'rabbitmq', schemes: ['amqp:', 'amqps:'], load: () => import('./rabbitmq/index.js') },
  { kind: 'rest', schemes: [], load: () => import('./rest/index.js') },
  { kind: 'graphql', schemes: [], load: () => import('./graphql/index.js') },
  { kind: 'grpc', schemes: ['grpc:', 'grpcs:'], load: () => import('./grpc/index.js') },
  { kind: 'webhook', schemes: [], load: () => import('./webhook/index.js') },
];

const loaded = new Map<string, Promise<Driver>>();

export function driverKinds(): string[] {
  return entries.map((e) => e.kind);
}

export function kindForUrl(url: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(url)?.[1]?.toLowerCase();
  return scheme ? entries.find((e) => e.schemes.includes(scheme))?.kind : undefined;
}

export function loadDriver(kind: string): Promise<Driver> {
  const entry = entries.find((e) => e.kind === kind);
  if (!entry) {
    return Promise.reject(new HeadwaterError('usage', `Unknown source kind '${kind}'. Known kinds: ${driverKinds().join(', ')}.`));
  }
  let pending = loaded.get(kind);
  if (!pending) {
    pending = entry.load().then((m) => m.default);
    pending.catch(() => loaded.delete(kind));
    loaded.set(kind, pending);
  }
  return pending;
}
