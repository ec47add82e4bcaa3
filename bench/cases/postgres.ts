// postgres-landing: a full sample of a 10-column mixed-type PostgreSQL table landed in the workspace
// (Engine.sample) versus the raw `COPY (…) TO STDOUT` of the same rows to nowhere, the fastest the
// server can hand them over. postgres-memory: the same on 10× the rows, for the peak RSS of the
// process doing the landing. One private PostgreSQL 15 serves both sides in the same run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { Engine } from '../../src/engine/engine.js';
import { startPostgres, type PostgresService } from '../../test/services/postgres.js';
import { ident } from '../duck.js';
import { side, type BenchCase, type CaseContext, type Inspection } from '../harness.js';

const TABLE = 'public.bench';
const COLUMNS = 'id, qty, price, ratio, name, code, active, day, at, ref';
let server: PostgresService | undefined;

const serverFile = (ctx: CaseContext) => join(ctx.caseDir, 'server.json');
const urlOf = (ctx: CaseContext): string => (JSON.parse(readFileSync(serverFile(ctx), 'utf8')) as { url: string }).url;

async function setup(ctx: CaseContext): Promise<void> {
  server ??= await startPostgres();
  await server.psql('DROP DATABASE IF EXISTS bench');
  await server.psql('CREATE DATABASE bench');
  await server.psql(`CREATE TABLE ${TABLE} (id bigint PRIMARY KEY, qty integer NOT NULL, price numeric(12,2), ratio double precision, name text, code varchar(16),
      active boolean, day date, at timestamptz, ref uuid);
    INSERT INTO ${TABLE} SELECT i, i % 1000, (i % 100000) / 100.0, i / 7.0, 'customer ' || (i % 50000), 'C' || lpad((i % 9999)::text, 6, '0'),
      i % 3 = 0, date '2020-01-01' + (i % 2000), timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second', md5(i::text)::uuid
    FROM generate_series(1, ${ctx.rows}) i;
`, { database: 'bench' });
  await server.psql(`VACUUM ANALYZE ${TABLE}`, { database: 'bench' });
  mkdirSync(ctx.caseDir, { recursive: true });
  writeFileSync(serverFile(ctx), JSON.stringify({ url: server.urlFor({ database: 'bench' }) }));
}

async function teardown(): Promise<void> {
  await server?.stop();
  server = undefined;
}

const subject = side({
  label: 'Headwater Engine.sample (strategy full)',
  // The engine loads DuckDB's native library on first use, once per process (~140 ms here); the
  // reference's pg is loaded with this module. Both are loaded before the clock.
  prepare: () => import('@duckdb/node-api'),
  async run(ctx) {
    mkdirSync(join(ctx.runDir, '.headwater'), { recursive: true });
    writeFileSync(join(ctx.runDir, '.headwater', 'sources.yaml'), `sources:\n  - name: bench\n    kind: postgres\n    url: ${urlOf(ctx)}\n    options:\n      statementTimeoutMs: 600000\n`);
    const engine = new Engine({ workspaceDir: ctx.runDir });
    try {
      const info = await engine.sample('bench', TABLE, { strategy: 'full', confirmFull: true, limit: ctx.rows });
      return { table: `samples.${ident(info.id)}`, status: info.status, path: /postgres extension/.test(info.query) ? 'DuckDB postgres extension' : /read_csv from a pipe/.test(info.query) ? 'DuckDB-native (pipe)' : 'JS' };
    } finally {
      await engine.close();
    }
  },
  async inspect(ctx, out: { table: string; status: string; path: string }): Promise<Inspection> {
    const engine = new Engine({ workspaceDir: ctx.runDir });
    try {
      const columns = (await engine.query(`DESCRIBE ${out.table}`)).rows.map((r) => ({ name: String(r[0]), type: String(r[1]) }));
      const rows = Number((await engine.query(`SELECT count(*) FROM ${out.table}`)).rows[0]![0]);
      return { rows, columns, note: `subject status ${out.status}, ${out.path} landing path` };
    } finally {
      await engine.close();
    }
  },
});

const reference = side({
  label: 'COPY (…) TO STDOUT to nowhere (pg-copy-streams)',
  async run(ctx) {
    const client = new pg.Client({ connectionString: urlOf(ctx) });
    await client.connect();
    let rows = 0;
    try {
      await pipeline(client.query(copyTo(`COPY (SELECT ${COLUMNS} FROM ${TABLE}) TO STDOUT`)), new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) rows++;
          done();
        },
      }));
    } finally {
      await client.end();
    }
    return { rows };
  },
  async inspect(_ctx, out: { rows: number }): Promise<Inspection> {
    return { rows: out.rows, columns: [], note: 'the reference lands nothing: only the row counts are compared' };
  },
});

const notes = [
  'One private PostgreSQL 15 (test/services/postgres.ts) serves both sides; the table (bigint key, integer, numeric(12,2), float8, text, varchar, boolean, date, timestamptz, uuid) is built and VACUUM ANALYZEd in setup (untimed).',
  'Subject (timed): opening the workspace, the catalog reads and EXPLAIN, loading DuckDB\'s postgres extension, the read, landing every row with its provenance, closing. Client libraries (pg; @duckdb/node-api for the subject) are loaded before the clock on both sides.',
  'With DuckDB\'s postgres extension installed (scripts/install-duckdb-extensions.sh), a whole-table read goes through it: binary COPY over ctid ranges on at most 2 connections sharing one snapshot, landed unordered under a 64MB DuckDB limit. Without it: COPY (FORMAT csv) → named pipe → DuckDB read_csv under 128MB. The inspect note names the path taken.',
  'Reference (timed): the same columns through COPY (…) TO STDOUT in text format, counted and dropped (pg-copy-streams): the rate the server hands rows over.',
];

export const postgresLanding: BenchCase = {
  name: 'postgres-landing',
  title: 'Engine.sample of a 10-column mixed PostgreSQL table (strategy full) vs raw COPY TO STDOUT to nowhere',
  notes,
  setup,
  teardown,
  subject,
  reference,
};

export const postgresMemory: BenchCase = {
  name: 'postgres-memory',
  title: 'Peak RSS of the process landing a full sample of 10× the rows (10M by default) vs raw COPY TO STDOUT',
  notes: [...notes, 'Read the peak RSS column: the subject\'s is the engine process doing the landing.'],
  rowsScale: 10,
  setup,
  teardown,
  subject,
  reference,
};
