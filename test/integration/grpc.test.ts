// The grpc driver against a grpc-js server with reflection: the tree is services > methods > fields,
// unary and server-streaming samples decode to exactly the fixture's records (ProtoJSON: int64 as
// strings, enums by name, Timestamps as RFC 3339), refusals are clear errors, and the token stays out.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Engine } from '../../src/engine/engine.js';
import type { SampleInfo } from '../../src/shared/types.js';
import { GRPC_PRODUCTS, GRPC_TOKEN, startGrpcFixture, type FixtureProduct, type GrpcFixture } from '../fixtures/rest/grpc-server.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

describe('gRPC driver', () => {
  let server: GrpcFixture;
  let workspace: TestWorkspace | undefined;
  let engine: Engine;
  let logLines: string[] = [];
  const errors: string[] = [];

  before(async () => {
    server = await startGrpcFixture();
    process.env.HW_TEST_GRPC_TOKEN = GRPC_TOKEN;
    workspace = createTestWorkspace('hw-grpc-test-', `sources:
  - name: catalog
    kind: grpc
    url: ${server.url}
    options:
      metadata:
        authorization: Bearer \${env:HW_TEST_GRPC_TOKEN}
      requests:
        shop.v1.Catalog/GetProduct: { id: g3 }
        shop.v1.Catalog/StreamProducts: { count: 12 }
        shop.v1.Catalog/ListProducts: { makerId: m1 }
  - name: anonymous
    kind: grpc
    url: ${server.url}
`);
    ({ engine, logLines } = workspace);
  });

  after(async () => {
    await workspace?.close();
    await server?.close();
  });

  async function products(info: SampleInfo): Promise<unknown[][]> {
    return (await engine.query(`SELECT id, title, price, stock::VARCHAR, status, tags::VARCHAR, "updatedAt"::VARCHAR, maker->>'$.name' FROM ${info.table} ORDER BY rowid`)).rows;
  }
  const expected = (p: FixtureProduct) => [p.id, p.title, p.price, p.stock, p.status, JSON.stringify(p.tags), p.updatedAt, p.maker.name];

  test('reflection gives services > methods > request and response fields', async () => {
    const root = await engine.browse('catalog', []);
    assert.deepEqual(root.map((n) => n.id), ['shop.v1.Catalog']);
    const methods = await engine.browse('catalog', ['shop.v1.Catalog']);
    assert.deepEqual(methods.map((m) => [m.id, m.sampleable, m.detail]), [
      ['ListProducts', true, 'unary: ListProductsRequest → ListProductsResponse'],
      ['GetProduct', true, 'unary: GetProductRequest → Product'],
      ['StreamProducts', true, 'server-streaming: WatchRequest → Product'],
      ['Upload', false, 'client-streaming: Product → UploadSummary (not sampled)'],
    ]);
    const fields = await engine.browse('catalog', ['shop.v1.Catalog', 'ListProducts']);
    assert.ok(fields.some((f) => f.label === 'page_size' && f.detail === 'request int32 = 1'));
    assert.ok(fields.some((f) => f.label === 'products' && f.detail === 'response repeated Product = 1'));
    const schema = await engine.nativeSchema('catalog', 'shop.v1.Catalog/ListProducts');
    assert.deepEqual(schema?.fields.map((f) => [f.name, f.type]), [['id', 'string'], ['title', 'string'], ['price', 'float'], ['stock', 'string'], ['status', 'string'], ['tags', 'list'], ['updatedAt', 'timestamptz'], ['maker', 'struct']]);
    assert.deepEqual(schema?.fields.find((f) => f.name === 'status')?.enumValues, ['STATUS_UNSPECIFIED', 'ACTIVE', 'RETIRED']);
    assert.equal((await engine.describe('catalog')).reachable, true);
  });

  test('a unary list response lands one row per element, equal to the fixture', async () => {
    const info = await engine.sample('catalog', 'shop.v1.Catalog/ListProducts', {});
    assert.deepEqual(await products(info), GRPC_PRODUCTS.filter((p) => p.maker.id === 'm1').map(expected));
    assert.match(info.query, /unary shop\.v1\.Catalog\/ListProducts\(\{"makerId":"m1"\}\) · records in products/);
  });

  test('a unary single message lands as one record', async () => {
    const info = await engine.sample('catalog', 'shop.v1.Catalog/GetProduct', {});
    assert.deepEqual(await products(info), [expected(GRPC_PRODUCTS[2]!)]);
  });

  test('a server stream lands each message, with its position as provenance, and stops at the limit', async () => {
    const info = await engine.sample('catalog', 'shop.v1.Catalog/StreamProducts', {});
    assert.deepEqual(await products(info), Array.from({ length: 12 }, (_v, i) => expected(GRPC_PRODUCTS[i % GRPC_PRODUCTS.length]!)));
    assert.deepEqual((await engine.query(`SELECT (_hw_provenance->>'$.message')::INT FROM ${info.table} ORDER BY rowid`)).rows.map((r) => r[0]), Array.from({ length: 12 }, (_v, i) => i));
    const limited = await engine.sample('catalog', 'shop.v1.Catalog/StreamProducts', { limit: 5 });
    assert.equal(limited.rowCount, 5);
  });

  test('refusals and misuse are clear errors', async () => {
    const fail = async (source: string, entity: string, pattern: RegExp) => {
      const error = await engine.sample(source, entity, {}).then(() => undefined, (e: Error) => e);
      assert.ok(error, `${source}/${entity} should fail`);
      errors.push(error.message);
      assert.match(error.message, pattern);
    };
    await fail('anonymous', 'shop.v1.Catalog/ListProducts', /gRPC source 'anonymous': shop\.v1\.Catalog\/ListProducts failed: UNAUTHENTICATED: missing or wrong bearer token/);
    await fail('catalog', 'shop.v1.Catalog/Upload', /Upload is client-streaming; only unary and server-streaming methods are sampled/);
    await fail('catalog', 'shop.v1.Catalog/Nope', /has no method 'shop\.v1\.Catalog\/Nope'/);
  });

  test('the token is in no sample, catalog row, log line or error', async () => {
    const texts = [JSON.stringify(await engine.samples()), ...logLines, ...errors];
    for (const info of await engine.samples()) texts.push(JSON.stringify((await engine.query(`SELECT * FROM ${info.table}`)).rows));
    for (const text of texts) assert.ok(!text.includes(GRPC_TOKEN));
  });
});
