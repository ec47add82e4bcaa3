// Neo4j: a private server (test/services/neo4j.ts) whose test main logs every query it ran and every
// transaction that committed changes, so the suite checks that Headwater sent only reads: no
// transaction of Headwater's committed a change, and every query it ran is a read.
import { ALL, secretFor, type Backend } from '../backend.js';
import { freePort } from '../../services/process.js';
import { neo4jSkipReason, startNeo4j, type LoggedQuery, type Neo4jService } from '../../services/neo4j.js';

const ROWS = 5000;
const LONG_ROWS = 40_000;

/** Queries of Headwater's (its transactions carry app=headwater) that are not reads, by their text. */
export function notReads(queries: LoggedQuery[]): string[] {
  const read = /^\s*(EXPLAIN\s+)?(MATCH\b|CALL (dbms\.components|db\.labels|db\.relationshipTypes|db\.schema\.nodeTypeProperties|db\.schema\.relTypeProperties)\(\)|SHOW (INDEXES|CONSTRAINTS)\b)/i;
  const writes = /\b(CREATE|MERGE|SET|DELETE|REMOVE|FOREACH|LOAD\s+CSV)\b/i;
  return queries.filter((q) => q.meta.includes('app=headwater') && (!read.test(q.text) || writes.test(q.text.replace(/'[^']*'/g, "''")))).map((q) => q.text);
}

/** Fills a label with `rows` nodes, 10,000 per transaction. */
export async function fillLabel(server: Neo4jService, label: string, rows: number, properties: string): Promise<void> {
  for (let from = 1; from <= rows; from += 10_000) {
    await server.run(`UNWIND range($from, $to) AS i CREATE (:${label} ${properties})`, { from, to: Math.min(rows, from + 9999) });
  }
}

const backend: Backend = {
  kind: 'neo4j',
  skipReason: neo4jSkipReason,
  async start() {
    const server = await startNeo4j();
    try {
      await fillLabel(server, 'Event', ROWS, "{id: i, label: 'event ' + i, amount: i * 1.25, at: datetime({epochSeconds: 1700000000 + i})}");
      await fillLabel(server, 'History', LONG_ROWS, "{id: i, label: 'history ' + i, value: i / 2.0}");
    } catch (error) {
      await server.stop();
      throw error;
    }
    const password = secretFor('neo4j');
    // Auth is off on the test server: it accepts any credentials, so the password still travels as a secret would.
    const entry = (port: number, extra = '') => `kind: neo4j\nurl: bolt://127.0.0.1:${port}\nuser: reader\npassword: \${secret:NEO4J_PASSWORD}${extra}`;
    const closed = await freePort();
    return {
      source: entry(server.port),
      unreachable: { source: entry(closed, '\noptions:\n  connectTimeoutMs: 3000'), where: `127.0.0.1:${closed}` },
      // Small pulls make the long read take many round trips, so budgets and cancels find it running.
      longSource: entry(server.port, '\noptions:\n  fetchSize: 10'),
      secrets: { NEO4J_PASSWORD: password },
      async statementLog() {
        const mine = server.queryLog().filter((q) => q.meta.includes('app=headwater'));
        const writes = server.writeLog().filter((line) => line.includes('app=headwater'));
        return { seen: mine.length, notReads: [...notReads(mine), ...writes] };
      },
      stop: () => server.stop(),
    };
  },
  fixture: { entity: 'nodes:Event', rows: ROWS, browsePath: ['nodes'] },
  long: { entity: 'nodes:History' },
  unknownEntity: 'nodes:NoSuchLabel',
  unreachableCause: /connection refused|ECONNREFUSED/i,
  supports: { ...ALL, statementLog: true },
};

export default backend;
