// PostgreSQL: a private server (test/services/postgres.ts) with a password-protected reader role;
// every statement is logged (log_statement=all), so the suite checks Headwater sent only reads.
import { ALL, secretFor, type Backend } from '../backend.js';
import { freePort } from '../../services/process.js';
import { disallowedStatements, postgresSkipReason, readStatementLog, sessionsNotReadOnly, startPostgres } from '../../services/postgres.js';

const ROWS = 5000;
const LONG_ROWS = 1_000_000;

const backend: Backend = {
  kind: 'postgres',
  skipReason: postgresSkipReason,
  async start() {
    const server = await startPostgres();
    const password = secretFor('postgres');
    try {
      await server.psql('CREATE DATABASE conformance');
      await server.psql(`CREATE ROLE hw_reader LOGIN PASSWORD '${password}';
        CREATE TABLE public.events AS SELECT i AS id, md5(i::text) AS label, i * 0.25 AS amount, now() AS at FROM generate_series(1, ${ROWS}) i;
        ALTER TABLE public.events ADD PRIMARY KEY (id);
        CREATE TABLE public.history AS SELECT i AS id, md5(i::text) AS label, i * 0.5 AS value FROM generate_series(1, ${LONG_ROWS}) i;
        ALTER TABLE public.history ADD PRIMARY KEY (id);
        GRANT SELECT ON ALL TABLES IN SCHEMA public TO hw_reader; ANALYZE;`, { database: 'conformance' });
    } catch (error) {
      await server.stop();
      throw error;
    }
    const entry = (port: number) => `kind: postgres\nhost: 127.0.0.1\nport: ${port}\ndatabase: conformance\nuser: hw_reader\npassword: \${secret:PG_PASSWORD}`;
    const closed = await freePort();
    return {
      source: entry(server.port),
      unreachable: { source: entry(closed), where: `127.0.0.1:${closed}` },
      secrets: { PG_PASSWORD: password },
      async statementLog() {
        const statements = readStatementLog(server.logFile).filter((s) => s.application === 'headwater');
        return { seen: statements.length, notReads: [...disallowedStatements(statements), ...sessionsNotReadOnly(statements).map((s) => `not read-only: ${s}`)] };
      },
      stop: () => server.stop(),
    };
  },
  fixture: { entity: 'public.events', rows: ROWS, browsePath: ['conformance', 'public'] },
  long: { entity: 'public.history' },
  unknownEntity: 'public.no_such_table',
  unreachableCause: /connection refused/i,
  supports: { ...ALL, statementLog: true },
};

export default backend;
