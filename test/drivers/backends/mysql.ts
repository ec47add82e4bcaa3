// MySQL through a private MariaDB (test/services/mariadb.ts) with a password-protected reader; the
// general query log holds every statement, so the suite checks Headwater sent only reads.
import { ALL, secretFor, type Backend } from '../backend.js';
import { disallowedQueries, mariadbSkipReason, readGeneralLog, startMariaDB } from '../../services/mariadb.js';
import { freePort } from '../../services/process.js';

const ROWS = 5000;
const LONG_ROWS = 500_000;

const backend: Backend = {
  kind: 'mysql',
  skipReason: mariadbSkipReason,
  async start() {
    const server = await startMariaDB();
    const password = secretFor('mysql');
    try {
      await server.sql('CREATE DATABASE conformance');
      // seq_1_to_N is MariaDB's Sequence engine: rows without a loop.
      await server.sql(`CREATE TABLE conformance.events (id INT UNSIGNED PRIMARY KEY, label CHAR(32), amount DECIMAL(12,2), at DATETIME);
        INSERT INTO conformance.events SELECT seq, MD5(seq), seq / 4, '2026-01-01' + INTERVAL seq SECOND FROM seq_1_to_${ROWS};
        CREATE TABLE conformance.history (id INT UNSIGNED PRIMARY KEY, label CHAR(32), value DOUBLE);
        INSERT INTO conformance.history SELECT seq, MD5(seq), seq / 2 FROM seq_1_to_${LONG_ROWS};
        ANALYZE TABLE conformance.events, conformance.history;
        CREATE USER 'hw_reader'@'127.0.0.1' IDENTIFIED BY '${password}';
        GRANT SELECT, SHOW VIEW ON conformance.* TO 'hw_reader'@'127.0.0.1';`, { database: 'conformance' });
    } catch (error) {
      await server.stop();
      throw error;
    }
    const entry = (port: number) => `kind: mysql\nhost: 127.0.0.1\nport: ${port}\ndatabase: conformance\nuser: hw_reader\npassword: \${secret:MY_PASSWORD}`;
    const closed = await freePort();
    return {
      source: entry(server.port),
      unreachable: { source: entry(closed), where: `127.0.0.1:${closed}` },
      secrets: { MY_PASSWORD: password },
      async statementLog() {
        const { seen, disallowed } = disallowedQueries(readGeneralLog(server.generalLog), 'hw_reader');
        return { seen, notReads: disallowed };
      },
      stop: () => server.stop(),
    };
  },
  fixture: { entity: 'conformance.events', rows: ROWS, browsePath: ['conformance'] },
  long: { entity: 'conformance.history' },
  unknownEntity: 'conformance.no_such_table',
  unreachableCause: /connection refused/i,
  supports: { ...ALL, statementLog: true },
};

export default backend;
