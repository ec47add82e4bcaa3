// gRPC: the grpc-js fixture server with reflection (test/fixtures/rest/grpc-server.ts), which wants a
// bearer token; the fixture entity is a server stream of a million products, made as it is read.
import { ALL, type Backend } from '../backend.js';
import { GRPC_TOKEN, startGrpcFixture } from '../../fixtures/rest/grpc-server.js';
import { freePort } from '../../services/process.js';

const ROWS = 1_000_000;

const backend: Backend = {
  kind: 'grpc',
  skipReason: () => false,
  async start() {
    const server = await startGrpcFixture();
    const entry = (url: string) => `kind: grpc
url: ${url}
options:
  metadata:
    authorization: Bearer \${env:HW_CONF_GRPC_TOKEN}
  requests:
    shop.v1.Catalog/StreamProducts: { count: ${ROWS} }`;
    const closed = `127.0.0.1:${await freePort()}`;
    return {
      source: entry(server.url),
      unreachable: { source: entry(`grpc://${closed}`), where: closed },
      env: { HW_CONF_GRPC_TOKEN: GRPC_TOKEN },
      stop: () => server.close(),
    };
  },
  fixture: { entity: 'shop.v1.Catalog/StreamProducts', rows: ROWS, browsePath: ['shop.v1.Catalog'] },
  unknownEntity: 'shop.v1.Catalog/NoSuchMethod',
  unreachableCause: /ECONNREFUSED|connection refused/i,
  supports: { ...ALL, statementLog: "a gRPC service's methods are its own: which of them only read is not knowable from outside" },
};

export default backend;
