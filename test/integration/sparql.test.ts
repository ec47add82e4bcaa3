// The SPARQL driver through the engine against a real Fuseki 5.6.0: a class whose predicate has both
// literal and IRI objects is reported as a union (browse and native schema, with an example subject
// for each kind); language tags and datatypes as object kinds; named graphs; instances landed wide and
// as triples; a SPARQL UPDATE (or SERVICE) in --where refused with nothing sent; an ODCS contract; and,
// from Fuseki's request log, only SELECT queries sent to the query endpoint.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import { EX, notReads } from '../drivers/backends/sparql.js';
import { fusekiSkipReason, startFuseki, type FusekiService } from '../services/fuseki.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';
import { validateArtifact } from '../unit/generate-standards.js';

const PEOPLE = 30;

describe('SPARQL driver against Fuseki', { skip: fusekiSkipReason(), timeout: 5 * 60_000 }, () => {
  let server: FusekiService;
  let ws: TestWorkspace;
  let loaded = 0;

  before(async () => {
    server = await startFuseki();
    const people: string[] = [];
    for (let i = 1; i <= PEOPLE; i++) {
      // knows: an IRI for most people, a plain name (a literal) for every fifth: a union.
      const knows = i % 5 === 0 ? `"someone ${i}"` : `<${EX}person/${(i % PEOPLE) + 1}>`;
      people.push(`<${EX}person/${i}> a <${EX}Person> ; <${EX}name> "Person ${i}"@en, "Personne ${i}"@fr ; <${EX}age> ${20 + i} ; <${EX}knows> ${knows} .`);
    }
    await server.load(people.join('\n'));
    await server.load(`<${EX}doc/1> a <${EX}Doc> ; <${EX}title> "graph doc" .`, `${EX}graphs/docs`);
    loaded = server.requests().length;
    ws = createTestWorkspace('hw-sparql-', `sources:\n  - name: rdf\n    kind: sparql\n    url: ${server.queryUrl}\n    options:\n      pageSize: 7\n`);
  }, { timeout: 3 * 60_000 });

  after(async () => {
    await ws?.close();
    await server?.stop();
  });

  test('a predicate with both literal and IRI objects is reported as a union, with an example subject for each kind', async () => {
    const predicates = await ws.engine.browse('rdf', ['classes', `${EX}Person`]);
    const knows = predicates.find((p) => p.id === `${EX}knows`);
    assert.match(knows?.detail ?? '', /^union: IRI \| xsd:string/);
    const name = predicates.find((p) => p.id === `${EX}name`);
    assert.match(name?.detail ?? '', /^union: string @en \| string @fr|^string @en \| string @fr/);
    assert.match(predicates.find((p) => p.id === `${EX}age`)?.detail ?? '', /^xsd:integer/);

    const schema = await ws.engine.nativeSchema('rdf', `${EX}Person`);
    const field = schema?.fields.find((f) => f.name === 'knows');
    assert.equal(field?.type, 'union', JSON.stringify(field));
    assert.deepEqual(field.children?.map((c) => [c.name, c.type]), [['IRI', 'string'], ['xsd:string', 'string']]);
    const literalExample = /xsd:string e\.g\. on (\S+?)\)/.exec(field.nativeType ?? '')?.[1];
    assert.ok(literalExample && Number(/person\/(\d+)$/.exec(literalExample)?.[1]) % 5 === 0, `the literal's example subject knows a literal: ${field.nativeType}`);
    assert.equal(schema?.fields.find((f) => f.name === 'age')?.type, 'integer');
  });

  test('instances land one wide row per subject, paged in subject order, and as triples', async () => {
    const wide = await ws.engine.sample('rdf', `${EX}Person`, { strategy: 'full', limit: 1000 });
    assert.equal(wide.status, 'complete', wide.statusDetail);
    assert.equal(wide.rowCount, PEOPLE);
    const rows = await ws.engine.query(`SELECT subject, age::INT, json_array_length(name), knows FROM ${wide.table} WHERE subject = '${EX}person/5'`);
    assert.deepEqual(rows.rows[0], [`${EX}person/5`, 25, 2, '"someone 5"']);
    const order = await ws.engine.query(`SELECT subject FROM ${wide.table} ORDER BY rowid`);
    const subjects = order.rows.map((r) => String(r[0]));
    assert.deepEqual(subjects, [...subjects].sort(), 'subject order');

    const triples = await ws.engine.sample('rdf', `triples:${EX}Person`, { strategy: 'full', limit: 1000 });
    assert.equal(triples.rowCount, PEOPLE * 5);
    const kinds = await ws.engine.query(`SELECT object_kind, count(*) FROM ${triples.table} WHERE predicate = '${EX}knows' GROUP BY 1 ORDER BY 1`);
    assert.deepEqual(kinds.rows.map((r) => [r[0], Number(r[1])]), [['iri', PEOPLE - PEOPLE / 5], ['literal', PEOPLE / 5]]);
    const langs = await ws.engine.query(`SELECT DISTINCT lang FROM ${triples.table} WHERE lang IS NOT NULL ORDER BY 1`);
    assert.deepEqual(langs.rows, [['en'], ['fr']]);
  });

  test('named graphs are listed; --where narrows the instances', async () => {
    const graphs = await ws.engine.browse('rdf', ['graphs']);
    assert.deepEqual(graphs.map((g) => [g.id, g.detail]), [[`${EX}graphs/docs`, '2 triples']]);
    const older = await ws.engine.sample('rdf', `${EX}Person`, { limit: 100, where: `?s <${EX}age> ?age . FILTER(?age > 45)` });
    assert.equal(older.rowCount, 5);
  });

  test('a SPARQL UPDATE or SERVICE in --where is refused and nothing is sent', async () => {
    const before = server.requests().length;
    for (const where of [`} INSERT DATA { <${EX}x> <${EX}y> 1 } #`, `?s ?p ?o } ; DELETE WHERE { ?s ?p ?o`, `SERVICE <http://evil.example/sparql> { ?s ?p ?o }`, `?s ?p ?o . FILTER(true) } LIMIT 1 } ?s ?p ?o } #`, 'DROP ALL']) {
      const error = await ws.engine.sample('rdf', `${EX}Person`, { limit: 5, where }).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof HeadwaterError, `${where}: refused`);
      assert.match(error.message, /Source 'rdf', entity 'http:\/\/example.org\/Person': the --where filter/);
    }
    assert.equal(server.requests().length, before, 'no request reached the server');
  });

  test('an ODCS contract names a sparql custom server and validates', async () => {
    const info = await ws.engine.sample('rdf', `${EX}Person`, { limit: 10 });
    const result = await ws.engine.generate({ kind: 'odcs', sampleId: info.id });
    const file = result.files[0]!;
    assert.equal(validateArtifact(file.path), 'ODCS v3.1.0');
    const text = readFileSync(file.path, 'utf8');
    for (const expected of ['value: sparql', `value: ${server.queryUrl}`, `value: ${EX}Person`]) assert.ok(text.includes(expected), `${expected} in\n${text.slice(0, 1500)}`);
  });

  test('only SELECT queries reached the server, all at the query endpoint', () => {
    const mine = server.requests().slice(loaded);
    assert.ok(mine.length > 5, `the log shows Headwater's queries (${mine.length})`);
    assert.deepEqual(notReads(mine), []);
  });
});
