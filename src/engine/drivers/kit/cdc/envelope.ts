// Debezium-style change events: the value envelope (before, after, source, op, ts_ms/us/ns) as the
// PostgreSQL and MySQL connectors emit it (../shared/standards/debezium/), and the workspace columns
// a capture lands it in, one row per event.
import type { Field, Provenance } from '../../../../shared/types.js';
import { ENGINE_VERSION } from '../../../../shared/version.js';

/** c create, u update, d delete, r read (snapshot), t truncate. */
export type ChangeOp = 'c' | 'u' | 'd' | 'r' | 't';

export type Row = Record<string, unknown>;

/** One change as a connector reads it, before it becomes an envelope. */
export interface ChangeEvent {
  op: ChangeOp;
  before: Row | null;
  after: Row | null;
  /** The connector's source block, in Debezium's key order (see pgSource / mysqlSource). */
  source: Row;
  /** Where the change is in the log (lsn, txId / file, pos, row), for the landed row. */
  provenance: Provenance;
}

/** Landed columns, in the order of Debezium's payload. JSON columns keep nested values as they are. */
export const ENVELOPE_FIELDS: Field[] = [
  { name: 'before', type: 'json', duckType: 'JSON', nullable: true },
  { name: 'after', type: 'json', duckType: 'JSON', nullable: true },
  { name: 'source', type: 'json', duckType: 'JSON', nullable: false },
  { name: 'op', type: 'string', duckType: 'VARCHAR', nullable: false },
  { name: 'ts_ms', type: 'integer', duckType: 'BIGINT', nullable: false },
  { name: 'ts_us', type: 'integer', duckType: 'BIGINT', nullable: false },
  { name: 'ts_ns', type: 'integer', duckType: 'BIGINT', nullable: false },
];

/** Debezium's `source.version`: here, the engine that captured the event. */
export const CONNECTOR_VERSION = `headwater-${ENGINE_VERSION}`;

/** A time as ts_ms, ts_us, ts_ns (bigints: nanoseconds pass 2^53). */
export function timestamps(micros: bigint): { ts_ms: bigint; ts_us: bigint; ts_ns: bigint } {
  return { ts_ms: micros / 1000n, ts_us: micros, ts_ns: micros * 1000n };
}

/** Now, in microseconds since the epoch (performance.now() adds what Date.now() lacks). */
export function nowMicros(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
}

/** The envelope's landed row, in ENVELOPE_FIELDS order. JSON parts are serialized here so 64-bit integers stay exact. */
export function envelopeRow(event: ChangeEvent, processedMicros = nowMicros()): unknown[] {
  const ts = timestamps(processedMicros);
  return [
    event.before === null ? null : exactJson(event.before),
    event.after === null ? null : exactJson(event.after),
    exactJson(event.source),
    event.op,
    ts.ts_ms,
    ts.ts_us,
    ts.ts_ns,
  ];
}

/** The whole envelope as Debezium's JSON converter writes its payload. */
export function envelopePayload(event: ChangeEvent, processedMicros = nowMicros()): Row {
  return { before: event.before, after: event.after, source: event.source, op: event.op, ...timestamps(processedMicros) };
}

/**
 * JSON with bigints written as plain numbers (JSON.stringify refuses them, and Number() would round
 * a ts_ns or a bigint column), Buffers as base64 (Debezium's default for bytes) and Dates as ISO text.
 */
export function exactJson(value: unknown): string {
  const marker = `~hw-bigint-${Math.random().toString(36).slice(2)}:`;
  const text = JSON.stringify(value, function replacer(this: unknown, key: string, v: unknown) {
    const raw = (this as Record<string, unknown>)[key];
    if (typeof raw === 'bigint') return `${marker}${raw.toString()}`;
    if (Buffer.isBuffer(raw)) return raw.toString('base64');
    if (raw instanceof Uint8Array) return Buffer.from(raw).toString('base64');
    return v;
  });
  return text.split(`"${marker}`).map((part, i) => (i === 0 ? part : part.replace(/^(-?\d+)"/, '$1'))).join('');
}

/** A PostgreSQL LSN ('16/B374D848') as the 64-bit integer Debezium's source.lsn holds. */
export function lsnToNumber(lsn: string): bigint {
  const [high, low] = lsn.split('/');
  return (BigInt(`0x${high ?? '0'}`) << 32n) + BigInt(`0x${low ?? '0'}`);
}

/** Microseconds since the epoch of a PostgreSQL timestamp text ('2024-05-01 10:00:00.123456+00'). */
export function pgTimestampMicros(text: string | undefined): bigint | undefined {
  if (!text) return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?([+-]\d{2}(?::?\d{2})?)?$/.exec(text.trim());
  if (!match) return undefined;
  const zone = match[4] ? (match[4].length === 3 ? `${match[4]}:00` : match[4].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')) : 'Z';
  const seconds = Date.parse(`${match[1]}T${match[2]}${zone}`);
  if (Number.isNaN(seconds)) return undefined;
  return BigInt(seconds) * 1000n + BigInt((match[3] ?? '').padEnd(6, '0'));
}

/** A landed row's provenance values, flat (numbers when exact, else text). */
export function flatProvenance(entries: Record<string, string | number | bigint | null | undefined>): Provenance {
  const out: Provenance = {};
  for (const [key, value] of Object.entries(entries)) {
    if (value === null || value === undefined) continue;
    out[key] = typeof value === 'bigint' ? (value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString()) : value;
  }
  return out;
}
