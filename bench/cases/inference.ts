// inference, inference-1thread, inference-quicktype: schema inference over 1M nested NDJSON records.
// The subject is inferNdjsonFile (read, JSON.parse per line, SchemaInferrer in 5k-record batches with
// provenance {line}); the references infer the same file with DuckDB's read_json_auto (full scan) and
// with quicktype-core.
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { toFields } from '../../src/engine/inference/fields.js';
import { inferNdjsonFile, type NdjsonInference } from '../../src/engine/inference/ndjson.js';
import { openDatabase, sqlString } from '../duck.js';
import { side, type BenchCase, type CaseContext, type Inspection } from '../harness.js';

const BATCH = 5_000;

// ---- input: deterministic nested events --------------------------------------------------------
// The shapes inference has to get right: uuid, an id that is sometimes a numeric string, zoned
// timestamps in two forms, nested structs, a list of structs, decimals, a field null for the first
// 60% of records, a late field, and a map keyed by dates.

const TYPES = ['page_view', 'page_view', 'page_view', 'product_view', 'product_view', 'search', 'add_to_cart', 'checkout'];
const PLANS = ['free', 'free', 'plus', 'pro', 'guest'];
const PAGES = ['/', '/c/coffee', '/c/tea', '/c/equipment', '/cart', '/account', '/help/shipping'];
const CAMPAIGNS = ['winter_sale', 'newsletter_dec', 'retargeting'];
const BASE_MS = Date.UTC(2024, 0, 1);

/** A small, fast, seedable generator (mulberry32), so every run writes the same bytes. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(random: () => number, digits: number): string {
  let out = '';
  for (let i = 0; i < digits; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

/** The i-th record (0-based) of a stream of `total`. */
function benchEvent(i: number, total: number, random: () => number): Record<string, unknown> {
  const ms = BASE_MS + i * 600 + Math.floor(random() * 500);
  const zoned = random() < 0.2;
  const ts = zoned ? new Date(ms + 7_200_000).toISOString().replace('Z', '+02:00') : new Date(ms).toISOString();
  const type = TYPES[Math.floor(random() * TYPES.length)]!;
  const userId = random() < 0.3 ? null : 1 + Math.floor(random() * 50_000);
  const event: Record<string, unknown> = {
    event_id: `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}`,
    // Usually a number; past a quarter of the stream one producer sends it as a string.
    id: i > total / 4 && random() < 0.02 ? String(1_000_000 + i) : 1_000_000 + i,
    type,
    ts,
    user: { id: userId, plan: userId === null ? 'guest' : PLANS[Math.floor(random() * 4)]!, email: userId === null ? null : `user${userId}@example.com` },
    context: {
      ip: `${11 + Math.floor(random() * 200)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`,
      page: { url: `https://shop.example.com${PAGES[Math.floor(random() * PAGES.length)]!}`, referrer: random() < 0.5 ? null : 'https://www.google.com/' },
    },
    items: [] as unknown[],
    value: 0,
    campaign: i < total * 0.6 || random() < 0.5 ? null : CAMPAIGNS[Math.floor(random() * CAMPAIGNS.length)]!,
  };
  const lines = type === 'add_to_cart' ? 1 : type === 'checkout' ? 1 + Math.floor(random() * 3) : 0;
  let cents = 0;
  for (let n = 0; n < lines; n++) {
    const price = 199 + Math.floor(random() * 5000);
    const quantity = 1 + Math.floor(random() * 3);
    cents += price * quantity;
    (event.items as unknown[]).push({ sku: `SKU-${1000 + Math.floor(random() * 400)}`, quantity, price: price / 100 });
  }
  event.value = cents / 100;
  // Visits per day over the last 60 days, keyed by date: a map, not a struct with one field per day.
  const visits: Record<string, number> = {};
  for (let n = 1 + Math.floor(random() * 3); n > 0; n--) visits[new Date(BASE_MS - Math.floor(random() * 60) * 86_400_000).toISOString().slice(0, 10)] = 1 + Math.floor(random() * 5);
  event.visits = visits;
  if (i > total * 0.75) event.experiment = { name: 'checkout_button', variant: random() < 0.5 ? 'A' : 'B' };
  return event;
}

