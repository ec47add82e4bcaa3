// logs-json / logs-access: the logs driver parsing a large log (every record through format parsing,
// who/what/when extraction and UTC time normalisation, into rows) versus DuckDB reading the same file.
// The files are generated in setup under .bench/ (not committed), one line per row: `--rows 5000000`
// makes about 1 GB (lines of ~200 bytes), --quick about 20 MB.
import { once } from 'node:events';
import { createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BatchSampleStream, ResolvedSource } from '../../src/engine/drivers/driver.js';
import driver from '../../src/engine/drivers/logs/index.js';
import { openDatabase, sqlString } from '../duck.js';
import { side, type BenchCase, type CaseContext, type Inspection, type RunContext } from '../harness.js';
import { testDriverContext } from '../../test/drivers/context.js';

const SERVICES = ['checkout', 'billing', 'search', 'gateway', 'auth'];
const LEVELS = ['info', 'info', 'info', 'debug', 'warn', 'error'];
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36', 'curl/8.5.0', 'python-requests/2.31'];
const PATHS = ['/api/orders', '/api/orders/991', '/static/app.js', '/login', '/search?q=shoes'];
const MONTH = 'Mar';

function jsonLine(i: number): string {
  const at = new Date(Date.UTC(2026, 2, 1) + i * 37).toISOString();
  return `{"ts":"${at}","level":"${LEVELS[i % LEVELS.length]}","service":"${SERVICES[i % SERVICES.length]}","user":"u-${i % 9973}","event":"order.step","msg":"step ${i % 100} done for order ${i}","order_id":${i},"duration_ms":${(i * 7) % 1000},"ok":${i % 13 !== 0}}\n`;
}

function accessLine(i: number): string {
  const t = new Date(Date.UTC(2026, 2, 1) + i * 37);
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${pad(t.getUTCDate())}/${MONTH}/${t.getUTCFullYear()}:${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} +0000`;
  const status = i % 50 === 0 ? 500 : i % 11 === 0 ? 404 : 200;
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255} - ${i % 7 === 0 ? `user${i % 100}` : '-'} [${stamp}] "GET ${PATHS[i % PATHS.length]} HTTP/1.1" ${status} ${(i * 13) % 50_000} "https://shop.example.com/" "${AGENTS[i % AGENTS.length]}"\n`;
}

async function writeLines(path: string, lines: number, line: (i: number) => string): Promise<void> {
  const out = createWriteStream(path, { highWaterMark: 1 << 22 });
  let chunk = '';
  for (let i = 0; i < lines; i++) {
    chunk += line(i);
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/** Every record of the file through the logs driver, rows built and dropped (no landing). */
async function parseWithDriver(path: string, options: Record<string, unknown>): Promise<Inspection> {
  const source: ResolvedSource = { name: 'bench', kind: 'logs', path, options, secrets: [], baseDir: '/' };
  const stream = await driver.sample(source, '', { limit: Number.MAX_SAFE_INTEGER, strategy: 'full' }, testDriverContext({ noDuckDB: 'the logs driver needs no DuckDB' })) as BatchSampleStream;
  let rows = 0;
  let rejected = 0;
  for await (const batch of stream.batches) {
    rows += batch.rows.length;
    rejected += batch.rejected ?? 0;
  }
  return { rows, columns: stream.fields.map((f) => ({ name: f.name, type: f.duckType })), note: `${rejected} malformed` };
}

/** DuckDB reading the same file into an in-memory table; the result's row count and column types. */
async function readWithDuckDB(ctx: RunContext, select: string): Promise<Inspection> {
  const db = await openDatabase(':memory:', join(ctx.runDir, 'duckdb-extensions'));
  try {
    await db.connection.run(`CREATE TABLE t AS ${select}`);
    const reader = await db.connection.runAndReadAll(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 't' ORDER BY ordinal_position`);
    const count = await db.connection.runAndReadAll('SELECT count(*) FROM t');
    return { rows: Number(count.getRowsJS()[0]![0]), columns: reader.getRowsJS().map((r) => ({ name: String(r[0]), type: String(r[1]) })) };
  } finally {
    db.close();
  }
}

const jsonFile = (ctx: CaseContext) => join(ctx.caseDir, 'app.jsonl.log');
const accessFile = (ctx: CaseContext) => join(ctx.caseDir, 'access.log');
const sizeNote = (path: string, lines: number) => `${lines} lines, ${(statSync(path).size / 1024 ** 2).toFixed(0)} MiB`;

export const logsJson: BenchCase = {
  name: 'logs-json',
  title: 'logs driver parsing a JSON-lines log vs DuckDB read_json on the same file',
  notes: [
    'One line per row (--rows 5000000 ≈ 1 GB); generated in setup (untimed).',
    'Subject (timed): the logs driver, strategy full: JSON.parse per line, who/what/when extraction, UTC time parsing, rows in batches of 2,000 (not landed).',
    'Reference (timed): DuckDB CREATE TABLE AS SELECT * FROM read_json(file) in memory (its own parser and type detection, multi-threaded).',
    'The sides produce different columns (fixed who/what/when + attributes vs one column per key): only row counts are compared.',
  ],
  async setup(ctx) {
    await writeLines(jsonFile(ctx), ctx.rows, jsonLine);
    console.log(`logs-json: ${sizeNote(jsonFile(ctx), ctx.rows)}`);
  },
  subject: side({
    label: 'logs driver (JSON lines)',
    run: (ctx) => parseWithDriver(jsonFile(ctx), { format: 'json' }),
    inspect: async (_ctx, out: Inspection) => out,
  }),
  reference: side({
    label: 'DuckDB read_json',
    run: (ctx) => readWithDuckDB(ctx, `SELECT * FROM read_json(${sqlString(jsonFile(ctx))}, format = 'newline_delimited')`),
    inspect: async (_ctx, out: Inspection) => out,
  }),
};

const COMBINED_SQL = String.raw`^(\S+) (\S+) (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"`;

export const logsAccess: BenchCase = {
  name: 'logs-access',
  title: 'logs driver parsing a combined access log vs DuckDB regexp_extract on the same lines',
  notes: [
    'One line per row (--rows 5000000 ≈ 1 GB); the subject\'s rows per second are its lines per second.',
    'Subject (timed): the logs driver (format detected as combined): one RegExp per line, status → level, CLF time → UTC, rows in batches (not landed).',
    'Reference (timed): DuckDB read_csv of whole lines then regexp_extract with the same pattern into 9 text columns, in memory.',
  ],
  async setup(ctx) {
    await writeLines(accessFile(ctx), ctx.rows, accessLine);
    console.log(`logs-access: ${sizeNote(accessFile(ctx), ctx.rows)}`);
  },
  subject: side({
    label: 'logs driver (combined)',
    run: (ctx) => parseWithDriver(accessFile(ctx), {}),
    inspect: async (_ctx, out: Inspection) => out,
  }),
  reference: side({
    label: 'DuckDB regexp_extract',
    run: (ctx) => readWithDuckDB(ctx, `SELECT regexp_extract(line, ${sqlString(COMBINED_SQL)}, ['host', 'ident', 'user', 'time', 'request', 'status', 'bytes', 'referer', 'agent']) AS r FROM read_csv(${sqlString(accessFile(ctx))}, columns = {'line': 'VARCHAR'}, header = false, delim = E'\x01', quote = '', escape = '', auto_detect = false)`),
    inspect: async (_ctx, out: Inspection) => out,
  }),
};
