// REST: the fixture server (test/fixtures/rest/server.ts); the fixture entity is its million-event
// listing behind a bearer token, paged by page number. The server logs every request's method.
import { ALL, type Backend } from '../backend.js';
import { EVENT_COUNT, FIXTURE_SECRETS, startRestFixture } from '../../fixtures/rest/server.js';
import { freePort } from '../../services/process.js';

const backend: Backend = {
  kind: 'rest',
  skipReason: () => false,
  async start() {
    const server = await startRestFixture();
    const entry = (url: string) => `kind: rest
url: ${url}
options:
  endpoints: [/events]
  auth:
    type: bearer
    token: \${secret:REST_TOKEN}`;
    const closed = `127.0.0.1:${await freePort()}`;
    return {
      source: entry(server.url),
      unreachable: { source: entry(`http://${closed}`), where: closed },
      secrets: { REST_TOKEN: FIXTURE_SECRETS.bearer },
      async statementLog() {
        return { seen: server.requests.length, notReads: server.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`) };
      },
      stop: () => server.close(),
    };
  },
  fixture: { entity: '/events', rows: EVENT_COUNT, browsePath: ['events'] },
  unknownEntity: '/no_such_endpoint',
  unreachableCause: /ECONNREFUSED|connection refused/i,
  supports: { ...ALL, statementLog: true },
};

export default backend;
