// Deterministic generated rows: the same values for the subject (JS rows handed to the landing path)
// and the reference (an NDJSON file, or Parquet/CSV written by DuckDB from the equivalent SQL).
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Field } from '../src/shared/types.js';

const NAMES = ['ada', 'grace', 'alan', 'edsger', 'barbara', 'ken', 'dennis', 'margaret'];
const WORDS = Array.from({ length: 50 }, (_, i) => `w${i}`);
const TAGS = ['red', 'green', 'blue'];
const BASE_MS = Date.UTC(2024, 0, 1);

export const META_TYPE = 'STRUCT(a INTEGER, b VARCHAR, tags VARCHAR[])';

/** DuckDB column types, in column order: what the reference's read_json is told explicitly. */
export const COLUMN_TYPES: Record<string, string> = {
  id: 'BIGINT',
  amount: 'DOUBLE',
  name: 'VARCHAR',
  at: 'TIMESTAMPTZ',
  meta: META_TYPE,
};

/** The same columns as the Field list a driver with a declared schema hands to the landing path. */
export const FIELDS: Field[] = [
  { name: 'id', type: 'integer', duckType: 'BIGINT', nullable: false },
  { name: 'amount', type: 'float', duckType: 'DOUBLE', nullable: false },
  { name: 'name', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'at', type: 'timestamptz', duckType: 'TIMESTAMPTZ', nullable: false },
  {
    name: 'meta', type: 'struct', duckType: META_TYPE, nullable: false,
    children: [
      { name: 'a', type: 'integer', duckType: 'INTEGER', nullable: false },
      { name: 'b', type: 'string', duckType: 'VARCHAR', nullable: false },
      { name: 'tags', type: 'list', duckType: 'VARCHAR[]', nullable: false, children: [{ name: 'element', type: 'string', duckType: 'VARCHAR', nullable: false }] },
    ],
  },
];

export interface GeneratedRecord {
  id: number;
  amount: number;
  name: string | null;
  at: Date;
  meta: { a: number; b: string; tags: string[] };
}

export function record(i: number): GeneratedRecord {
  return {
    id: i + 1,
    amount: ((i * 7919) % 1_000_003) / 100,
    name: i % 97 === 0 ? null : `${NAMES[i % NAMES.length]}-${i}`,
    at: new Date(BASE_MS + i * 1000 + (i % 1000)),
    meta: { a: i % 1000, b: WORDS[i % WORDS.length]!, tags: TAGS.slice(0, i % 4) },
  };
}

/** The row a driver hands over: values in FIELDS order, typed as a driver with a schema would (a Date for a timestamp). */
export function row(i: number): unknown[] {
  const r = record(i);
  return [r.id, r.amount, r.name, r.at, r.meta];
}

/** Writes `rows` records as NDJSON (timestamps as ISO-8601 with Z) and returns the bytes written. */
export function writeNdjson(path: string, rows: number): number {
  const fd = openSync(path, 'w');
  let bytes = 0;
  try {
    const chunk = 10_000;
    for (let start = 0; start < rows; start += chunk) {
      const lines: string[] = [];
      for (let i = start; i < Math.min(rows, start + chunk); i++) lines.push(JSON.stringify(record(i)));
      const text = `${lines.join('\n')}\n`;
      bytes += writeSync(fd, text);
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/** The same rows as SQL (plus microseconds in `at`), for DuckDB to write Parquet and CSV files from. */
export function generatedRowsSql(rows: number, metaAs: 'struct' | 'json'): string {
  const meta = `{'a': (i % 1000)::INTEGER, 'b': 'w' || (i % ${WORDS.length}), 'tags': ${sqlList(TAGS)}[1:(i % 4)]}`;
  const names = `[${NAMES.map((n) => `'${n}'`).join(', ')}]`;
  return `SELECT
      (i + 1)::BIGINT AS id,
      ((i * 7919) % 1000003)::DOUBLE / 100 AS amount,
      CASE WHEN i % 97 = 0 THEN NULL ELSE ${names}[(i % ${NAMES.length}) + 1] || '-' || i END AS name,
      -- Microseconds, as Parquet and most databases keep them (a JS Date holds only milliseconds).
      TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_microseconds(i * 1000000 + (i % 1000) * 1000 + i % 7) AS at,
      ${metaAs === 'struct' ? meta : `to_json(${meta})`} AS meta
    FROM range(${rows}) AS t(i)`;
}

function sqlList(values: string[]): string {
  return `[${values.map((v) => `'${v}'`).join(', ')}]`;
}
