// Pieces both relational drivers (PostgreSQL and MySQL/MariaDB) share: connection fields from
// sources.yaml, TLS modes, per-column value codecs that fall back to text instead of losing a value,
// key provenance and catalog formatting.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { HeadwaterError } from '../../../shared/errors.js';
import type { Field, Provenance } from '../../../shared/types.js';
import type { DriverSampleOptions, RecordBatch, ResolvedSource, SampleStream } from '../driver.js';
import { batchStream } from '../file/batch-stream.js';

// Qualified names are shared with the generators, which read the entities these drivers write.
export { displayQualified, splitQualified } from '../../../shared/names.js';

/** Fields that say where to connect; a replica given as a URL replaces all of them. */
const CONNECTION_FIELDS = ['host', 'port', 'database', 'user', 'password'];

/**
 * The source's declared replica (`replica:` a URL, or fields over the primary's), as a source of its
 * own with the same name and secrets, or undefined when none is declared.
 */
export function replicaSource(source: ResolvedSource, replica: string | Record<string, unknown> | undefined): ResolvedSource | undefined {
  if (replica === undefined || replica === '') return undefined;
  const { replica: _replica, ...options } = source.options;
  if (typeof replica === 'string') {
    for (const field of CONNECTION_FIELDS) delete options[field];
    return { ...source, url: replica, options };
  }
  if (typeof replica !== 'object' || Array.isArray(replica)) {
    throw new HeadwaterError('usage', `Source '${source.name}': replica must be a URL or connection fields (host, port, user...).`, { source: source.name });
  }
  const fields = replica as Record<string, unknown>;
  const url = typeof fields.url === 'string' ? fields.url : undefined;
  if (url) for (const field of CONNECTION_FIELDS) delete options[field];
  const { url: _url, ...rest } = fields;
  return { ...source, url: url ?? source.url, options: { ...options, ...rest } };
}

/** "host:port" of a source's connection fields, for messages. */
export function endpointText(endpoint: Endpoint): string {
  return `${endpoint.host}:${endpoint.port}`;
}

export interface Endpoint {
  host: string;
  port: number;
  database?: string;
  user?: string;
}

/** A connection field given at the top level of the source entry or under `options` (both land in options). */
export function sourceSetting(options: Record<string, unknown>, name: string): string | undefined {
  const value = options[name];
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' ? value : String(value);
}

export interface ConnectionFieldSpec {
  /** For messages: "PostgreSQL", "MySQL". */
  server: string;
  /** URL protocols accepted, e.g. ['postgres:', 'postgresql:']. */
  protocols: string[];
  example: string;
  defaultPort: number;
  /** Query parameters of the URL that may also carry these fields (libpq's ?host=, ?dbname=...). */
  urlParams?: Partial<Record<'host' | 'port' | 'database' | 'user' | 'password', string>>;
}

export interface ConnectionFields {
  host: string;
  port: number;
  database?: string;
  user?: string;
  password?: string;
  /** The first of these URL query parameters that is set. */
  param(...names: string[]): string | undefined;
  /** Contents of a file named by a setting (or URL parameter), relative to the workspace. */
  readFile(setting: string, ...aliases: string[]): string | undefined;
  /** The absolute path of that file. */
  filePath(setting: string, ...aliases: string[]): string | undefined;
}

