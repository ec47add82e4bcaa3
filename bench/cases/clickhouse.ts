// clickhouse: a full sample of a 10-column mixed-type ClickHouse table landed in the workspace
// (Engine.sample) versus `clickhouse-client --query "SELECT … FORMAT Native"` to nowhere, the fastest
// the server hands the rows over (its native protocol and format). One private server (Debian's
// 18.16, test/services/clickhouse.ts) serves both sides in the same run.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { READER, startClickHouse, type ClickHouseService } from '../../test/services/clickhouse.js';
import { engineSide } from './stores.js';
import { side, type BenchCase, type CaseContext, type Inspection } from '../harness.js';

const run = promisify(execFile);
const PASSWORD = 'bench-reader-pw';
const COLUMNS = 'id, qty, price, ratio, name, code, active, day, at, ref';
let server: ClickHouseService | undefined;

const serverFile = (ctx: CaseContext) => join(ctx.caseDir, 'server.json');
const serverOf = (ctx: CaseContext): { port: number; tcpPort: number } => JSON.parse(readFileSync(serverFile(ctx), 'utf8')) as { port: number; tcpPort: number };

async function setup(ctx: CaseContext): Promise<void> {
  server ??= await startClickHouse({ readerPassword: PASSWORD });
  await server.query('DROP DATABASE IF EXISTS bench');
  await server.query('CREATE DATABASE bench');
  await server.query(`CREATE TABLE bench.t (id UInt64, qty UInt32, price Decimal(12,2), ratio Float64, name String, code FixedString(7), active UInt8, day Date, at DateTime, ref UUID)
    ENGINE = MergeTree ORDER BY id`);
  await server.query(`INSERT INTO bench.t SELECT number, number % 1000, toDecimal64((number % 100000) / 100, 2), number / 7, concat('customer ', toString(number % 50000)),
    toFixedString(concat('C', toString(100000 + number % 9999)), 7), number % 3 = 0, toDate('2020-01-01') + number % 2000, toDateTime('2024-01-01 00:00:00') + number, generateUUIDv4()
    FROM system.numbers LIMIT ${ctx.rows}`);
  mkdirSync(ctx.caseDir, { recursive: true });
  writeFileSync(serverFile(ctx), JSON.stringify({ port: server.port, tcpPort: server.tcpPort }));
}

async function teardown(): Promise<void> {
  await server?.stop();
  server = undefined;
}

export const clickhouse: BenchCase = {
  name: 'clickhouse',
  title: 'headwater sample (bundled CLI) of a 10-column mixed ClickHouse table (strategy full) vs clickhouse-client … FORMAT Native to nowhere',
  notes: [
    'One private ClickHouse (Debian 18.16, test/services/clickhouse.ts) serves both sides; the table (UInt64, UInt32, Decimal(12,2), Float64, String, FixedString(7), UInt8, Date, DateTime, UUID) is written in setup (untimed).',
    'Subject (timed, the bundled CLI in its own process: start-up and module loading included; CPU and peak RSS are that process\'s): opening the workspace, the catalog reads (system.tables, system.parts, system.columns), the read over HTTP with readonly=1 and the limits (a full read of scalar columns: the CSV answer cut into part files as it downloads, each landed by DuckDB read_csv with the declared types while the next downloads, provenance built by DuckDB from the partition and sorting key), closing.',
    'Reference (timed): clickhouse-client --query "SELECT … FORMAT Native" over the native protocol, output to /dev/null (process start included).',
  ],
  setup,
  teardown,
  cli: true,
  subject: engineSide((ctx) => `  - name: bench\n    kind: clickhouse\n    url: clickhouse://127.0.0.1:${serverOf(ctx).port}/bench\n    user: ${READER}\n    password: ${PASSWORD}\n    options:\n      maxExecutionTime: 600\n`, 'bench.t', (ctx) => ({ strategy: 'full', confirmFull: true, limit: ctx.rows })),
  reference: side({
    label: 'clickhouse-client FORMAT Native to nowhere',
    prepare: async () => undefined,
    async run(ctx): Promise<void> {
      await run('sh', ['-c', `clickhouse-client --host 127.0.0.1 --port ${serverOf(ctx).tcpPort} --query "SELECT ${COLUMNS} FROM bench.t FORMAT Native" > /dev/null`], { maxBuffer: 1024 });
    },
    async inspect(ctx): Promise<Inspection> {
      // Untimed: the rows the reference streamed are the table's.
      const { stdout } = await run('clickhouse-client', ['--host', '127.0.0.1', '--port', String(serverOf(ctx).tcpPort), '--query', 'SELECT count() FROM bench.t']);
      return { rows: Number(stdout.trim()), columns: [], note: 'the reference lands nothing: only the row counts are compared' };
    },
  }),
};
