// ClickHouse: a private server (test/services/clickhouse.ts) whose reader user logs every query;
// system.query_log shows each query Headwater sent was a SELECT carrying readonly=1.
import { ALL, secretFor, type Backend } from '../backend.js';
import { freePort } from '../../services/process.js';
import { clickhouseSkipReason, startClickHouse, READER, type LoggedQuery } from '../../services/clickhouse.js';

const ROWS = 5000;
const LONG_ROWS = 3_000_000;

/** Logged queries that are not reads, or that did not carry readonly=1. */
export function notReads(queries: LoggedQuery[]): string[] {
  return queries.filter((q) => !/^\s*SELECT\b/i.test(q.query) || q.settings.readonly !== '1').map((q) => `${q.query.slice(0, 120)} (readonly=${q.settings.readonly ?? 'unset'})`);
}

const backend: Backend = {
  kind: 'clickhouse',
  skipReason: clickhouseSkipReason,
  async start() {
    const password = secretFor('clickhouse');
    const server = await startClickHouse({ readerPassword: password });
    try {
      await server.query('CREATE DATABASE conformance');
      await server.query('CREATE TABLE conformance.events (day Date, id UInt64, label String, amount Decimal(12,2)) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY (id, intHash32(id)) SAMPLE BY intHash32(id)');
      await server.query(`INSERT INTO conformance.events SELECT toDate('2024-01-01') + number % 90, number, concat('event ', toString(number)), toDecimal64(number / 4, 2) FROM system.numbers LIMIT ${ROWS}`);
      // No sorting key: a read streams from the first part at once, so budgets and cancels find it running.
      await server.query('CREATE TABLE conformance.history (id UInt64, label String, value Float64) ENGINE = MergeTree ORDER BY tuple()');
      await server.query(`INSERT INTO conformance.history SELECT number, concat('history ', toString(number)), number / 2 FROM system.numbers LIMIT ${LONG_ROWS}`);
    } catch (error) {
      await server.stop();
      throw error;
    }
    const entry = (port: number) => `kind: clickhouse\nurl: clickhouse://127.0.0.1:${port}/conformance\nuser: ${READER}\npassword: \${secret:CLICKHOUSE_PASSWORD}`;
    const closed = await freePort();
    return {
      source: entry(server.port),
      unreachable: { source: entry(closed), where: `127.0.0.1:${closed}` },
      secrets: { CLICKHOUSE_PASSWORD: password },
      async statementLog() {
        const mine = await server.readerQueries();
        return { seen: mine.length, notReads: notReads(mine) };
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