/** Writes `total` records as NDJSON; returns the bytes written. */
function writeBenchEvents(path: string, total: number, seed = 42): number {
  const random = rng(seed);
  const fd = openSync(path, 'w');
  let bytes = 0;
  try {
    const chunk = 10_000;
    for (let start = 0; start < total; start += chunk) {
      const lines: string[] = [];
      for (let i = start; i < Math.min(total, start + chunk); i++) lines.push(JSON.stringify(benchEvent(i, total, random)));
      bytes += writeSync(fd, `${lines.join('\n')}\n`);
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}

const inputFile = (ctx: CaseContext) => join(ctx.caseDir, 'events.ndjson');

/** Calls `onLines` with batches of up to BATCH lines (and their 1-based numbers), reading 1 MiB at a time. */
async function readLines(file: string, onLines: (lines: string[], firstLine: number) => void | Promise<void>): Promise<number> {
  const decoder = new StringDecoder('utf8');
  let tail = '';
  let lineNumber = 0;
  let batch: string[] = [];
  let first = 1;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const text = tail + decoder.write(chunk as Buffer);
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      batch.push(text.slice(start, end));
      lineNumber++;
      start = end + 1;
      if (batch.length === BATCH) {
        await onLines(batch, first);
        batch = [];
        first = lineNumber + 1;
      }
    }
    tail = text.slice(start);
  }
  tail += decoder.end();
  if (tail) {
    batch.push(tail);
    lineNumber++;
  }
  if (batch.length) await onLines(batch, first);
  return lineNumber;
}

/** DuckDB quotes struct field names only when it must; compare types without the quotes. */
function unquoted(type: string): string {
  return type.replaceAll('"', '');
}

/** What a subject hands back: the schema and the line counts. */
type SubjectOutput = Pick<NdjsonInference, 'schema' | 'malformed' | 'threads'>;

function subjectInspection(out: SubjectOutput): Inspection {
  const fields = toFields(out.schema);
  const named = (type: string) => out.schema.fields.filter((f) => f.type === type).map((f) => f.name).join(', ') || 'none';
  return {
    rows: out.schema.records,
    columns: fields.map((f) => ({ name: f.name, type: unquoted(f.duckType) })),
    note: `Headwater (${out.threads} thread${out.threads === 1 ? '' : 's'}): unions: ${named('union')}; maps: ${named('map')}; ${out.malformed} malformed lines`,
  };
}

function subject(threads: number | undefined) {
  return side({
    label: `inferNdjsonFile (read + JSON.parse + SchemaInferrer, ${threads === undefined ? 'all cores' : `${threads} thread`})`,
    async run(ctx): Promise<SubjectOutput> {
      const { schema, malformed, threads: used } = await inferNdjsonFile(inputFile(ctx), threads === undefined ? {} : { threads });
      return { schema, malformed, threads: used };
    },
    inspect: async (_ctx, out: SubjectOutput) => subjectInspection(out),
  });
}

