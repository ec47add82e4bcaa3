// The graphql driver against a graphql-js fixture server: introspection gives the tree, a generated
// depth-limited query samples a Relay connection and an offset list to exactly the fixture's data,
// the `errors` array is surfaced (as the error, or as a note beside partial data), and the token
// stays out of the workspace.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Engine } from '../../src/engine/engine.js';
import { GRAPHQL_TOKEN, PRODUCTS, startGraphqlFixture, type GraphqlFixture } from '../fixtures/rest/graphql-server.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

describe('GraphQL driver', () => {
  let server: GraphqlFixture;
  let workspace: TestWorkspace | undefined;
  let engine: Engine;
  let logLines: string[] = [];

  before(async () => {
    server = await startGraphqlFixture();
    process.env.HW_TEST_GRAPHQL_TOKEN = GRAPHQL_TOKEN;
    workspace = createTestWorkspace('hw-graphql-test-', `sources:
  - name: shop
    kind: graphql
    url: ${server.url}
    options:
      pageSize: 5
      auth:
        type: bearer
        token: \${env:HW_TEST_GRAPHQL_TOKEN}
      args:
        byMaker: { makerId: m2 }
  - name: anonymous
    kind: graphql
    url: ${server.url}
`);
    ({ engine, logLines } = workspace);
  });

  after(async () => {
    await workspace?.close();
    await server?.close();
  });

  test('introspection gives query fields with their paging, arguments and element fields', async () => {
    const root = await engine.browse('shop', []);
    const byId = new Map(root.map((n) => [n.id, n]));
    assert.match(byId.get('products')?.detail ?? '', /Relay connection of Product \(first\/after, pageInfo\)/);
    assert.equal(byId.get('products')?.tooltip, 'Every product, as a Relay connection.');
    assert.match(byId.get('productList')?.detail ?? '', /list of Product \(offset\/limit\)/);
    assert.equal(byId.get('byMaker')?.sampleable, true);
    assert.equal(byId.get('product')?.sampleable, false);
    assert.match(byId.get('product')?.detail ?? '', /not a list/);
    const children = await engine.browse('shop', ['products']);
    assert.deepEqual(children.slice(0, 2).map((n) => n.label), ['(first: Int)', '(after: String)']);
    assert.ok(children.some((n) => n.id === 'maker' && n.detail === 'Maker!'));
    const schema = await engine.nativeSchema('shop', 'products');
    const status = schema?.fields.find((f) => f.name === 'status');
    assert.deepEqual(status?.enumValues, ['ACTIVE', 'RETIRED']);
    const maker = schema?.fields.find((f) => f.name === 'maker');
    assert.deepEqual(maker?.children?.map((f) => f.name), ['id', 'name'], 'depth 2: maker.country is not selected');
    assert.equal((await engine.describe('shop')).reachable, true);
  });

  test('a Relay connection is followed with first/after to exactly the fixture data', async () => {
    const info = await engine.sample('shop', 'products', {});
    assert.equal(info.status, 'complete', info.statusDetail);
    const rows = (await engine.query(`SELECT id, title, price, status, "inStock", maker->>'$.name', _hw_provenance->>'$.paginator', (_hw_provenance->>'$.page')::INT FROM ${info.table} ORDER BY rowid`)).rows;
    assert.deepEqual(rows.map((r) => r.slice(0, 6)), PRODUCTS.map((p) => [p.id, p.title, p.price, p.status, p.inStock, p.maker.name]));
    assert.deepEqual(new Set(rows.map((r) => r[6])), new Set(['relay']));
    assert.equal(Math.max(...rows.map((r) => Number(r[7]))), 4);
    const queries = server.bodies.filter((b) => b.query.includes('HeadwaterSample') && b.query.includes('products('));
    assert.equal(queries.length, 4);
    assert.match(queries[0]!.query, /products\(first: \$first, after: \$after\) \{ edges \{ cursor node \{ id title price status inStock tags maker \{ id name \} \} \} pageInfo \{ hasNextPage endCursor \} \}/);
    assert.doesNotMatch(queries[0]!.query, /country|reviews/);
    assert.deepEqual(queries.map((q) => q.variables?.first), [5, 5, 5, 5]);
    assert.match(info.query, /HeadwaterSample/);
  });

  test('offset arguments are followed, given arguments are sent', async () => {
    const list = await engine.sample('shop', 'productList', {});
    assert.deepEqual((await engine.query(`SELECT id FROM ${list.table} ORDER BY rowid`)).rows.map((r) => r[0]), PRODUCTS.map((p) => p.id));
    const offsets = server.bodies.filter((b) => b.query.includes('productList(')).map((b) => b.variables?.offset);
    assert.deepEqual(offsets, [0, 5, 10, 15]);
    const byMaker = await engine.sample('shop', 'byMaker', {});
    assert.deepEqual((await engine.query(`SELECT id FROM ${byMaker.table} ORDER BY rowid`)).rows.map((r) => r[0]), PRODUCTS.filter((p) => p.maker.id === 'm2').map((p) => p.id));
    const limited = await engine.sample('shop', 'products', { limit: 7 });
    assert.equal(limited.rowCount, 7);
  });

  test('the errors array is surfaced: as the error without data, as a note beside partial data', async () => {
    await assert.rejects(engine.sample('shop', 'broken', {}), /GraphQL source 'shop': query broken \(page 1\): 1 GraphQL error: "product index is rebuilding" at broken/);
    const flaky = await engine.sample('shop', 'flaky', {});
    assert.equal(flaky.rowCount, 3);
    assert.match(flaky.statusDetail ?? '', /page 1: 1 GraphQL error: "secret vault unavailable" at flaky\.1\.secret/);
    assert.deepEqual((await engine.query(`SELECT secret FROM ${flaky.table} ORDER BY rowid`)).rows.map((r) => r[0]), ['s1', null, 's3']);
    assert.deepEqual((await engine.query(`SELECT DISTINCT typeof(secret) FROM ${flaky.table}`)).rows, [['VARCHAR']], 'a nullable string field stays text');
    await assert.rejects(engine.sample('anonymous', 'products', {}), /introspection answered HTTP 401 Unauthorized: the request needs credentials/);
  });

  test('the token is in no sample, catalog row or log line', async () => {
    const texts = [JSON.stringify(await engine.samples()), ...logLines];
    for (const info of await engine.samples()) texts.push(JSON.stringify((await engine.query(`SELECT * FROM ${info.table}`)).rows));
    for (const text of texts) assert.ok(!text.includes(GRAPHQL_TOKEN));
  });
});
