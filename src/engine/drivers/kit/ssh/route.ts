// Which host:port pairs a source connects to, and the same source pointed at local forwards of
// them instead: the URL's hosts (comma-separated lists too), the host/port fields, and the other
// URL options a kind names. Pure: the tunnel opens the forwards in between.
import type { ResolvedSource } from '../../driver.js';

/** How a kind is reached through a tunnel (its manifest says). */
export interface TunnelSpec {
  /** The port when the URL or the fields name none. */
  defaultPort: number;
  /** The default port of other URL schemes of the kind (`amqps:` 5671). */
  schemePorts?: Record<string, number>;
  /** Options holding another URL to the same network (RabbitMQ's managementUrl), with its default made from the first endpoint. */
  urlOptions?: Record<string, { defaultPort: number; fallback?: (host: string) => string }>;
  /** The driver opens every connection itself through `source.tunnel` (Kafka: each broker the metadata names). */
  sockets?: boolean;
  /** Options holding a list of host[:port] (Cassandra's contactPoints); the `port` option, else defaultPort, is the port of those without one. */
  hostLists?: readonly string[];
}

export interface Endpoint {
  host: string;
  port: number;
}

export type MapEndpoint = (endpoint: Endpoint) => Endpoint;

const AUTHORITY = /^([a-z][a-z0-9+.-]*:\/\/)?([^@/?#]*@)?(\[[^\]]*\]|[^:/?#@,]*)(?::(\d{1,5}))?(.*)$/is;

/** Each comma-separated host (`scheme://user@h1:p1,h2:p2/path`, or full URLs joined by commas) mapped. */
export function mapUrl(url: string, defaultPort: number, map: MapEndpoint, schemePorts: Record<string, number> = {}): string {
  let scheme: string | undefined;
  return url.split(',').map((piece) => {
    const match = AUTHORITY.exec(piece.trim());
    if (!match || !match[3]) return piece;
    scheme = match[1]?.slice(0, -2).toLowerCase() ?? scheme;
    const host = match[3].replace(/^\[(.*)\]$/, '$1');
    const mapped = map({ host, port: match[4] ? Number(match[4]) : (scheme && schemePorts[scheme]) || defaultPort });
    return `${match[1] ?? ''}${match[2] ?? ''}${mapped.host}:${mapped.port}${match[5] ?? ''}`;
  }).join(',');
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
}

/**
 * The source with every endpoint it names passed through `map`. A source with neither a URL nor a
 * host gets its kind's default (`localhost`, seen from the SSH server) made explicit first.
 */
export function mapEndpoints(source: ResolvedSource, spec: TunnelSpec, scheme: string, map: MapEndpoint): ResolvedSource {
  const options = { ...source.options };
  let url = source.url;
  const host = text(options.host);
  let first: string | undefined = host;
  if (host !== undefined) {
    const urlPort = url !== undefined ? AUTHORITY.exec(url.split(',')[0]!.trim())?.[4] : undefined;
    const mapped = map({ host, port: Number(text(options.port) ?? urlPort ?? spec.defaultPort) });
    options.host = mapped.host;
    options.port = mapped.port;
  } else if (url === undefined && options.brokers === undefined && !(spec.hostLists ?? []).some((name) => Array.isArray(options[name]) && (options[name] as unknown[]).length)) {
    url = `${scheme}//localhost:${spec.defaultPort}`;
  }
  if (url !== undefined && host === undefined) {
    url = mapUrl(url, spec.defaultPort, (endpoint) => {
      first ??= endpoint.host;
      return map(endpoint);
    }, spec.schemePorts);
  }
  if (options.brokers !== undefined) {
    const list = Array.isArray(options.brokers) ? options.brokers as string[] : String(options.brokers).split(',');
    options.brokers = list.map((broker) => mapUrl(broker.trim(), spec.defaultPort, map));
  }
  for (const name of spec.hostLists ?? []) {
    const list = options[name];
    if (!Array.isArray(list)) continue;
    const port = Number(text(options.port) ?? spec.defaultPort);
    options[name] = list.map((point) => mapUrl(String(point).trim(), port, (endpoint) => {
      first ??= endpoint.host;
      return map(endpoint);
    }));
  }
  for (const [name, extra] of Object.entries(spec.urlOptions ?? {})) {
    const value = text(options[name]) ?? (first !== undefined ? extra.fallback?.(first) : undefined);
    if (value !== undefined) options[name] = mapUrl(value, extra.defaultPort, map);
  }
  return { ...source, url, options };
}

/** The endpoints mapEndpoints would map, in order, without duplicates. */
export function endpointsOf(source: ResolvedSource, spec: TunnelSpec, scheme: string): Endpoint[] {
  const seen = new Map<string, Endpoint>();
  mapEndpoints(source, spec, scheme, (endpoint) => {
    seen.set(`${endpoint.host}:${endpoint.port}`, endpoint);
    return endpoint;
  });
  return [...seen.values()];
}
