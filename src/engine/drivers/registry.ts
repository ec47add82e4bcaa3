// The only module that knows the concrete drivers: each kind's manifest (eager: it loads no client
// library) and its driver, loaded on first use, so starting the engine or the CLI costs nothing for
// kinds that are not used. Adding a kind is one line in `kinds` (and its manifest's import).
import { HeadwaterError } from '../../shared/errors.js';
import type { SourceKindInfo } from '../../shared/sourceKinds.js';
import type { DriverCapability, SampleRequestOptions } from '../../shared/types.js';
import { didYouMean } from '../../shared/suggest.js';
import type { Driver, DriverModule, ResolvedSource } from './driver.js';
import { COMMON_ENTRY_PROPERTIES, settingsError, type OptionProblem, type SourceManifest } from './kit/manifest.js';
import { refuseUnsupported } from './kit/sample-support.js';
import { manifest as sqlite } from './sqlite/manifest.js';
import { manifest as file } from './file/manifest.js';
import { manifest as postgres } from './postgres/manifest.js';
import { manifest as mysql } from './mysql/manifest.js';
import { manifest as kafka } from './kafka/manifest.js';
import { manifest as logs } from './logs/manifest.js';
import { manifest as http } from './http/manifest.js';
import { manifest as s3 } from './s3/manifest.js';
import { manifest as redis } from './redis/manifest.js';
import { manifest as mqtt } from './mqtt/manifest.js';
import { manifest as nats } from './nats/manifest.js';
import { manifest as rabbitmq } from './rabbitmq/manifest.js';
import { manifest as rest } from './rest/manifest.js';
import { manifest as graphql } from './graphql/manifest.js';
import { manifest as grpc } from './grpc/manifest.js';
import { manifest as webhook } from './webhook/manifest.js';
import { manifest as influxdb } from './influxdb/manifest.js';
import { manifest as prometheus } from './prometheus/manifest.js';
import { manifest as dynamodb } from './dynamodb/manifest.js';
import { manifest as mongodb } from './mongodb/manifest.js';
import { manifest as cassandra } from './cassandra/manifest.js';
import { manifest as opensearch } from './opensearch/manifest.js';
import { manifest as clickhouse } from './clickhouse/manifest.js';
import { manifest as duckdb } from './duckdb/manifest.js';
import { manifest as lakehouse } from './lakehouse/manifest.js';
import { manifest as sqs } from './sqs/manifest.js';
import { manifest as kinesis } from './kinesis/manifest.js';
import { manifest as pulsar } from './pulsar/manifest.js';
import { manifest as neo4j } from './neo4j/manifest.js';
import { manifest as sparql } from './sparql/manifest.js';

export type { OptionProblem, SourceManifest };
export { COMMON_ENTRY_PROPERTIES };

interface KindEntry {
  manifest: SourceManifest;
  load: () => Promise<DriverModule>;
}

const kinds: KindEntry[] = [
  { manifest: sqlite, load: () => import('./sqlite/index.js') },
  { manifest: file, load: () => import('./file/index.js') },
  { manifest: postgres, load: () => import('./postgres/index.js') },
  { manifest: mysql, load: () => import('./mysql/index.js') },
  { manifest: kafka, load: () => import('./kafka/index.js') },
  { manifest: logs, load: () => import('./logs/index.js') },
  { manifest: http, load: () => import('./http/index.js') },
  { manifest: s3, load: () => import('./s3/index.js') },
  { manifest: redis, load: () => import('./redis/index.js') },
  { manifest: mqtt, load: () => import('./mqtt/index.js') },
  { manifest: nats, load: () => import('./nats/index.js') },
  { manifest: rabbitmq, load: () => import('./rabbitmq/index.js') },
  { manifest: rest, load: () => import('./rest/index.js') },
  { manifest: graphql, load: () => import('./graphql/index.js') },
  { manifest: grpc, load: () => import('./grpc/index.js') },
  { manifest: webhook, load: () => import('./webhook/index.js') },
  { manifest: influxdb, load: () => import('./influxdb/index.js') },
  { manifest: prometheus, load: () => import('./prometheus/index.js') },
  { manifest: dynamodb, load: () => import('./dynamodb/index.js') },
  { manifest: mongodb, load: () => import('./mongodb/index.js') },
  { manifest: cassandra, load: () => import('./cassandra/index.js') },
  { manifest: opensearch, load: () => import('./opensearch/index.js') },
  { manifest: clickhouse, load: () => import('./clickhouse/index.js') },
  { manifest: duckdb, load: () => import('./duckdb/index.js') },
  { manifest: lakehouse, load: () => import('./lakehouse/index.js') },
  { manifest: sqs, load: () => import('./sqs/index.js') },
  { manifest: kinesis, load: () => import('./kinesis/index.js') },
  { manifest: pulsar, load: () => import('./pulsar/index.js') },
  { manifest: neo4j, load: () => import('./neo4j/index.js') },
  { manifest: sparql, load: () => import('./sparql/index.js') },
];