/** Connection fields from the source's URL and/or its host/port/database/user/password settings (settings win; its manifest parsed them). */
export function connectionFields(source: { name: string; url?: string; baseDir: string }, options: Record<string, unknown>, spec: ConnectionFieldSpec): ConnectionFields {
  const fail = (message: string) => new HeadwaterError('usage', `${spec.server} source '${source.name}': ${message}`, { source: source.name });
  let url: URL | undefined;
  if (source.url) {
    try {
      url = new URL(source.url);
    } catch {
      throw fail(`the URL is not valid (expected ${spec.example}).`);
    }
    if (!spec.protocols.includes(url.protocol)) throw fail(`the URL must start with ${spec.protocols.map((p) => `${p}//`).join(' or ')}.`);
  }
  const param = (...names: string[]): string | undefined => {
    for (const name of names) {
      const value = url?.searchParams.get(name);
      if (value) return value;
    }
    return undefined;
  };
  const fromParam = (field: keyof NonNullable<ConnectionFieldSpec['urlParams']>) => (spec.urlParams?.[field] ? param(spec.urlParams[field]) : undefined);
  const decoded = (text: string | undefined) => (text ? decodeURIComponent(text) : undefined);
  const filePath = (setting: string, ...aliases: string[]): string | undefined => {
    const file = sourceSetting(options, setting) ?? param(setting, ...aliases);
    if (!file) return undefined;
    return isAbsolute(file) ? file : resolve(source.baseDir, file);
  };
  return {
    host: sourceSetting(options, 'host') ?? fromParam('host') ?? (url?.hostname ? decodeURIComponent(url.hostname).replace(/^\[(.*)\]$/, '$1') : undefined) ?? 'localhost',
    port: Number(sourceSetting(options, 'port') ?? fromParam('port') ?? (url?.port || spec.defaultPort)),
    database: sourceSetting(options, 'database') ?? fromParam('database') ?? (url && url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : undefined),
    user: sourceSetting(options, 'user') ?? fromParam('user') ?? decoded(url?.username),
    password: sourceSetting(options, 'password') ?? fromParam('password') ?? decoded(url?.password),
    param,
    filePath,
    readFile(setting, ...aliases) {
      const path = filePath(setting, ...aliases);
      if (!path) return undefined;
      try {
        return readFileSync(path, 'utf8');
      } catch (error) {
        throw fail(`cannot read ${setting} ${path} (${(error as Error).message}).`);
      }
    },
  };
}

/**
 * TLS by libpq's sslmode names (MySQL's ssl-mode names are accepted too): disable, require (encrypt,
 * do not verify), verify-ca (verify the chain, not the name), verify-full (chain and host name).
 * `prefer`/`allow` connect without TLS: the drivers cannot fall back from one to the other.
 */
export function tlsOptions(sourceName: string, server: string, mode: string, files: { ca?: string; cert?: string; key?: string }): ConnectionOptions | false {
  const normalized = mode.toLowerCase().replace(/_/g, '-');
  const client = { ...(files.cert ? { cert: files.cert } : {}), ...(files.key ? { key: files.key } : {}) };
  switch (normalized) {
    case 'disable':
    case 'disabled':
    case 'allow':
    case 'prefer':
    case 'preferred':
      return false;
    case 'require':
    case 'required':
      // libpq: with a root certificate, require behaves like verify-ca.
      return files.ca ? { ca: files.ca, rejectUnauthorized: true, checkServerIdentity: () => undefined, ...client } : { rejectUnauthorized: false, ...client };
    case 'verify-ca':
      return { ...(files.ca ? { ca: files.ca } : {}), rejectUnauthorized: true, checkServerIdentity: () => undefined, ...client };
    case 'verify-full':
    case 'verify-identity':
      return { ...(files.ca ? { ca: files.ca } : {}), rejectUnauthorized: true, ...client };
    default:
      throw new HeadwaterError('usage', `${server} source '${sourceName}': unknown sslmode '${mode}' (use disable, require, verify-ca or verify-full).`, { source: sourceName });
  }
}

/** Returned by a codec for a value the field's workspace type cannot hold exactly. */
export const UNREPRESENTABLE: unique symbol = Symbol('unrepresentable');

export type RawValue = string | Buffer | null;

/** How one column's raw values (text, or bytes for binary columns) become the plain JS values a field carries. */
export interface ColumnCodec {
  field: Field;
  /** The plain value, or UNREPRESENTABLE when the field's type cannot hold it exactly. */
  parse(raw: string | Buffer): unknown;
}

/** The text form of a raw value, for columns that fell back to text. */
export function rawText(raw: string | Buffer): string {
  return typeof raw === 'string' ? raw : raw.toString('hex');
}

/**
 * Converts raw rows batch by batch. When a value does not fit its column's type (an infinite
 * timestamp, a NaN numeric, a zero date...), that column becomes text from then on, and the batch
 * carries the new field list, so nothing is rounded, clamped or dropped.
 */
export class RowShaper {
  private readonly codecs: ColumnCodec[];

  constructor(
    codecs: ColumnCodec[],
    private readonly onWiden?: (field: Field, sample: string) => void,
    /** The text of a raw value once its column fell back to text (MySQL hands text columns over as UTF-8 bytes). */
    private readonly textOf: (raw: string | Buffer) => string = rawText,
  ) {
    this.codecs = codecs.map((c) => ({ ...c, field: { ...c.field } }));
  }

  get fields(): Field[] {
    return this.codecs.map((c) => ({ ...c.field }));
  }

  /** `offset` leading raw columns (keys, ctid) are not fields. */
  shape(rawRows: RawValue[][], offset: number): { rows: unknown[][]; fields?: Field[] } {
    let changed = false;
    const rows: unknown[][] = rawRows.map(() => new Array<unknown>(this.codecs.length));
    for (let c = 0; c < this.codecs.length; c++) {
      let codec = this.codecs[c]!;
      for (let r = 0; r < rawRows.length; r++) {
        const raw = rawRows[r]![c + offset] ?? null;
        if (raw === null) {
          rows[r]![c] = null;
          if (!codec.field.nullable) {
            codec.field = { ...codec.field, nullable: true };
            this.codecs[c] = codec;
            changed = true;
          }
          continue;
        }
        const value = codec.parse(raw);
        if (value !== UNREPRESENTABLE) {
          rows[r]![c] = value;
          continue;
        }
        this.onWiden?.(codec.field, this.textOf(raw).slice(0, 80));
        const { children: _children, ...rest } = codec.field;
        codec = { field: { ...rest, type: 'string', duckType: 'VARCHAR' }, parse: this.textOf };
        this.codecs[c] = codec;
        changed = true;
        // Earlier rows of this batch are redone as text, so the whole column agrees.
        for (let back = 0; back <= r; back++) {
          const earlier = rawRows[back]![c + offset] ?? null;
          rows[back]![c] = earlier === null ? null : this.textOf(earlier);
        }
      }
    }
    return changed ? { rows, fields: this.fields } : { rows };
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** An integer from its decimal text: a number when exact, else a bigint. */
export function integerFromText(text: string): number | bigint {
  if (text.length <= 15) return Number(text);
  const big = BigInt(text);
  return big <= MAX_SAFE && big >= -MAX_SAFE ? Number(big) : big;
}

/** Provenance of a row from its key columns: numbers when they are exact, else text. */
export function keyProvenance(names: readonly string[], values: readonly RawValue[]): Provenance {
  const out: Provenance = {};
  names.forEach((name, i) => {
    const value = values[i];
    if (value === null || value === undefined) out[name] = 'NULL';
    else if (typeof value !== 'string') out[name] = value.toString('hex');
    else out[name] = /^-?\d{1,15}$/.test(value) ? Number(value) : value;
  });
  return out;
}


export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Row estimate text for trees: "~1.2M rows". */
export function approxRows(n: number): string {
  if (n < 1000) return `~${n} rows`;
  if (n < 1_000_000) return `~${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}K rows`;
  if (n < 1_000_000_000) return `~${(n / 1_000_000).toFixed(n < 10_000_000 ? 1 : 0)}M rows`;
  return `~${(n / 1_000_000_000).toFixed(1)}B rows`;
}

/** One batch of shaped rows; carries the field list only when a column widened in it. */
export function shapedBatch(shaper: RowShaper, rawRows: RawValue[][], offset: number, provenance: Provenance[], bytes: number): RecordBatch {
  const shaped = shaper.shape(rawRows, offset);
  const batch: RecordBatch = { rows: shaped.rows, provenance, bytes };
  if (shaped.fields) batch.fields = shaped.fields;
  return batch;
}

/** How a relational driver's sample read is wrapped as a SampleStream. */
export interface RelationalRun {
  shaper: RowShaper;
  /** The next shaped batch; errors already name source and entity. */
  pull: () => Promise<RecordBatch | undefined>;
  options: DriverSampleOptions;
  signal: AbortSignal;
  close: () => Promise<void>;
  /** Cancels the statement running on the server. */
  interrupt: () => void;
  /** The statements, for the catalog. */
  query: string;
  /** Cursor column then tie-breakers, when the read is incremental. */
  incrementalLead?: string[];
  notes: string[];
}

export async function relationalSampleStream(run: RelationalRun): Promise<SampleStream> {
  const initialFields = run.shaper.fields;
  // The first batch is read now, so a refused or failing query is reported before anything lands.
  const first = await run.pull();
  if (first?.fields) delete first.fields;
  const batches = batchStream(first, run.pull, {
    signal: run.signal,
    limit: run.options.strategy === 'full' ? undefined : run.options.limit,
    close: run.close,
    interrupt: run.interrupt,
  });
  const lead = run.incrementalLead;
  const stream: SampleStream = { fields: first ? run.shaper.fields : initialFields, method: lead ? 'incremental' : 'snapshot', query: run.query, batches };
  if (lead) stream.cursor = { column: lead[0]!, tieBreakers: lead.slice(1) };
  if (run.notes.length) stream.notes = run.notes;
  return stream;
}
