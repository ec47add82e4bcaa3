// The management plugin's HTTP API: AMQP itself cannot list exchanges, queues or bindings. The API
// URL comes from options.managementUrl (default http://<amqp host>:15672) with the AMQP credentials.
import { HeadwaterError, networkCause, redact } from '../../../shared/errors.js';
import type { ResolvedSource } from '../driver.js';
import { manifest } from './manifest.js';

export interface AmqpTarget {
  url: string;
  vhost: string;
  user: string;
  password: string;
  host: string;
}

export function amqpTarget(source: ResolvedSource): AmqpTarget {
  const url = source.url ?? 'amqp://guest:guest@127.0.0.1:5672';
  const parsed = new URL(url);
  const path = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return { url, vhost: path || '/', user: decodeURIComponent(parsed.username || 'guest'), password: decodeURIComponent(parsed.password || 'guest'), host: parsed.hostname };
}

export interface ExchangeInfo { name: string; type: string; durable: boolean; auto_delete: boolean; internal: boolean }
export interface QueueInfo {
  name: string; type?: string; durable: boolean; auto_delete: boolean; exclusive: boolean; messages?: number; messages_ready?: number;
  messages_unacknowledged?: number; consumers?: number; arguments?: Record<string, unknown>; memory?: number; message_bytes?: number;
}
export interface BindingInfo { source: string; destination: string; destination_type: 'queue' | 'exchange'; routing_key: string; arguments?: Record<string, unknown> }

export class Management {
  private readonly base: string;
  private readonly auth: string;

  constructor(private readonly source: ResolvedSource, private readonly target = amqpTarget(source)) {
    const configured = manifest.settings(source).managementUrl;
    this.base = (configured ?? `http://${target.host}:15672`).replace(/\/$/, '');
    this.auth = `Basic ${Buffer.from(`${target.user}:${target.password}`).toString('base64')}`;
  }

  private vhostPath(): string {
    return encodeURIComponent(this.target.vhost);
  }

  /** `missing`: what a 404 means (a queue or exchange that does not exist), said in the error. */
  async get<T>(path: string, missing?: { what: string; entity: string }): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, { headers: { authorization: this.auth }, signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new HeadwaterError('connection', `RabbitMQ source '${this.source.name}': the management API at ${redact(this.base, this.source.secrets)} did not answer (${networkCause(error)}). Listing exchanges and queues needs the rabbitmq_management plugin; set options.managementUrl if it listens elsewhere.`, { source: this.source.name }, { cause: error });
    }
    if (response.status === 404 && missing) {
      throw new HeadwaterError('not_found', `RabbitMQ source '${this.source.name}' has no ${missing.what} in vhost '${this.target.vhost}' (entity '${missing.entity}').`, { source: this.source.name, entity: missing.entity });
    }
    if (!response.ok) {
      throw new HeadwaterError(response.status === 404 ? 'not_found' : 'source', `RabbitMQ source '${this.source.name}': management API ${path} answered HTTP ${response.status}.`, { source: this.source.name });
    }
    return (await response.json()) as T;
  }

  overview(): Promise<{ rabbitmq_version: string; cluster_name: string; management_version: string }> {
    return this.get('/api/overview');
  }
  exchanges(): Promise<ExchangeInfo[]> {
    return this.get(`/api/exchanges/${this.vhostPath()}`);
  }
  queues(): Promise<QueueInfo[]> {
    return this.get(`/api/queues/${this.vhostPath()}`);
  }
  queue(name: string): Promise<QueueInfo> {
    return this.get(`/api/queues/${this.vhostPath()}/${encodeURIComponent(name)}`, { what: `queue '${name}'`, entity: `queue:${name}` });
  }
  exchange(name: string): Promise<ExchangeInfo> {
    return this.get(`/api/exchanges/${this.vhostPath()}/${encodeURIComponent(name)}`, { what: `exchange '${name}'`, entity: `exchange:${name}` });
  }
  bindingsFrom(exchange: string): Promise<BindingInfo[]> {
    return this.get(`/api/exchanges/${this.vhostPath()}/${encodeURIComponent(exchange)}/bindings/source`);
  }
  bindingsTo(queue: string): Promise<BindingInfo[]> {
    return this.get(`/api/queues/${this.vhostPath()}/${encodeURIComponent(queue)}/bindings`);
  }
  get vhost(): string {
    return this.target.vhost;
  }
}
