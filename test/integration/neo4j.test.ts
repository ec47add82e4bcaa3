// The Neo4j driver through the engine against a real Neo4j 5.26 (embedded, Bolt): two labels sharing
// a property of different types (a union whose evidence is an element id holding the other type), a
// supernode named in the degree facts, nodes and relationships landed as two tables that join, a
// seeded random sample, an ODCS contract; a writing Cypher predicate refused; and, from the server's
// own logs, only read queries and no committed change from Headwater.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import type { InferredField } from '../../src/shared/inference.js';
import { notReads } from '../drivers/backends/neo4j.js';
import { neo4jSkipReason, startNeo4j, type Neo4jService } from '../services/neo4j.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';
import { validateArtifact } from '../unit/generate-standards.js';

const LEAVES = 600;

function walk(fields: InferredField[] | undefined, path: string): InferredField | undefined {
  for (const field of fields ?? []) {
    if (field.path === path) return field;
    const found = walk(field.fields, path);
    if (found) return found;
  }
  return undefined;
}

describe('Neo4j driver against Neo4j 5.26', { skip: neo4jSkipReason(), timeout: 10 * 60_000 }, () => {
  let server: Neo4jService;
  let ws: TestWorkspace;
  let hubId: string;

  before(async () => {
    server = await startNeo4j();
    await server.run('UNWIND range(1, 40) AS i CREATE (:Sensor {code: i, name: "sensor " + i})');
    await server.run('UNWIND range(1, 40) AS i CREATE (:Device {code: "D-" + i, name: "device " + i})');
    // A hub that every leaf links to, and a chain among the leaves: degrees 1-3 except the hub's.
    [{ id: hubId }] = await server.run('CREATE (h:Hub {name: "hub"}) RETURN elementId(h) AS id') as [{ id: string }];
    await server.run(`MATCH (h:Hub) UNWIND range(1, ${LEAVES}) AS i CREATE (:Leaf {n: i})-[:LINKS {since: 2000 + i % 20}]->(h)`);
    await server.run('MATCH (a:Leaf), (b:Leaf) WHERE b.n = a.n + 1 AND a.n % 2 = 0 CREATE (a)-[:NEXT]->(b)');
    await server.run('CREATE INDEX leaf_n FOR (l:Leaf) ON (l.n)');
    await server.run('CALL db.awaitIndexes(60)');
    ws = createTestWorkspace('hw-neo4j-', `sources:\n  - name: graph\n    kind: neo4j\n    url: bolt://127.0.0.1:${server.port}\n`);
  }, { timeout: 5 * 60_000 });

  after(async () => {
    await ws?.close();
    await server?.stop();
  });

  test('a property with an integer on :Sensor and a string on :Device is a union, its evidence an element id holding the other type', async () => {
    const info = await ws.engine.sample('graph', 'nodes', { strategy: 'head', limit: 100 });
    assert.equal(info.status, 'complete', info.statusDetail);
    const inferred = await ws.engine.inferred(info.id);
    const code = walk(inferred?.fields, 'properties.code');
    assert.equal(code?.type, 'union', JSON.stringify(code));
    const change = code.changes.find((c) => c.kind === 'union');
    const elementId = String(change?.evidence.provenance.elementId);
    const [row] = await server.run('MATCH (n) WHERE elementId(n) = $id RETURN labels(n) AS labels, n.code AS code', { id: elementId });
    assert.ok(row, `the evidence ${elementId} is a node`);
    assert.equal(typeof row.code, 'string', `the node that made it a union holds the string (${JSON.stringify(row)})`);
    assert.deepEqual(row.labels, ['Device']);

    const native = await ws.engine.nativeSchema('graph', 'nodes');
    const declared = native?.fields.find((f) => f.name === 'properties')?.children?.find((f) => f.name === 'code');
    assert.equal(declared?.type, 'union', JSON.stringify(declared));
    assert.match(declared.nativeType ?? '', /^union: /);
    const example = /String on :Device \(e\.g\. ([^)]+)\)/.exec(declared.nativeType ?? '')?.[1];
    assert.match(declared.nativeType ?? '', /Long on :Sensor \(e\.g\. [^)]+\)/);
    const [held] = await server.run('MATCH (n:Device) WHERE elementId(n) = $id RETURN n.code AS code', { id: example });
    assert.equal(typeof held?.code, 'string', `the declared union's example ${example} holds a string`);
  });

  test('the hub is named as a supernode in the degree facts', async () => {
    const info = await ws.engine.sample('graph', 'nodes', { strategy: 'full', limit: 10_000 });
    assert.equal(info.rowCount, 80 + 1 + LEAVES);
    const profile = await ws.engine.profile(info.id);
    const degrees = profile.facts.degrees;
    assert.ok(degrees, 'a node sample has degree facts');
    assert.equal(degrees.max, LEAVES);
    assert.equal(degrees.hubs[0]?.elementId, hubId);
    assert.deepEqual(degrees.supernodes, [hubId]);
    assert.match(degrees.warnings.join('\n'), new RegExp(`supernode ${hubId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 600 relationships`));
    assert.ok(degrees.quantiles[0]!.value <= 2, JSON.stringify(degrees.quantiles));
  });

  test('nodes and relationships land as two tables that join on element ids; browse lists labels, types, properties and indexes', async () => {
    const nodes = await ws.engine.sample('graph', 'nodes:Leaf', { strategy: 'full', limit: 10_000 });
    const links = await ws.engine.sample('graph', 'relationships:LINKS', { strategy: 'head', limit: 50 });
    assert.equal(links.rowCount, 50);
    const joined = await ws.engine.query(`SELECT count(*), count(DISTINCT r.end_id), min(json_extract(r.properties, '$.since')::INT) FROM ${links.table} r JOIN ${nodes.table} n ON n.element_id = r.start_id`);
    assert.deepEqual(joined.rows[0]!.map(Number), [50, 1, 2000]);
    const labels = await ws.engine.browse('graph', ['nodes']);
    assert.deepEqual(labels.map((n) => [n.id, n.estimatedRows]), [['Device', 40], ['Hub', 1], ['Leaf', LEAVES], ['Sensor', 40]]);
    const props = await ws.engine.browse('graph', ['nodes', 'Leaf']);
    assert.deepEqual(props.map((p) => [p.id, p.detail]), [['n', 'Long']]);
    const schema = await ws.engine.browse('graph', ['schema']);
    assert.ok(schema.some((s) => s.id === 'leaf_n' && /RANGE index leaf_n on :Leaf\(n\)/.test(s.detail ?? '')), JSON.stringify(schema));
  });

  test('a random sample reads runs from seeded offsets, each row with its offset', async () => {
    const info = await ws.engine.sample('graph', 'nodes:Leaf', { strategy: 'random', limit: 40 });
    assert.equal(info.rowCount, 40, info.statusDetail);
    const offsets = await ws.engine.query(`SELECT DISTINCT (_hw_provenance->>'offset')::INT FROM ${info.table}`);
    assert.ok(offsets.rows.length > 1, 'several runs');
    assert.match(info.query, /seeded random offsets .*seed \d+/);
  });

  test('a Cypher predicate that writes is refused, nothing is read or written; a reading one is EXPLAINed and read', async () => {
    for (const where of ['n.n = 1 SET n.hacked = true', 'n.n = 1 CALL apoc.create.node(["X"], {}) YIELD node', "n.n = 1 LOAD CSV FROM 'file:///etc/passwd' AS l", 'n.n = 1 DETACH DELETE n', 'apoc.util.sleep(1000) IS NULL']) {
      const error = await ws.engine.sample('graph', 'nodes:Leaf', { limit: 5, where }).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof HeadwaterError, `${where}: refused`);
      assert.match(error.message, /Source 'graph', entity 'nodes:Leaf': the --where filter (holds|calls)/);
    }
    const ok = await ws.engine.sample('graph', 'nodes:Leaf', { limit: 100, where: "n.n > 590 AND NOT n.n IN [600] AND toString(n.n) STARTS WITH '59'" });
    assert.equal(ok.rowCount, 9);
  });

  test('an ODCS contract names a neo4j custom server and validates', async () => {
    const info = await ws.engine.sample('graph', 'nodes:Sensor', { strategy: 'head', limit: 10 });
    const result = await ws.engine.generate({ kind: 'odcs', sampleId: info.id });
    const file = result.files[0]!;
    assert.equal(validateArtifact(file.path), 'ODCS v3.1.0');
    const text = readFileSync(file.path, 'utf8');
    for (const expected of ['value: neo4j', `value: bolt://127.0.0.1:${server.port}`, 'property: label', 'value: Sensor']) assert.ok(text.includes(expected), `${expected} in\n${text.slice(0, 1500)}`);
  });

  test('the server ran only reads for Headwater and committed no change of its', () => {
    const mine = server.queryLog().filter((q) => q.meta.includes('app=headwater'));
    assert.ok(mine.length > 10, `the query log shows Headwater's queries (${mine.length})`);
    assert.deepEqual(notReads(mine), []);
    assert.ok(mine.some((q) => q.text.startsWith('EXPLAIN MATCH (n:`Leaf`) WHERE')), 'the --where read was planned first');
    assert.deepEqual(server.writeLog().filter((line) => line.includes('app=headwater')), []);
    assert.ok(server.writeLog().length >= 4, 'the fixtures\' writes are in the log, so it records writes');
  });
});
