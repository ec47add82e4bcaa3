// GraphQL: the graphql-js fixture server (test/fixtures/rest/graphql-server.ts), which wants a bearer
// token; the fixture entity is its million-event Relay connection, followed page by page.
import { Kind, parse } from 'graphql';
import { ALL, type Backend } from '../backend.js';
import { EVENT_COUNT, GRAPHQL_TOKEN, startGraphqlFixture } from '../../fixtures/rest/graphql-server.js';
import { freePort } from '../../services/process.js';

const backend: Backend = {
  kind: 'graphql',
  skipReason: () => false,
  async start() {
    const server = await startGraphqlFixture();
    const entry = (url: string) => `kind: graphql
url: ${url}
options:
  # Pages under the byte budget of the checks (4 KiB): a page that crosses it is not landed.
  pageSize: 10
  auth:
    type: bearer
    token: \${env:HW_CONF_GRAPHQL_TOKEN}`;
    const closed = `127.0.0.1:${await freePort()}`;
    return {
      source: entry(server.url),
      unreachable: { source: entry(`http://${closed}/graphql`), where: closed },
      env: { HW_CONF_GRAPHQL_TOKEN: GRAPHQL_TOKEN },
      // The fixture keeps every operation it answered: none may be a mutation or a subscription.
      async statementLog() {
        const operations = server.bodies.flatMap((b) => parse(b.query).definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? [`${d.operation} ${d.name?.value ?? ''}`] : [])));
        return { seen: operations.length, notReads: operations.filter((o) => !o.startsWith('query ')) };
      },
      stop: () => server.close(),
    };
  },
  fixture: { entity: 'events', rows: EVENT_COUNT, browsePath: [] },
  unknownEntity: 'noSuchField',
  unreachableCause: /ECONNREFUSED|connection refused/i,
  supports: { ...ALL, statementLog: true },
};

export default backend;
