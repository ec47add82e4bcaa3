// Reading ODCS v3.1 contracts: the standard's own examples are valid; problems carry their line; the
// contract maps onto Headwater's field model; rule SQL is aimed at the sample.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fieldsOfObject, logicalTypeOf } from '../../src/engine/contracts/model.js';
import { formatProblem, parseContract } from '../../src/engine/contracts/parse.js';
import { onSample, operatorOf } from '../../src/engine/contracts/quality.js';
import { contractSource } from '../../src/engine/contracts/server.js';
import { standardsDir, standardsMissing } from './generate-standards.js';

const EXAMPLES = join(standardsDir, 'odcs', 'examples');

describe('ODCS contracts', () => {
  test('the standard\'s examples are valid contracts', { skip: standardsMissing() ?? false }, () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 4);
    for (const file of files) {
      const parsed = parseContract(readFileSync(join(EXAMPLES, file), 'utf8'), file);
      assert.deepEqual(parsed.problems.map((p) => formatProblem(file, p)), [], file);
      assert.ok(parsed.contract);
    }
  });

  test('schema problems name the path and sit on their line and column', () => {
    const text = 'apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: 1.0.0\nstatus: draft\nschema:\n  - name: t\n    properties:\n      - name: a\n        logicalType: int\n        colour: red\n      - name: b\n        quality:\n          - metric: nullValues\n';
    const problems = parseContract(text, 'c.odcs.yaml').problems.map((p) => formatProblem('c.odcs.yaml', p));
    assert.deepEqual(problems, [
      'c.odcs.yaml:10:22: /schema/0/properties/0/logicalType must be one of: string, date, timestamp, time, number, integer, object, array, boolean',
      "c.odcs.yaml:11:9: /schema/0/properties/0: 'colour' is not an ODCS v3.1 field here",
      'c.odcs.yaml:14:13: /schema/0/properties/1/quality/0: a quality rule needs exactly one of mustBe, mustNotBe, mustBeGreaterThan, mustBeGreaterOrEqualTo, mustBeLessThan, mustBeLessOrEqualTo, mustBeBetween, mustNotBeBetween',
    ]);
    const missing = parseContract('apiVersion: v3.1.0\nkind: DataContract\n', 'x').problems.map((p) => p.message);
    assert.ok(missing.includes("(root) must have 'id'"), missing.join('\n'));
    const syntax = parseContract('schema: [\n', 'x').problems;
    assert.equal(syntax.length > 0 && syntax[0]!.line >= 1, true);
  });

  test('logical types map both ways', () => {
    assert.equal(logicalTypeOf('decimal'), 'number');
    assert.equal(logicalTypeOf('uuid'), 'string');
    assert.equal(logicalTypeOf('timestamptz'), 'timestamp');
    assert.equal(logicalTypeOf('union', ['integer', 'decimal']), 'number');
    assert.equal(logicalTypeOf('union', ['integer', 'string']), undefined);
    const fields = fieldsOfObject({ name: 't', properties: [{ name: 'id', logicalType: 'integer', required: true }, { name: 'tags', logicalType: 'array', items: { name: 'tag', logicalType: 'string' } }] });
    assert.deepEqual(fields.map((f) => [f.name, f.type, f.nullable]), [['id', 'integer', false], ['tags', 'list', true]]);
    assert.equal(fields[1]?.children?.[0]?.type, 'string');
  });

  test('rule SQL is aimed at the sample table', () => {
    const object = { name: 'orders', physicalName: 'public.orders' };
    assert.equal(onSample('SELECT COUNT(*) FROM orders WHERE x < 1', object, 'samples.s_1'), 'SELECT COUNT(*) FROM samples.s_1 WHERE x < 1');
    assert.equal(onSample('select count(*) from public."orders" join orders_archive a on true', object, 'samples.s_1'), 'select count(*) from samples.s_1 join orders_archive a on true');
    assert.equal(onSample('SELECT count(*) FROM ${object}', object, 'samples.s_1'), 'SELECT count(*) FROM samples.s_1');
    assert.equal(operatorOf({ mustBeBetween: [1, 5] })?.test(5), true);
    assert.equal(operatorOf({ mustBeLessThan: 5 })?.test(5), false);
  });

  test('a server block becomes a source, with credentials only as references', () => {
    const pg = contractSource({ server: 'wh', type: 'postgres', host: 'db', port: 5432, database: 'shop', schema: 'sales' }, [], 'c', { WH_USER: 'reader', WH_PASSWORD: 'pw' });
    assert.deepEqual(pg.definition, { name: 'wh', kind: 'postgres', host: 'db', port: 5432, database: 'shop', user: '${env:WH_USER}', password: '${env:WH_PASSWORD}' });
    assert.equal(pg.entityFor('orders'), 'sales.orders');
    assert.throws(() => contractSource({ server: 'wh', type: 'postgres', host: 'db', port: 5432, database: 'shop', customProperties: [{ property: 'password', value: 'hunter22' }] }, [], 'c', {}), /reference, never the password itself/);
    const named = contractSource({ server: 'shop', type: 'custom', format: 'sqlite', path: 'x.db' }, [{ name: 'shop', kind: 'sqlite', path: 'data/shop.sqlite' }], 'c', {});
    assert.equal(named.definition.path, 'data/shop.sqlite', 'the sources.yaml entry of the same name wins');
    assert.throws(() => contractSource({ server: 'k', type: 'kafka', host: 'b:9092' }, [], 'c', {}), /cannot be checked yet/);
  });
});
