// OpenSearch: a private node (test/services/opensearch.ts), the integ-test zip without the security
// plugin, so it checks no credentials: the source still sends a password (basic auth, ignored by the
// server) so the suite sees it never leaks. The fixture index has two shards (a slice per shard); the
// long read is a bigger index read in small pages.
import { ALL, secretFor, type Backend } from '../backend.js';
import { freePort } from '../../services/process.js';
import { openSearchSkipReason, startOpenSearch, type OpenSearchService } from '../../services/opensearch.js';

const ROWS = 5000;
const LONG_ROWS = 40_000;

async function fill(server: OpenSearchService, index: string, rows: number): Promise<void> {
  await server.call('PUT', `/${index}`, { settings: { number_of_shards: 2, number_of_replicas: 0 }, mappings: { properties: { n: { type: 'long' }, host: { type: 'keyword' }, at: { type: 'date' }, note: { type: 'text' } } } });
  const docs = Array.from({ length: rows }, (_, n) => ({ _id: `${index}-${n}`, n, host: `h${n % 7}`, at: new Date(1_700_000_000_000 + n * 1000).toISOString(), note: `document ${n} of the ${index} fixture` }));
  await server.bulk(index, docs);
}

const backend: Backend = {
  kind: 'opensearch',
  skipReason: openSearchSkipReason,
  async start() {
    const server = await startOpenSearch();
    try {
      await fill(server, 'fixture', ROWS);
      await fill(server, 'history', LONG_ROWS);
    } catch (error) {
      await server.stop();
      throw error;
    }
    const password = secretFor('opensearch');
    const entry = (port: number, pageSize = 1000) => `kind: opensearch\nurl: http://127.0.0.1:${port}\nuser: reader\npassword: \${secret:OPENSEARCH_PASSWORD}\noptions:\n  pageSize: ${pageSize}`;
    const closed = await freePort();
    return {
      source: entry(server.port),
      unreachable: { source: entry(closed), where: `127.0.0.1:${closed}` },
      longSource: entry(server.port, 20),
      secrets: { OPENSEARCH_PASSWORD: password },
      stop: () => server.stop(),
    };
  },
  fixture: { entity: 'fixture', rows: ROWS, browsePath: [] },
  long: { entity: 'history' },
  unknownEntity: 'no_such_index',
  unreachableCause: /ECONNREFUSED|connection refused|cannot connect/i,
  supports: { ...ALL, statementLog: 'the search API has no request log short of the slow log; the driver sends only searches, point-in-time opens/deletes and metadata GETs' },
};

export default backend;
