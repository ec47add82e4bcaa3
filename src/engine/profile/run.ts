// Runs the profile's statements: timed, cancellable, results as plain JSON values.
import type { DuckDBConnection, DuckDBResultReader } from '@duckdb/node-api';
import { HeadwaterError } from '../../shared/errors.js';

export type Row = Record<string, unknown>;

export class ProfileRunner {
  readonly queries: { purpose: string; ms: number }[] = [];

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly signal?: AbortSignal,
  ) {}

  async rows(purpose: string, sql: string): Promise<Row[]> {
    return ((await this.read(purpose, sql)).getRowObjectsJS() as Row[]).map((row) => plain(row) as Row);
  }

  /** Runs a statement and reads its whole (small) result. */
  async read(purpose: string, sql: string): Promise<DuckDBResultReader> {
    if (this.signal?.aborted) throw new HeadwaterError('cancelled', 'Profile cancelled.');
    const onAbort = () => this.connection.interrupt();
    this.signal?.addEventListener('abort', onAbort, { once: true });
    const started = performance.now();
    try {
      return await this.connection.runAndReadAll(sql);
    } catch (cause) {
      if (this.signal?.aborted) throw new HeadwaterError('cancelled', 'Profile cancelled.');
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new HeadwaterError('internal', `Profiling failed (${purpose}): ${message}`, {}, { cause });
    } finally {
      this.queries.push({ purpose, ms: Math.round(performance.now() - started) });
      this.signal?.removeEventListener('abort', onAbort);
    }
  }

  async one(purpose: string, sql: string): Promise<Row> {
    return (await this.rows(purpose, sql))[0] ?? {};
  }
}

/** bigint → number (or decimal text beyond 2^53), Date → ISO text, recursively. */
export function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

/** Collects aggregate expressions under short aliases for one SELECT. */
export class Aggregates {
  private readonly items: string[] = [];

  add(expr: string): string {
    const alias = `a${this.items.length}`;
    this.items.push(`${expr} AS ${alias}`);
    return alias;
  }

  get size(): number {
    return this.items.length;
  }

  sql(from: string): string {
    return `SELECT ${this.items.join(',\n  ')}\nFROM ${from}`;
  }
}

export function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' || typeof value === 'bigint') return Number(value);
  return Number.NaN;
}

export function numOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = num(value);
  return Number.isFinite(n) ? n : null;
}

/** ISO-8601 UTC text of epoch microseconds, to the microsecond when there are any. */
export function isoFromMicros(micros: number, dateOnly = false): string {
  const ms = Math.floor(micros / 1000);
  // DuckDB's ±infinity timestamps (and anything beyond JS dates) have no ISO form.
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return micros < 0 ? '-infinity' : 'infinity';
  const iso = new Date(ms).toISOString();
  if (dateOnly && micros % 86_400_000_000 === 0) return iso.slice(0, 10);
  const rest = Math.round(micros - ms * 1000);
  return rest ? iso.replace(/Z$/, `${String(rest).padStart(3, '0')}Z`) : iso;
}

export function round(value: number, digits = 6): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
