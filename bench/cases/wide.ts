// cassandra and opensearch: a full read through the Engine (landed in DuckDB) versus the store's own
// client reading the same rows to nowhere. One private JVM server per case, started once in setup.
import { adminClient, fillTable } from '../../test/services/cassandra-fixtures.js';
import { CASSANDRA_DATACENTER, CASSANDRA_SUPERUSER, startCassandra, type CassandraService } from '../../test/services/cassandra.js';
import { startOpenSearch, type OpenSearchService } from '../../test/services/opensearch.js';
import { side, type BenchCase, type CaseContext, type Inspection } from '../harness.js';
import { engineSide, loadServer, saveServer } from './stores.js';

let cassandraServer: CassandraService | undefined;
let openSearchServer: OpenSearchService | undefined;
const PARTITIONS = 1000;

async function cassandraSetup(ctx: CaseContext): Promise<void> {
  cassandraServer ??= await startCassandra();
  // The superuser role is created a moment after the port opens: try again for up to a minute.
  let admin: Awaited<ReturnType<typeof adminClient>> | undefined;
  for (let attempt = 0; !admin; attempt++) {
    admin = await adminClient(cassandraServer.contactPoint).catch((error: unknown) => {
      if (attempt >= 60) throw error;
      return new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1000));
    });
  }
  try {
    await admin.execute(`CREATE KEYSPACE IF NOT EXISTS bench WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await admin.execute('DROP TABLE IF EXISTS bench.events');
    await admin.execute('CREATE TABLE bench.events (device int, seq int, kind text, value double, at timestamp, PRIMARY KEY (device, seq))');
    await fillTable(admin, 'INSERT INTO bench.events (device, seq, kind, value, at) VALUES (?, ?, ?, ?, ?)', ctx.rows,
      (i) => [i % PARTITIONS, i, i % 3 ? 'click' : 'view', i / 7, new Date(1_700_000_000_000 + i * 1000)]);
  } finally {
    await admin.shutdown();
  }
  saveServer(ctx, { contactPoint: cassandraServer.contactPoint });
}

export const cassandra: BenchCase = {
  name: 'cassandra',
  title: 'headwater sample (bundled CLI) --strategy full of a Cassandra table vs cassandra-driver paging the same rows to nowhere',
  notes: [
    'One private Cassandra 5.0 node (test/services/cassandra.ts, 384 MB heap) serves both sides; rows (1,000 partitions) are inserted in setup (untimed).',
    'Subject (timed, the bundled CLI in its own process: start-up, module loading and the workspace included; CPU and peak RSS are that process\'s): headwater sample full --yes: one SELECT in token order at LOCAL_ONE, pages of 1,000 then up to 5,000 (about 4 MB; the next asked for while one lands), token() and TTL() per row, every type exact, landed in DuckDB with token, partition and key provenance; the workspace opened and closed.',
    'Reference (timed): cassandra-driver eachRow over SELECT * with autoPage (pages of 5,000, the driver\'s default and the subject\'s most), each row counted, nothing kept.',
    'Default rows are a tenth of --rows (rowsScale 0.1, 100,000): inserting them takes 50-105 s on the shared 2-core machine (1,000-2,000 rows/s into a 384 MB-heap node), so 1M would add 8-17 min of setup per run.',
  ],
  rowsScale: 0.1,
  setup: cassandraSetup,
  teardown: async () => {
    await cassandraServer?.stop();
    cassandraServer = undefined;
  },
  cli: true,
  subject: engineSide((ctx) => `  - name: bench\n    kind: cassandra\n    url: cassandra://${CASSANDRA_SUPERUSER.username}:${CASSANDRA_SUPERUSER.password}@${loadServer<{ contactPoint: string }>(ctx).contactPoint}/bench\n`,
    'bench.events', (ctx) => ({ strategy: 'full', limit: ctx.rows, confirmFull: true })),
  reference: side({
    label: 'cassandra-driver eachRow to nowhere',
    prepare: async () => undefined,
    async run(ctx): Promise<Inspection> {
      const driver = (await import('cassandra-driver')).default;
      const client = new driver.Client({ contactPoints: [loadServer<{ contactPoint: string }>(ctx).contactPoint], localDataCenter: CASSANDRA_DATACENTER, credentials: CASSANDRA_SUPERUSER });
      let rows = 0;
      try {
        await client.connect();
        await new Promise<void>((resolve, reject) => {
          client.eachRow('SELECT * FROM bench.events', [], { prepare: true, autoPage: true, fetchSize: 5000 }, () => { rows++; }, (error) => (error ? reject(error) : resolve()));
        });
      } finally {
        await client.shutdown();
      }
      return { rows, columns: [] };
    },
    inspect: async (_ctx, out: Inspection) => out,
  }),
};

async function openSearchSetup(ctx: CaseContext): Promise<void> {
  openSearchServer ??= await startOpenSearch();
  await openSearchServer.call('DELETE', '/events').catch(() => undefined);
  await openSearchServer.call('PUT', '/events', { settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '-1' }, mappings: { properties: { n: { type: 'long' }, kind: { type: 'keyword' }, at: { type: 'date' } } } });
  for (let i = 0; i < ctx.rows; i += 50_000) {
    await openSearchServer.bulk('events', Array.from({ length: Math.min(50_000, ctx.rows - i) }, (_v, k) => ({ n: i + k, kind: (i + k) % 3 ? 'click' : 'view', at: new Date(1_700_000_000_000 + (i + k) * 1000).toISOString() })));
  }
  saveServer(ctx, { url: openSearchServer.url });
}

export const opensearch: BenchCase = {
  name: 'opensearch',
  title: 'headwater sample (bundled CLI) of every document of an OpenSearch index (point in time + search_after) vs a client scrolling the same index to nowhere',
  notes: [
    'One private OpenSearch 2.19 node (test/services/opensearch.ts, 512 MB heap) serves both sides; small documents are bulk-indexed in setup (untimed).',
    'Subject (timed, the bundled CLI in its own process: start-up, module loading and the workspace included; CPU and peak RSS are that process\'s): headwater sample head with --limit = every document: one point in time, _doc order, search_after, pages of up to 5,000 (about 4 MiB; the first 100) handed over in batches of 1,000, compared with the mapping, landed in DuckDB.',
    'Reference (timed): fetch() of _search?scroll=1m (size 1,000, sort _doc) then _search/scroll until empty, each page JSON.parsed and its hits counted, the scroll cleared.',
  ],
  setup: openSearchSetup,
  teardown: async () => {
    await openSearchServer?.stop();
    openSearchServer = undefined;
  },
  cli: true,
  subject: engineSide((ctx) => `  - name: bench\n    kind: opensearch\n    url: ${loadServer<{ url: string }>(ctx).url}\n`, 'events', (ctx) => ({ strategy: 'head', limit: ctx.rows })),
  reference: side({
    label: 'scroll to nowhere',
    prepare: async () => undefined,
    async run(ctx): Promise<Inspection> {
      const base = loadServer<{ url: string }>(ctx).url;
      const post = async (path: string, body: unknown) => (await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<{ _scroll_id?: string; hits: { hits: unknown[] } }>;
      let rows = 0;
      let page = await post('/events/_search?scroll=1m', { size: 1000, sort: ['_doc'] });
      while (page.hits.hits.length) {
        rows += page.hits.hits.length;
        page = await post('/_search/scroll', { scroll: '1m', scroll_id: page._scroll_id });
      }
      await fetch(`${base}/_search/scroll`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scroll_id: [page._scroll_id] }) });
      return { rows, columns: [] };
    },
    inspect: async (_ctx, out: Inspection) => out,
  }),
};
