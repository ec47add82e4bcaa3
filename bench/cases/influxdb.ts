// influxdb: the InfluxDB driver landing every point of a measurement through the Engine, versus the
// least a client does: one chunked /query streamed to nowhere. One private influxd serves both.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startInfluxDB, type InfluxService } from '../../test/services/influxdb.js';
import { engineSide } from './stores.js';
import { side, type BenchCase, type CaseContext, type Inspection } from '../harness.js';

const SERIES = 10;
const START = 1_700_000_000;
let server: InfluxService | undefined;

const serverFile = (ctx: CaseContext) => join(ctx.caseDir, 'server.json');
const urlOf = (ctx: CaseContext): string => (JSON.parse(readFileSync(serverFile(ctx), 'utf8')) as { url: string }).url;

async function setup(ctx: CaseContext): Promise<void> {
  server ??= await startInfluxDB();
  await server.query('DROP DATABASE bench');
  await server.query('CREATE DATABASE bench');
  const perSeries = Math.ceil(ctx.rows / SERIES);
  let lines: string[] = [];
  for (let p = 0; p < perSeries; p++) {
    for (let s = 0; s < SERIES && p * SERIES + s < ctx.rows; s++) lines.push(`m,host=h${s},dc=d${s % 3} load=${(p % 97) / 3},count=${p}i,state="ok" ${START + p}`);
    if (lines.length >= 100_000) {
      await server.write('bench', lines.join('\n'));
      lines = [];
    }
  }
  if (lines.length) await server.write('bench', lines.join('\n'));
  mkdirSync(ctx.caseDir, { recursive: true });
  writeFileSync(serverFile(ctx), JSON.stringify({ url: server.url }));
}

async function teardown(): Promise<void> {
  await server?.stop();
  server = undefined;
}

export const influxdb: BenchCase = {
  name: 'influxdb',
  title: 'headwater sample (bundled CLI) of every point of an InfluxDB measurement (10 series) vs one chunked /query streamed to nowhere',
  notes: [
    'One private influxd 1.x (test/services/influxdb.ts) serves both sides; the points are written in setup (untimed).',
    'Subject (timed, the bundled CLI in its own process: start-up, module loading and the workspace included; CPU and peak RSS are that process\'s): headwater sample --from first --to last: chunked SELECTs (LIMIT per series, SLIMIT/SOFFSET, later pages per series by time) streamed into a spool of JSON parts, each landed by DuckDB on one thread (read_json, values cast to the declared types) while the next is read.',
    'Reference (timed): GET /query?chunked=true&chunk_size=10000 of SELECT * FROM m, each chunk JSON.parsed and its points counted, nothing kept.',
  ],
  setup,
  teardown,
  cli: true,
  subject: engineSide((ctx) => `  - name: bench\n    kind: influxdb\n    url: ${urlOf(ctx)}\n`, 'bench/autogen/m', (ctx) => ({ limit: ctx.rows, from: 'first', to: 'last' })),
  reference: side({
    label: 'chunked /query to nowhere',
    prepare: async () => undefined,
    async run(ctx): Promise<Inspection> {
      const response = await fetch(`${urlOf(ctx)}/query?db=bench&chunked=true&chunk_size=10000&q=${encodeURIComponent('SELECT * FROM m')}`);
      let rows = 0;
      let buffered = '';
      const decoder = new TextDecoder();
      for await (const chunk of response.body!) {
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          const body = JSON.parse(line) as { results: { series?: { values: unknown[] }[] }[] };
          for (const s of body.results[0]?.series ?? []) rows += s.values.length;
        }
      }
      return { rows, columns: [] };
    },
    inspect: async (_ctx, out: Inspection) => out,
  }),
};
