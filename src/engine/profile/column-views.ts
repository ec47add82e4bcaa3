// The SQL views a column or STRUCT field is read through, chosen by its DuckDB type: a number view
// for integers and floats, epoch microseconds for times, text for strings, lengths for containers.
import type { DuckDBType } from '@duckdb/node-api';
import { quoteLiteral } from '../workspace/sql.js';
import type { PathPlan } from './path-plan.js';

/** DuckDB C API type ids (duckdb.h DUCKDB_TYPE), stable across releases. */
export const T = {
  BOOLEAN: 1, TINYINT: 2, SMALLINT: 3, INTEGER: 4, BIGINT: 5, UTINYINT: 6, USMALLINT: 7, UINTEGER: 8, UBIGINT: 9,
  FLOAT: 10, DOUBLE: 11, TIMESTAMP: 12, DATE: 13, TIME: 14, INTERVAL: 15, HUGEINT: 16, VARCHAR: 17, BLOB: 18,
  DECIMAL: 19, TIMESTAMP_S: 20, TIMESTAMP_MS: 21, TIMESTAMP_NS: 22, ENUM: 23, LIST: 24, STRUCT: 25, MAP: 26,
  UUID: 27, UNION: 28, BIT: 29, TIME_TZ: 30, TIMESTAMP_TZ: 31, UHUGEINT: 32, ARRAY: 33, BIGNUM: 35,
} as const;
const INTEGER_TYPES = new Set<number>([T.TINYINT, T.SMALLINT, T.INTEGER, T.BIGINT, T.UTINYINT, T.USMALLINT, T.UINTEGER, T.UBIGINT, T.HUGEINT, T.UHUGEINT, T.BIGNUM]);
const FLOAT_TYPES = new Set<number>([T.FLOAT, T.DOUBLE, T.DECIMAL]);
const TIMESTAMP_TYPES = new Set<number>([T.TIMESTAMP, T.TIMESTAMP_S, T.TIMESTAMP_MS, T.TIMESTAMP_NS, T.TIMESTAMP_TZ]);

export function typeName(type: DuckDBType): string {
  return type.alias ?? type.toString();
}

/** Plans one column or STRUCT field from its DuckDB type. */
export function typedPath(base: Omit<PathPlan, 'kind' | 'lowCardinality' | 'notes' | 'duckType'>, type: DuckDBType, out: PathPlan[]): void {
  const id = type.typeId as number;
  const v = base.value;
  const plan: PathPlan = { ...base, duckType: typeName(type), kind: 'other', lowCardinality: false, notes: [] };
  if (id === T.VARCHAR && type.alias === 'JSON') {
    // JSON columns are expanded after the probe says what they hold.
    plan.kind = 'object';
    out.push(plan);
    return;
  }
  const bound = (group: 1 | 2, cast: (text: string) => string) => cast(`regexp_extract(stats(${v}), '^\\[Min: ([^,\\]]+), Max: ([^,\\]]+)\\]', ${group})`);
  const bounds = (of: 'number' | 'time', cast: (text: string) => string) => (base.depth === 0 ? { bounds: { min: bound(1, cast), max: bound(2, cast), of } } : {});
  if (id === T.BOOLEAN) Object.assign(plan, { kind: 'boolean', bool: v, topK: v });
  else if (INTEGER_TYPES.has(id)) Object.assign(plan, { kind: 'number', number: v, integer: true, alwaysFinite: true, topK: v, ...bounds('number', (t) => `TRY_CAST(${t} AS DOUBLE)`) });
  else if (FLOAT_TYPES.has(id)) Object.assign(plan, { kind: 'number', number: `CAST(${v} AS DOUBLE)`, alwaysFinite: id === T.DECIMAL, topK: `CAST(${v} AS DOUBLE)`, ...bounds('number', (t) => `TRY_CAST(${t} AS DOUBLE)`) });
  else if (TIMESTAMP_TYPES.has(id)) {
    const parse = id === T.TIMESTAMP_TZ ? 'TIMESTAMPTZ' : 'TIMESTAMP';
    Object.assign(plan, { kind: 'time', epochUs: `epoch_us(${v})`, topK: `epoch_us(${v})`, topKAs: 'epoch', ...bounds('time', (t) => `epoch_us(TRY_CAST(${t} AS ${parse}))`) });
  } else if (id === T.DATE) {
    Object.assign(plan, { kind: 'time', epochUs: `epoch_us(CAST(${v} AS TIMESTAMP))`, topK: `epoch_us(CAST(${v} AS TIMESTAMP))`, topKAs: 'epoch', dateOnly: true, ...bounds('time', (t) => `epoch_us(CAST(TRY_CAST(${t} AS DATE) AS TIMESTAMP))`) });
  } else if (id === T.VARCHAR) Object.assign(plan, { kind: 'string', text: v, topK: v, minMax: v });
  else if (id === T.ENUM || id === T.UUID) Object.assign(plan, { kind: 'string', text: `CAST(${v} AS VARCHAR)`, topK: `CAST(${v} AS VARCHAR)`, minMax: `CAST(${v} AS VARCHAR)` });
  else if (id === T.BLOB || id === T.BIT) Object.assign(plan, { kind: 'binary', length: `octet_length(${v})` });
  else if (id === T.LIST || id === T.ARRAY) Object.assign(plan, { kind: 'list', length: `len(${v})` });
  else if (id === T.MAP) Object.assign(plan, { kind: 'map', length: `cardinality(${v})` });
  else if (id === T.STRUCT) {
    plan.kind = 'object';
    out.push(plan);
    const struct = type as unknown as { entryNames: readonly string[]; entryTypes: readonly DuckDBType[] };
    struct.entryNames.forEach((name, i) => {
      typedPath({ path: `${base.path}.${name}`, column: base.column, depth: base.depth + 1, via: 'struct', value: `struct_extract(${v}, ${quoteLiteral(name)})` }, struct.entryTypes[i]!, out);
    });
    return;
  } else Object.assign(plan, { kind: 'other', minMax: `CAST(${v} AS VARCHAR)`, topK: `CAST(${v} AS VARCHAR)` });
  out.push(plan);
}