const loaded = new Map<string, Promise<Driver>>();

export function driverKinds(): string[] {
  return kinds.map((e) => e.manifest.kind);
}

export function manifests(): SourceManifest[] {
  return kinds.map((e) => e.manifest);
}

export function manifestFor(kind: string): SourceManifest | undefined {
  return kinds.find((e) => e.manifest.kind === kind)?.manifest;
}

/** The scheme of a URL, lower-cased with its colon (`kafka+ssl:`), or undefined for a path. */
export function urlScheme(url: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*:)/i.exec(url.trim())?.[1]?.toLowerCase();
}

/** The kind whose manifest claims the URL's scheme: the one answer for the CLI and the editor. */
export function kindForUrl(url: string): string | undefined {
  const scheme = urlScheme(url);
  return scheme ? kinds.find((e) => e.manifest.schemes.includes(scheme))?.manifest.kind : undefined;
}

function unknownKind(kind: string): HeadwaterError {
  return new HeadwaterError('usage', `Unknown source kind '${kind}'${didYouMean(kind, driverKinds())}. Known kinds: ${driverKinds().join(', ')}.`);
}

export function loadDriver(kind: string): Promise<Driver> {
  const entry = kinds.find((e) => e.manifest.kind === kind);
  if (!entry) return Promise.reject(unknownKind(kind));
  let pending = loaded.get(kind);
  if (!pending) {
    pending = entry.load().then((m) => m.default);
    pending.catch(() => loaded.delete(kind));
    loaded.set(kind, pending);
  }
  return pending;
}

/** What a driver can do: read off the methods it has, plus what its manifest flags (no method says it). */
export function capabilitiesOf(driver: Driver, manifest: Pick<SourceManifest, 'flags'> = { flags: [] }): DriverCapability[] {
  const methods: [DriverCapability, boolean][] = [
    ['browse', typeof driver.browse === 'function'],
    ['nativeSchema', typeof driver.nativeSchema === 'function'],
    ['sample', typeof driver.sample === 'function'],
    ['tail', typeof driver.tail === 'function'],
    ['capture', typeof driver.capture === 'function' && typeof driver.cdcReadiness === 'function'],
  ];
  return [...methods.filter(([, present]) => present).map(([name]) => name), ...manifest.flags];
}

/** A kind as the editor sees it (the Add Source form, tooltips); loads the driver to read its capabilities. */
export async function kindInfo(manifest: SourceManifest): Promise<SourceKindInfo> {
  const driver = await loadDriver(manifest.kind);
  return {
    kind: manifest.kind, title: manifest.title, summary: manifest.summary, schemes: [...manifest.schemes],
    fields: manifest.connectionFields(), ...(manifest.needsOneOf.length ? { needsOneOf: [...manifest.needsOneOf] } : {}),
    semantics: manifest.semantics, capabilities: capabilitiesOf(driver, manifest),
    samples: { strategies: [...manifest.samples.strategies], options: [...manifest.samples.options] },
  };
}

/** The problems of a sources.yaml entry: its kind's manifest checks it, an unknown kind is one problem. */
export function checkEntry(entry: { kind?: unknown }): OptionProblem[] {
  const kind = typeof entry.kind === 'string' ? entry.kind : undefined;
  if (kind === undefined) return [];
  const manifest = manifestFor(kind);
  if (!manifest) return [{ path: '/kind', message: `unknown kind '${kind}'${didYouMean(kind, driverKinds())}; known kinds: ${driverKinds().join(', ')}` }];
  return manifest.check(entry);
}

/** Refuses a sample request with a strategy or option the source's kind does not honour, by name, before anything connects. */
export function refuseUnsupportedSample(source: ResolvedSource, entity: string, options: SampleRequestOptions): void {
  const manifest = manifestFor(source.kind);
  if (!manifest) throw unknownKind(source.kind);
  refuseUnsupported(source, entity, { ...options, strategy: options.strategy ?? 'head' }, manifest.samples);
}

/** Refuses a resolved source whose entry its kind's manifest does not accept, naming the source and each option. */
export function assertValidSource(source: ResolvedSource, entry: Record<string, unknown>): void {
  const manifest = manifestFor(source.kind);
  if (!manifest) throw unknownKind(source.kind);
  // The name was checked where it was written (sources.yaml); an ad-hoc source is named by its URL.
  const problems = manifest.check(entry).filter((p) => p.path !== '/name');
  if (problems.length) throw settingsError(source, manifest.title, problems);
  manifest.settings(source);
}
