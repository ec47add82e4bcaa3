// The --where checks of the graph kinds, table-driven with near misses: Cypher predicates (neo4j)
// and SPARQL group patterns (sparql) that read pass; ones that write, call out or break out of the
// query are refused naming the source, entity and cause. Entity names and RDF term values too.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import { checkedCypherPredicate } from '../../src/engine/drivers/neo4j/where.js';
import { parseEntity as parseGraphEntity, matchPattern } from '../../src/engine/drivers/neo4j/entity.js';
import { checkedSparqlPattern } from '../../src/engine/drivers/sparql/where.js';
import { parseEntity as parseClassEntity } from '../../src/engine/drivers/sparql/entity.js';
import { termValue } from '../../src/engine/drivers/sparql/rows.js';

const at = { source: 's', entity: 'e' };

function refused(check: () => unknown, cause: RegExp): void {
  assert.throws(check, (error: unknown) => error instanceof HeadwaterError && /Source 's', entity 'e': the --where filter/.test(error.message) && cause.test(error.message));
}

describe('graph --where checks', { timeout: 30_000 }, () => {
  test('Cypher predicates that read pass, keywords inside strings, names and property keys do not count', () => {
    for (const ok of [
      'n.age > 30', "n.name STARTS WITH 'Set' AND n.title ENDS WITH 'with'", "n.note = 'CREATE something; // not a comment'", 'n.`SET` = 1 AND n.limit = 2',
      'EXISTS { MATCH (n)-->(m) WHERE m.x > 1 }', 'COUNT { (n)--() } > 3', 'date.truncate("month", n.at) = date("2024-01-01")', 'n.code IS :: STRING',
    ]) assert.equal(checkedCypherPredicate(ok, at), ok);
  });

  test('Cypher that writes, calls out, reads files or ends the predicate is refused', () => {
    refused(() => checkedCypherPredicate('n.x = 1 SET n.y = 2', at), /holds SET, which writes/);
    refused(() => checkedCypherPredicate('n.x = 1 DETACH DELETE n', at), /holds DETACH, which writes/);
    refused(() => checkedCypherPredicate('n.x = 1 MERGE (m:X)', at), /MERGE/);
    refused(() => checkedCypherPredicate('n.x = 1 CALL db.clearQueryCaches()', at), /calls db\.clearQueryCaches\(\)/);
    refused(() => checkedCypherPredicate('n.x = 1 CALL { MATCH (m) RETURN m }', at), /CALL, which runs a procedure or subquery/);
    refused(() => checkedCypherPredicate("n.x = 1 LOAD CSV FROM 'file:///etc/passwd' AS l", at), /LOAD, which reads files/);
    refused(() => checkedCypherPredicate('apoc.util.sleep(100) IS NULL', at), /calls apoc\.util\.sleep\(\)/);
    refused(() => checkedCypherPredicate('n.x = 1 RETURN n UNION MATCH (m) RETURN m', at), /RETURN/);
    refused(() => checkedCypherPredicate('n.x = 1; MATCH (m) DELETE m', at), /";"/);
    refused(() => checkedCypherPredicate('n.x = 1 // ', at), /comment/);
    refused(() => checkedCypherPredicate("n.x = 'open", at), /unclosed string/);
    refused(() => checkedCypherPredicate('n.x = 1)', at), /unbalanced/);
  });

  test('SPARQL patterns that read pass; updates, SERVICE, subqueries and breaking out are refused', () => {
    for (const ok of ['?s <http://x/age> ?a . FILTER(?a > 3)', '?s <http://x/name> "INSERT DATA { }"', "FILTER(LANG(?s) = 'en')"]) assert.equal(checkedSparqlPattern(ok, at), ok);
    refused(() => checkedSparqlPattern('} INSERT DATA { <http://x/a> <http://x/b> 1 } #', at), /comment|INSERT|closes a brace/);
    refused(() => checkedSparqlPattern('?s ?p ?o . DELETE WHERE { ?s ?p ?o }', at), /DELETE, which belongs to SPARQL Update/);
    refused(() => checkedSparqlPattern('SERVICE <http://evil/sparql> { ?s ?p ?o }', at), /SERVICE, which makes the server query another endpoint/);
    refused(() => checkedSparqlPattern('{ SELECT ?s WHERE { ?s ?p ?o } }', at), /SELECT/);
    refused(() => checkedSparqlPattern('?s ?p ?o } LIMIT 1', at), /closes a brace|LIMIT/);
    refused(() => checkedSparqlPattern('?s ?p "open', at), /unclosed string/);
  });

  test('entity names: graph entities and class IRIs', () => {
    assert.deepEqual(parseGraphEntity('nodes:My `odd` Label'), { kind: 'nodes', name: 'My `odd` Label' });
    assert.equal(matchPattern(parseGraphEntity('nodes:My `odd` Label')!), '(n:`My ``odd`` Label`)');
    assert.equal(matchPattern(parseGraphEntity('relationships:KNOWS')!), '(a)-[r:`KNOWS`]->(b)');
    assert.equal(parseGraphEntity('people'), undefined);
    assert.deepEqual(parseClassEntity('triples:<http://x/C>'), { classIri: 'http://x/C', triples: true });
    assert.equal(parseClassEntity('http://x/C> } INSERT { <a'), undefined);
    assert.equal(parseClassEntity('Person'), undefined);
  });

  test('RDF terms become JS values by datatype, exact beyond 2^53', () => {
    const xsd = (t: string) => `http://www.w3.org/2001/XMLSchema#${t}`;
    assert.equal(termValue({ type: 'literal', value: '42', datatype: xsd('integer') }), 42);
    assert.equal(termValue({ type: 'literal', value: '9007199254740993', datatype: xsd('long') }), 9007199254740993n);
    assert.equal(termValue({ type: 'literal', value: '0.1000000000000000000001', datatype: xsd('decimal') }), '0.1000000000000000000001');
    assert.equal(termValue({ type: 'literal', value: 'true', datatype: xsd('boolean') }), true);
    assert.equal(termValue({ type: 'bnode', value: 'b0' }), '_:b0');
    assert.equal(termValue({ type: 'uri', value: 'http://x/a' }), 'http://x/a');
  });
});
