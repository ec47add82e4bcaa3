// The pure text parsers behind the relational drivers: what PostgreSQL and MySQL print, to the plain
// values that land exactly. No server needed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { typeLabels } from '../../src/engine/drivers/mysql/types.js';
import { keyProvenance, RowShaper, UNREPRESENTABLE } from '../../src/engine/drivers/kit/relational/rows.js';
import { splitQualified } from '../../src/shared/names.js';
import { numericTypmod } from '../../src/engine/drivers/postgres/types.js';
import { dateFromText, intervalFromText, parseArrayLiteral, splitCopyLine, timestampFromText } from '../../src/engine/drivers/postgres/text-values.js';

describe('PostgreSQL text forms', () => {
  test('COPY text lines: tabs split fields, \\N is null, escapes are undone', () => {
    assert.deepEqual(splitCopyLine('1\t\\N\ttab\\there\\nnew\\\\line\t\\\\x00ff'), ['1', null, 'tab\there\nnew\\line', '\\x00ff']);
    assert.deepEqual(splitCopyLine(''), ['']);
  });

  test('array literals: nesting, quoting, NULL and bounds', () => {
    assert.deepEqual(parseArrayLiteral('{1,2,NULL,4}'), ['1', '2', null, '4']);
    assert.deepEqual(parseArrayLiteral('{{1,2},{3,4}}'), [['1', '2'], ['3', '4']]);
    assert.deepEqual(parseArrayLiteral('{"a","b c","quote\\"d",NULL,"NULL","comma,here"}'), ['a', 'b c', 'quote"d', null, 'NULL', 'comma,here']);
    assert.deepEqual(parseArrayLiteral('[0:1]={7,8}'), ['7', '8']);
    assert.deepEqual(parseArrayLiteral('{}'), []);
    assert.equal(parseArrayLiteral('not an array'), undefined);
  });

  test('timestamps keep every fraction digit, as ISO 8601 in UTC; infinity cannot land', () => {
    assert.equal(timestampFromText('2024-02-29 13:45:30.123456', false), '2024-02-29T13:45:30.123456Z');
    assert.equal(timestampFromText('2024-02-29 11:45:30.654321+00', true), '2024-02-29T11:45:30.654321Z');
    assert.equal(timestampFromText('2024-02-29 13:45:30+05:30', true), '2024-02-29T08:15:30Z');
    assert.equal(timestampFromText('0044-03-15 12:00:00 BC', false), '-000043-03-15T12:00:00Z');
    assert.equal(timestampFromText('10000-01-01 00:00:00', false), '+010000-01-01T00:00:00Z');
    assert.equal(timestampFromText('infinity', false), UNREPRESENTABLE);
    assert.equal(dateFromText('2024-02-29'), '2024-02-29');
    assert.equal(dateFromText('0001-01-01 BC'), '0000-01-01');
    assert.equal(dateFromText('-infinity'), UNREPRESENTABLE);
  });

  test('intervals keep months, days and microseconds apart', () => {
    assert.deepEqual(intervalFromText('1 year 2 mons 3 days 04:05:06.789'), { months: 14, days: 3, micros: 14_706_789_000n });
    assert.deepEqual(intervalFromText('-1 years -2 mons +3 days -04:05:06'), { months: -14, days: 3, micros: -14_706_000_000n });
    assert.deepEqual(intervalFromText('100:00:00.000001'), { months: 0, days: 0, micros: 360_000_000_001n });
    assert.deepEqual(intervalFromText('00:00:00'), { months: 0, days: 0, micros: 0n });
  });

  test('numeric typmods decode precision and (possibly negative) scale', () => {
    assert.deepEqual(numericTypmod(((12 << 16) | 4) + 4), { precision: 12, scale: 4 });
    assert.deepEqual(numericTypmod(((3 << 16) | 0x7ff) + 4), { precision: 3, scale: -1 });
    assert.equal(numericTypmod(-1), undefined);
  });
});

describe('shared relational pieces', () => {
  test('qualified names split on unquoted dots only', () => {
    assert.deepEqual(splitQualified('sales.orders', '"'), ['sales', 'orders']);
    assert.deepEqual(splitQualified('"Sales"."Order.Lines"', '"'), ['Sales', 'Order.Lines']);
    assert.deepEqual(splitQualified('`db`.`we``ird`', '`'), ['db', 'we`ird']);
  });

  test('enum and set labels come out of MySQL column types unescaped', () => {
    assert.deepEqual(typeLabels("enum('sad','ok','it''s complicated')"), ['sad', 'ok', "it's complicated"]);
    assert.deepEqual(typeLabels("set('a','b,c')"), ['a', 'b,c']);
  });

  test('a value that does not fit turns its column to text, for the whole batch, and reports the new fields', () => {
    const shaper = new RowShaper([
      { field: { name: 'n', type: 'decimal', duckType: 'DECIMAL(10,2)', nullable: false }, parse: (raw) => (raw === 'NaN' ? UNREPRESENTABLE : raw) },
      { field: { name: 'k', type: 'integer', duckType: 'INTEGER', nullable: false }, parse: (raw) => Number(raw) },
    ]);
    const first = shaper.shape([['1', '1.50', '7']], 1);
    assert.deepEqual(first, { rows: [['1.50', 7]] });
    const second = shaper.shape([['2', '2.25', null], ['3', 'NaN', '9']], 1);
    assert.deepEqual(second.rows, [['2.25', null], ['NaN', 9]]);
    assert.deepEqual(second.fields?.map((f) => [f.name, f.duckType, f.nullable]), [['n', 'VARCHAR', false], ['k', 'INTEGER', true]]);
  });

  test('key provenance: exact numbers stay numbers, wider ones text', () => {
    assert.deepEqual(keyProvenance(['id', 'code'], ['42', 'x']), { id: 42, code: 'x' });
    assert.deepEqual(keyProvenance(['id'], ['9223372036854775807']), { id: '9223372036854775807' });
  });
});
