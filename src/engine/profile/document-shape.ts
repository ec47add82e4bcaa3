// How deep documents nest and how long their arrays are (document stores, JSON topics): read from
// the JSON text of every nested top-level field of up to MAX_DOCUMENTS rows spread over the table.
// A character scan rather than JSON.parse: it counts levels and elements without building objects,
// so a deep or huge document costs time linear in its size and no memory.
import type { DocumentShapeFact, LengthBucket } from '../../shared/document-shape.js';
import { quoteIdent } from '../workspace/sql.js';
import { T } from './column-views.js';
import { isLandingColumn, type ProfilePlan } from './plan.js';
import { round, type ProfileRunner } from './run.js';

/** Rows read; more rows are read evenly spread (every n-th rowid). */
export const MAX_DOCUMENTS = 20_000;
/** A field's JSON text longer than this is left out (counted in the notes). */
const MAX_TEXT = 4 * 1024 * 1024;
const BUCKETS: [string, number][] = [['0', 0], ['1', 1], ['2-5', 5], ['6-10', 10], ['11-100', 100], ['101-1000', 1000], ['>1000', Number.POSITIVE_INFINITY]];
const NESTED = new Set<number>([T.STRUCT, T.LIST, T.MAP, T.ARRAY]);

export interface TextShape {
  /** Deepest nesting of objects and arrays (0 for a scalar). */
  depth: number;
  /** Element count of every array, in the order they close. */
  arrays: number[];
}

/** Levels and array lengths of one JSON text (assumed well formed: DuckDB wrote it). */
export function scanJson(text: string): TextShape {
  const arrays: number[] = [];
  // Per open container: -1 for an object, else the elements counted so far in an array.
  const stack: number[] = [];
  let depth = 0;
  let opened = false; // the last token opened an array: the next non-space decides empty or not
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) continue;
    if (opened) {
      opened = false;
      if (c !== 93) stack[stack.length - 1] = 1;
    }
    if (c === 34) { // a string: skip to its closing quote
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
    } else if (c === 123 || c === 91) {
      stack.push(c === 123 ? -1 : 0);
      if (stack.length > depth) depth = stack.length;
      opened = c === 91;
    } else if (c === 125 || c === 93) {
      const top = stack.pop();
      if (c === 93 && top !== undefined) arrays.push(top);
    } else if (c === 44 && stack.length > 0 && stack[stack.length - 1]! >= 0) {
      stack[stack.length - 1]! += 1;
    }
  }
  return { depth, arrays };
}

function nestedColumns(plan: ProfilePlan): { name: string; text: string }[] {
  return plan.columns.filter((c) => !isLandingColumn(c.name) && (c.type.alias === 'JSON' || NESTED.has(c.type.typeId as number)))
    .map((c) => ({ name: c.name, text: c.type.alias === 'JSON' ? `CAST(${quoteIdent(c.name)} AS VARCHAR)` : `CAST(to_json(${quoteIdent(c.name)}) AS VARCHAR)` }));
}

function quantile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : 0;
}

function provenanceOf(text: unknown): Record<string, string | number> | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as Record<string, string | number>;
  } catch {
    return undefined;
  }
}

/** The fact, or undefined when the sample has no nested field. */
export async function documentShapeFact(runner: ProfileRunner, plan: ProfilePlan, rows: number): Promise<DocumentShapeFact | undefined> {
  const columns = nestedColumns(plan);
  if (columns.length === 0 || rows === 0) return undefined;
  const step = Math.max(1, Math.ceil(rows / MAX_DOCUMENTS));
  const provenance = plan.columns.some((c) => c.name === '_hw_provenance') ? 'CAST(_hw_provenance AS VARCHAR)' : 'NULL';
  const texts = columns.map((c) => `CASE WHEN strlen(${c.text}) <= ${MAX_TEXT} THEN ${c.text} END, strlen(${c.text}) > ${MAX_TEXT}`).join(', ');
  const read = await runner.read(`document shape: nesting and array lengths (every ${step} rows)`, `SELECT rowid, ${provenance}, ${texts} FROM ${plan.table} WHERE rowid % ${step} = 0 LIMIT ${MAX_DOCUMENTS}`);
  const depths = new Map<number, number>();
  const lengths: number[] = [];
  let documents = 0;
  let depthSum = 0;
  let skipped = 0;
  const deepest = { depth: -1, row: -1, field: '' };
  const longest = { length: -1, row: -1, field: '' };
  const data = read.getRowsJS() as unknown[][];
  data.forEach((row, r) => {
    let depth = 1;
    columns.forEach((column, i) => {
      if (row[3 + i * 2] === true) skipped++;
      const text = row[2 + i * 2];
      if (typeof text !== 'string') return;
      const shape = scanJson(text);
      if (shape.depth + 1 > depth) depth = shape.depth + 1;
      if (shape.depth + 1 > deepest.depth) Object.assign(deepest, { depth: shape.depth + 1, row: r, field: column.name });
      for (const length of shape.arrays) {
        lengths.push(length);
        if (length > longest.length) Object.assign(longest, { length, row: r, field: column.name });
      }
    });
    documents++;
    depthSum += depth;
    depths.set(depth, (depths.get(depth) ?? 0) + 1);
  });
  lengths.sort((a, b) => a - b);
  const histogram: LengthBucket[] = [];
  let from = 0;
  for (const [bucket, upTo] of BUCKETS) {
    let n = 0;
    while (from < lengths.length && lengths[from]! <= upTo) { n++; from++; }
    if (n > 0) histogram.push({ bucket, arrays: n });
  }
  const example = (at: { row: number; field: string }) => {
    const where = provenanceOf(data[at.row]?.[1]);
    return { field: at.field, ...(where ? { provenance: where } : {}) };
  };
  const notes = skipped ? [`${skipped} field values over ${MAX_TEXT / 1024 / 1024} MiB of JSON were left out`] : [];
  return {
    fields: columns.map((c) => c.name),
    documents,
    depth: {
      max: Math.max(0, deepest.depth, ...depths.keys()),
      mean: round(documents ? depthSum / documents : 0, 3),
      histogram: [...depths].sort((a, b) => a[0] - b[0]).map(([depth, n]) => ({ depth, documents: n })),
      ...(deepest.depth > 1 ? { deepest: { depth: deepest.depth, ...example(deepest) } } : {}),
    },
    arrays: {
      count: lengths.length,
      empty: lengths.filter((l) => l === 0).length,
      max: lengths.length ? lengths[lengths.length - 1]! : 0,
      p50: quantile(lengths, 0.5),
      p90: quantile(lengths, 0.9),
      p99: quantile(lengths, 0.99),
      histogram,
      ...(longest.length >= 0 ? { longest: { length: longest.length, ...example(longest) } } : {}),
    },
    notes,
    basis: step === 1 ? { rows: documents, method: 'exact' } : { rows: documents, method: 'approximate', detail: `every ${step}th row of ${rows} (${documents} rows read)` },
  };
}
