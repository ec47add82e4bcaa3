// HTTP: an NDJSON file served by the REST fixture server (test/fixtures/rest/server.ts) behind a
// bearer token, sent as a header from a secret.
import { ALL, type Backend } from '../backend.js';
import { FILE_EVENTS, FIXTURE_SECRETS, startRestFixture } from '../../fixtures/rest/server.js';
import { freePort } from '../../services/process.js';

const backend: Backend = {
  kind: 'http',
  skipReason: () => false,
  async start() {
    const server = await startRestFixture();
    const entry = (base: string, file = 'events.ndjson') => `kind: http
url: ${base}/files/${file}
options:
  headers:
    authorization: Bearer \${secret:HTTP_TOKEN}`;
    const closed = `127.0.0.1:${await freePort()}`;
    return {
      source: entry(server.url),
      // The same file at about 3 MB/s: a local server sends it faster than a budget of a second.
      longSource: entry(server.url, 'slow-events.ndjson'),
      unreachable: { source: entry(`http://${closed}`), where: closed },
      secrets: { HTTP_TOKEN: FIXTURE_SECRETS.bearer },
      async statementLog() {
        const files = server.to('files');
        return { seen: files.length, notReads: files.filter((r) => r.method !== 'GET' && r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`) };
      },
      stop: () => server.close(),
    };
  },
  fixture: { entity: 'events.ndjson', rows: FILE_EVENTS, browsePath: [] },
  long: { entity: 'slow-events.ndjson' },
  unknownEntity: 'no_such_file.ndjson',
  unreachableCause: /ECONNREFUSED|connection refused/i,
  supports: { ...ALL, statementLog: true },
};

export default backend;