const duckdbReference = side({
  label: 'DuckDB read_json_auto (sample_size=-1)',
  async run(ctx): Promise<{ name: string; type: string }[]> {
    const db = await openDatabase(':memory:', join(ctx.runDir, 'duckdb-extensions'));
    try {
      const described = await db.connection.runAndReadAll(`DESCRIBE SELECT * FROM read_json_auto(${sqlString(inputFile(ctx))}, sample_size = -1)`);
      return (described.getRowObjectsJS() as { column_name: string; column_type: string }[]).map((c) => ({ name: c.column_name, type: unquoted(c.column_type) }));
    } finally {
      db.close();
    }
  },
  async inspect(ctx, columns: { name: string; type: string }[]): Promise<Inspection> {
    // Untimed: how many records DuckDB reads from the file.
    const db = await openDatabase(':memory:', join(ctx.runDir, 'duckdb-extensions'));
    try {
      const counted = await db.connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_json_auto(${sqlString(inputFile(ctx))}, sample_size = -1)`);
      return { rows: (counted.getRowObjectsJS()[0] as { n: number }).n, columns };
    } finally {
      db.close();
    }
  },
});

const INPUT_NOTE = 'Input: nested event records (~380 bytes each: uuid, an id that is sometimes a numeric string, Z and +02:00 timestamps, structs, a list of structs, decimals, a field null for 60% of the stream, a late field, a date-keyed map) written in setup (untimed).';
const TYPES_NOTE = 'The type check compares the subject\'s duckType per top-level field with DuckDB\'s (struct field quotes removed): differences are expected and are the point (zoned timestamps, exact decimals).';

export const inference: BenchCase = {
  name: 'inference',
  title: 'inferNdjsonFile on all cores (read + parse + infer) vs DuckDB DESCRIBE read_json_auto(sample_size=-1)',
  notes: [
    INPUT_NOTE,
    'Timed on both sides: reading the whole file and inferring its schema. Subject: inferNdjsonFile, which cuts the file into one byte range per core (the calling thread reads the first, worker threads the others: stream, JSON.parse per line, SchemaInferrer.observe in 5k-record batches with provenance {line}), then merges the parts and calls result(). Reference: a fresh in-memory DuckDB, DESCRIBE SELECT * FROM read_json_auto(file, sample_size=-1), which scans every record on all cores.',
    'Run from TypeScript sources, the worker script is bundled once with esbuild at the first call, inside the timed part. Wall time gains need idle cores: on a busy machine two threads contend with everything else.',
    TYPES_NOTE,
  ],
  async setup(ctx) {
    writeBenchEvents(inputFile(ctx), ctx.rows);
  },
  subject: subject(undefined),
  reference: duckdbReference,
};

export const inferenceOneThread: BenchCase = {
  name: 'inference-1thread',
  title: 'inferNdjsonFile on one thread (read + parse + infer) vs DuckDB DESCRIBE read_json_auto(sample_size=-1)',
  notes: [
    INPUT_NOTE,
    'As `inference`, with the subject held to the calling thread (threads: 1) while DuckDB uses every core: the single-threaded cost of parse + infer.',
    TYPES_NOTE,
  ],
  async setup(ctx) {
    writeBenchEvents(inputFile(ctx), ctx.rows);
  },
  subject: subject(1),
  reference: duckdbReference,
};

interface QuicktypeOutput {
  samples: number;
  schema: { definitions?: Record<string, { properties?: Record<string, Record<string, unknown>> }>; $ref?: string };
}

/** A JSON Schema property as one short type string: `integer`, `string/date-time`, `integer|null`, `#Item[]`. */
function jsonSchemaType(property: Record<string, unknown>): string {
  if (typeof property.$ref === 'string') return `#${property.$ref.split('/').pop()}`;
  if (Array.isArray(property.anyOf)) return (property.anyOf as Record<string, unknown>[]).map(jsonSchemaType).join('|');
  if (property.type === 'array' && property.items) return `${jsonSchemaType(property.items as Record<string, unknown>)}[]`;
  return `${String(property.type)}${typeof property.format === 'string' ? `/${property.format}` : ''}`;
}

export const inferenceQuicktype: BenchCase = {
  name: 'inference-quicktype',
  title: 'inferNdjsonFile on one thread (read + parse + infer) vs quicktype-core inferring a JSON Schema from the same lines',
  notes: [
    INPUT_NOTE,
    'Subject as `inference-1thread` (one thread, like quicktype).',
    'Reference: quicktype-core, fed the same lines in 5k-line batches (addSource on one top-level name; it parses them itself), then rendering a JSON Schema (lang "schema"). quicktype keeps every sample in memory, so its memory grows with the input.',
    'Column types are in different vocabularies (duckType vs JSON Schema), so the type check is expected to differ; the rows check says both read every record.',
  ],
  async setup(ctx) {
    writeBenchEvents(inputFile(ctx), ctx.rows);
  },
  subject: subject(1),
  reference: side({
    label: 'quicktype-core (JSON Schema)',
    // Loaded before the clock starts, like the subject's modules.
    prepare: () => import('quicktype-core'),
    async run(ctx, { InputData, jsonInputForTargetLanguage, quicktype }: typeof import('quicktype-core')): Promise<QuicktypeOutput> {
      const input = jsonInputForTargetLanguage('schema');
      let samples = 0;
      await readLines(inputFile(ctx), async (lines) => {
        const nonEmpty = lines.filter((line) => line.length > 0);
        samples += nonEmpty.length;
        await input.addSource({ name: 'Event', samples: nonEmpty });
      });
      const inputData = new InputData();
      inputData.addInput(input);
      const rendered = await quicktype({ inputData, lang: 'schema' });
      return { samples, schema: JSON.parse(rendered.lines.join('\n')) as QuicktypeOutput['schema'] };
    },
    async inspect(_ctx, out: QuicktypeOutput): Promise<Inspection> {
      const top = out.schema.$ref?.split('/').pop() ?? 'Event';
      const properties = out.schema.definitions?.[top]?.properties ?? {};
      return { rows: out.samples, columns: Object.entries(properties).map(([name, property]) => ({ name, type: jsonSchemaType(property) })) };
    },
  }),
};
