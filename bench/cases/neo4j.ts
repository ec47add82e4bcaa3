// neo4j: the Neo4j driver landing every node of a label through the Engine, versus the least a
// client does: the same Cypher query streamed by neo4j-driver to nowhere. One private Neo4j serves both.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { returnList } from '../../src/engine/drivers/neo4j/rows.js';
import { startNeo4j, type Neo4jService } from '../../test/services/neo4j.js';
import { engineSide } from './stores.js';
import { side, type BenchCase, type CaseContext, type Inspection } from '../harness.js';

let server: Neo4jService | undefined;

const serverFile = (ctx: CaseContext) => join(ctx.caseDir, 'server.json');
const urlOf = (ctx: CaseContext): string => (JSON.parse(readFileSync(serverFile(ctx), 'utf8')) as { url: string }).url;
const QUERY = `MATCH (n:\`Item\`) RETURN ${returnList({ kind: 'nodes', name: 'Item' })}`;

async function setup(ctx: CaseContext): Promise<void> {
  server ??= await startNeo4j();
  // A second setup on the same server starts from no Item.
  while (Number((await server.run('MATCH (n:Item) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS c'))[0]?.c ?? 0) > 0);
  for (let from = 1; from <= ctx.rows; from += 20_000) {
    await server.run(`UNWIND range(${from}, ${Math.min(ctx.rows, from + 19_999)}) AS i
      CREATE (:Item {id: i, name: 'item ' + i, price: i * 0.25, active: i % 3 = 0, tags: ['t' + (i % 7), 'u'], at: datetime({epochSeconds: 1700000000 + i})})`);
  }
  // A few relationships, so degrees are not all zero.
  await server.run('MATCH (a:Item) WHERE a.id % 100 = 0 MATCH (b:Item {id: a.id - 1}) CREATE (a)-[:NEXT]->(b)');
  mkdirSync(ctx.caseDir, { recursive: true });
  writeFileSync(serverFile(ctx), JSON.stringify({ url: server.url }));
}

async function teardown(): Promise<void> {
  await server?.stop();
  server = undefined;
}

export const neo4j: BenchCase = {
  name: 'neo4j',
  title: 'headwater sample (bundled CLI) of every node of a label (100,000 at the default rows) vs neo4j-driver streaming the same query to nowhere',
  notes: [
    'One private Neo4j 5.26 (test/services/neo4j.ts, embedded with Bolt, 512 MB heap) serves both sides; the nodes are written in setup (untimed).',
    'Runs on a tenth of --rows (100,000 nodes by default): the test server is small.',
    'Subject (timed, the bundled CLI in its own process: start-up, module loading and the workspace included; CPU and peak RSS are that process\'s): headwater sample --strategy full --yes of nodes:Item: a READ transaction streaming element id, labels, properties and degrees, landed in DuckDB.',
    'Reference (timed): the same Cypher text in a READ transaction through neo4j-driver (same fetch size), each record\'s values read, nothing kept.',
  ],
  rowsScale: 0.1,
  setup,
  teardown,
  cli: true,
  subject: engineSide((ctx) => `  - name: bench\n    kind: neo4j\n    url: ${urlOf(ctx)}\n`, 'nodes:Item', (ctx) => ({ strategy: 'full', limit: ctx.rows, confirmFull: true })),
  reference: side({
    label: 'neo4j-driver to nowhere',
    prepare: () => import('neo4j-driver'),
    async run(ctx): Promise<Inspection> {
      const neo4jDriver = (await import('neo4j-driver')).default;
      const driver = neo4jDriver.driver(urlOf(ctx), undefined, { useBigInt: true, logging: { level: 'error', logger: () => undefined } });
      const session = driver.session({ defaultAccessMode: neo4jDriver.session.READ, fetchSize: 1000 });
      let rows = 0;
      try {
        const tx = session.beginTransaction();
        for await (const record of tx.run(QUERY)) {
          for (const value of record.values()) if (value === undefined) throw new Error('a missing value');
          rows++;
        }
        await tx.rollback();
      } finally {
        await session.close();
        await driver.close();
      }
      return { rows, columns: [] };
    },
    inspect: async (_ctx, out: Inspection) => out,
  }),
};
