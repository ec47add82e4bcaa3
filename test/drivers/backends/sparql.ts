// SPARQL: a private Fuseki (test/services/fuseki.ts) whose log names every request and its query
// text, so the suite checks that Headwater sent only SELECT (or CONSTRUCT) queries, all to the query
// endpoint, and no update after the fixtures were loaded.
import { ALL, secretFor, type Backend } from '../backend.js';
import { freePort } from '../../services/process.js';
import { fusekiSkipReason, startFuseki, type FusekiRequest, type FusekiService } from '../../services/fuseki.js';

const ROWS = 2000;
const LONG_ROWS = 20_000;
export const EX = 'http://example.org/';

/** Requests that are not read queries: anything but a GET of the query endpoint whose text is a SELECT or CONSTRUCT. */
export function notReads(requests: FusekiRequest[]): string[] {
  return requests.filter((r) => !(r.method === 'GET' && r.path === '/ds/query' && /^\s*(SELECT|CONSTRUCT)\b/i.test(r.text ?? ''))).map((r) => `${r.method} ${r.path} ${r.text ?? ''}`);
}

/** Loads `rows` instances of a class, 5,000 per request. */
export async function fillClass(server: FusekiService, className: string, rows: number, triples: (i: number) => string): Promise<void> {
  for (let from = 1; from <= rows; from += 5000) {
    const lines: string[] = [];
    for (let i = from; i <= Math.min(rows, from + 4999); i++) lines.push(`<${EX}${className.toLowerCase()}/${String(i).padStart(6, '0')}> a <${EX}${className}> ; ${triples(i)} .`);
    await server.load(lines.join('\n'));
  }
}

const backend: Backend = {
  kind: 'sparql',
  skipReason: fusekiSkipReason,
  async start() {
    const server = await startFuseki();
    let fixtureRequests = 0;
    try {
      await fillClass(server, 'Event', ROWS, (i) => `<${EX}label> "event ${i}" ; <${EX}amount> ${i}.25 ; <${EX}at> "2024-01-01T00:00:${String(i % 60).padStart(2, '0')}Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>`);
      await fillClass(server, 'History', LONG_ROWS, (i) => `<${EX}label> "history ${i}" ; <${EX}value> ${i}`);
      fixtureRequests = server.requests().length;
    } catch (error) {
      await server.stop();
      throw error;
    }
    const password = secretFor('sparql');
    // Fuseki here has no auth: it ignores the credentials, which still travel as a secret would.
    const entry = (url: string, extra = '') => `kind: sparql\nurl: ${url}\nuser: reader\npassword: \${secret:SPARQL_PASSWORD}${extra}`;
    const closed = await freePort();
    return {
      source: entry(server.queryUrl),
      unreachable: { source: entry(`http://127.0.0.1:${closed}/ds/query`, '\noptions:\n  maxRetries: 0'), where: `127.0.0.1:${closed}` },
      // Small pages make the long read take many queries, so budgets and cancels find it running.
      longSource: entry(server.queryUrl, '\noptions:\n  pageSize: 10'),
      secrets: { SPARQL_PASSWORD: password },
      async statementLog() {
        const mine = server.requests().slice(fixtureRequests).filter((r) => r.path !== '/$/ping');
        return { seen: mine.length, notReads: notReads(mine) };
      },
      stop: () => server.stop(),
    };
  },
  fixture: { entity: `${EX}Event`, rows: ROWS, browsePath: ['classes'] },
  long: { entity: `${EX}History` },
  unknownEntity: `${EX}NoSuchClass`,
  unreachableCause: /connection refused|ECONNREFUSED/i,
  supports: { ...ALL, statementLog: true },
};

export default backend;
