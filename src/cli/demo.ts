// `headwater demo`: builds the embedded demo workspace and walks the main story on the command line.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Engine } from '../engine/engine.js';
import { command, EXIT, type CliIO } from './command.js';
import { resultTable, sampleSummary, table } from './format.js';
import { usage } from './options.js';

export const demoCommand = command({
  name: 'demo', usage: '[dir] | init <dir>', args: { min: 0, max: 2 },
  summary: 'build the demo workspace in dir (default ./headwater-demo) and walk through it; demo init <dir> only builds it',
  options: {},
  request: 'buildDemo',
  async run({ args, ctx }) {
    if (args[0] === 'init') {
      if (!args[1]) usage('demo init needs a folder: headwater demo init <dir>');
      const result = await ctx.call('buildDemo', { dir: resolve(args[1]) });
      ctx.print(result, () => `Demo workspace ready in ${result.dir} (sources: ${result.sources.join(', ')})`);
      return EXIT.ok;
    }
    if (args.length > 1) usage(`demo takes one folder (got '${args[1]}' too): headwater demo [dir], or headwater demo init <dir>`);
    return runDemo(resolve(args[0] ?? 'headwater-demo'), ctx);
  },
});

export async function runDemo(dir: string, { json, io, signal }: { json: boolean; io: CliIO; signal: AbortSignal }): Promise<number> {
  const engine = new Engine({ workspaceDir: dir, log: (level, message) => level !== 'debug' && level !== 'info' && io.err(`${level}: ${message}`) });
  const say = (text: string) => {
    if (!json) io.out(text);
  };
  try {
    if (!existsSync(join(dir, 'data', 'shop.sqlite'))) {
      say(`Building the demo workspace in ${dir} ...`);
      await engine.buildDemo(dir);
    }
    const sources = engine.sources();
    say(`\n1. Sources in ${join(dir, '.headwater', 'sources.yaml')}:\n${table(['name', 'kind', 'location'], sources.map((s) => [s.name, s.kind, s.location]))}`);

    const tables = await engine.browse('shop', [], signal);
    say(`\n2. Browse 'shop' (estimates from the catalog, never count(*)):\n${table(['table', 'kind', 'est. rows'], tables.map((t) => [t.label, t.kind, t.estimatedRows ?? null]))}`);

    const orders = await engine.sample('shop', 'orders', { limit: 1000 }, { signal });
    say(`\n3. Sample 1,000 orders into the workspace:\n${sampleSummary(orders)}`);

    const byStatus = await engine.query(`SELECT status, count(*) AS orders, round(sum(total_cents) / 100, 2) AS revenue FROM ${orders.table} GROUP BY ALL ORDER BY orders DESC`, 100, signal);
    say(`\n4. Prototype in SQL on the sample (DuckDB):\n${resultTable(byStatus)}`);

    const history = await engine.sample('shop', 'customer_address_history', { limit: 5000 }, { signal });
    const versions = await engine.query(`SELECT count(DISTINCT customer_id) AS customers, count(*) AS versions, max(n) AS most_versions FROM (SELECT customer_id, count(*) OVER (PARTITION BY customer_id) AS n FROM ${history.table})`, 10, signal);
    say(`\n5. An insert-only table keeps several versions per key:\n${resultTable(versions)}`);

    const events = await engine.sample('events', 'events.ndjson', { limit: 50_000 }, { signal });
    say(`\n6. Sample the NDJSON event log (nested objects, mixed types, malformed lines counted, never dropped silently):\n${sampleSummary(events)}`);

    say(`\nNext: headwater --workspace ${dir} query "select * from ${orders.table} limit 5"\n      or open the folder in VS Code with the Headwater extension (npm start).`);
    if (json) io.out(JSON.stringify({ dir, sources, samples: [orders, history, events] }, null, 2));
    return 0;
  } finally {
    await engine.close();
  }
}
