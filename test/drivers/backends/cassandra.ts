// Cassandra: a private node (test/services/cassandra.ts) with PasswordAuthenticator and a role that
// may only SELECT; its audit log records every statement a client sent, so the suite checks that
// Headwater sent only reads.
import { ALL, secretFor, type Backend } from '../backend.js';
import { freePort } from '../../services/process.js';
import { cassandraSkipReason, readAuditLog, startCassandra, type AuditEntry } from '../../services/cassandra.js';
import { adminClient, fillTable, setUpReader } from '../../services/cassandra-fixtures.js';

const ROWS = 5000;
const LONG_ROWS = 40_000;
export const READER = 'hw_reader';

/** Audit entries that are not reads: anything but a login, or a SELECT run, prepared or refused. */
export function notReads(entries: AuditEntry[]): AuditEntry[] {
  return entries.filter((e) => !(e.category === 'AUTH' && /^LOGIN/.test(e.type))
    && !(['SELECT', 'PREPARE_STATEMENT', 'REQUEST_FAILURE'].includes(e.type) && /^\s*SELECT\b/i.test(e.operation)));
}

const backend: Backend = {
  kind: 'cassandra',
  skipReason: cassandraSkipReason,
  async start() {
    const server = await startCassandra();
    const password = secretFor('cassandra');
    const admin = await adminClient(server.contactPoint).catch(async (error: unknown) => {
      await server.stop();
      throw error;
    });
    try {
      await setUpReader(admin, READER, password, 'conformance');
      await admin.execute('CREATE TABLE conformance.events (id int PRIMARY KEY, label text, amount decimal, at timestamp)');
      await admin.execute('CREATE TABLE conformance.history (id int PRIMARY KEY, label text, value double)');
      await fillTable(admin, 'INSERT INTO conformance.events (id, label, amount, at) VALUES (?, ?, ?, ?)', ROWS, (i) => [i, `event ${i}`, `${i}.25`, new Date(1_700_000_000_000 + i * 1000)]);
      await fillTable(admin, 'INSERT INTO conformance.history (id, label, value) VALUES (?, ?, ?)', LONG_ROWS, (i) => [i, `history ${i}`, i / 2]);
    } catch (error) {
      await admin.shutdown();
      await server.stop();
      throw error;
    }
    await admin.shutdown();
    const entry = (port: number, extra = '') => `kind: cassandra\ncontactPoints: ["127.0.0.1:${port}"]\nuser: ${READER}\npassword: \${secret:CASSANDRA_PASSWORD}${extra}`;
    const closed = await freePort();
    return {
      source: entry(server.port),
      unreachable: { source: entry(closed), where: `127.0.0.1:${closed}` },
      // Small pages make the long read take many round trips, so budgets and cancels find it running.
      longSource: entry(server.port, '\noptions:\n  pageSize: 10'),
      secrets: { CASSANDRA_PASSWORD: password },
      async statementLog() {
        const mine = readAuditLog(server.auditLogFile).filter((e) => e.user === READER);
        return { seen: mine.length, notReads: notReads(mine).map((e) => `${e.type} ${e.operation}`) };
      },
      stop: () => server.stop(),
    };
  },
  fixture: { entity: 'conformance.events', rows: ROWS, browsePath: ['conformance'] },
  long: { entity: 'conformance.history' },
  unknownEntity: 'conformance.no_such_table',
  unreachableCause: /connection refused|ECONNREFUSED/i,
  supports: { ...ALL, statementLog: true },
};

export default backend;
