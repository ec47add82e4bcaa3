// The MongoDB driver's pure parts on real BSON bytes built with the `bson` package: decoding into
// unified types (including Decimal128, Timestamp, MinKey/MaxKey and Regex, which FerretDB 1.x cannot
// store: it closes the connection on Decimal128), the column builder, the --where check, random
// _id ranges and the $jsonSchema reading. Table-driven, with near misses.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as BSON from 'bson';
import { bsonKind, decimalText, plainValue, provenanceText } from '../../src/engine/drivers/mongodb/bson.js';
import { columnDuckType, DocumentFields, MAX_COLUMNS, OVERFLOW_COLUMN } from '../../src/engine/drivers/mongodb/fields.js';
import { filterProblem, parseFilter } from '../../src/engine/drivers/mongodb/filter.js';
import { drawPoints, idSpace, rangePlan } from '../../src/engine/drivers/mongodb/ranges.js';
import { validatorDisagreements, validatorFields } from '../../src/engine/drivers/mongodb/schema.js';
import { markValue, provenanceOf } from '../../src/engine/drivers/mongodb/sample.js';
import { HeadwaterError } from '../../src/shared/errors.js';

const options = { timeout: 30_000 };

/** A value through real BSON bytes, decoded as the driver decodes (promoteValues: false). */
function roundTrip(value: unknown): unknown {
  const bytes = BSON.serialize({ v: value });
  return BSON.deserialize(bytes, { promoteValues: false, bsonRegExp: true, validation: { utf8: false } }).v as unknown;
}

describe('BSON values to unified types, from BSON bytes', options, () => {
  const oid = new BSON.ObjectId('65a1b2c3d4e5f60718293a4b');
  const uuid = new BSON.UUID('123e4567-e89b-12d3-a456-426614174000');
  const rows: [string, unknown, string, string, unknown][] = [
    ['Int32', new BSON.Int32(7), 'integer', 'int', 7],
    ['Double holding a whole number stays a float', new BSON.Double(1), 'float', 'double', 1],
    ['Long above 2^53 stays exact', BSON.Long.fromString('9007199254740993'), 'integer', 'long', 9007199254740993n],
    ['Long at -2^63', BSON.Long.fromString('-9223372036854775808'), 'integer', 'long', -9223372036854775808n],
    ['Decimal128 keeps its trailing zero', BSON.Decimal128.fromString('1.50'), 'decimal', 'decimal', '1.50'],
    ['Decimal128 in exponent form', BSON.Decimal128.fromString('-1.5E+3'), 'decimal', 'decimal', '-1500'],
    ['Decimal128 small', BSON.Decimal128.fromString('1E-7'), 'decimal', 'decimal', '0.0000001'],
    ['Decimal128 NaN is text', BSON.Decimal128.fromString('NaN'), 'string', 'decimal', 'NaN'],
    ['Decimal128 beyond 38 digits is text', BSON.Decimal128.fromString('1E+40'), 'string', 'decimal', '1E+40'],
    ['ObjectId as its hex', oid, 'string', 'objectId', '65a1b2c3d4e5f60718293a4b'],
    ['Timestamp keeps seconds and increment', new BSON.Timestamp({ t: 1_700_000_000, i: 3 }), 'struct', 'timestamp', { t: 1_700_000_000, i: 3 }],
    ['UUID', uuid, 'uuid', 'binData(uuid)', '123e4567-e89b-12d3-a456-426614174000'],
    ['generic Binary as bytes', new BSON.Binary(Buffer.from('hi'), 0), 'binary', 'binData', new Uint8Array(Buffer.from('hi'))],
    ['user Binary keeps its subtype', new BSON.Binary(Buffer.from('hi'), 128), 'binary', 'binData(subtype 128)', { subtype: 128, data: new Uint8Array(Buffer.from('hi')) }],
    ['Regex', new BSON.BSONRegExp('a+/b', 'i'), 'string', 'regex', '/a+/b/i'],
    ['MinKey', new BSON.MinKey(), 'json', 'minKey', { $minKey: 1 }],
    ['MaxKey', new BSON.MaxKey(), 'json', 'maxKey', { $maxKey: 1 }],
    ['Date', new Date('2024-01-02T03:04:05.678Z'), 'timestamptz', 'date', new Date('2024-01-02T03:04:05.678Z')],
    ['null', null, 'null', 'null', null],
    ['nested document', { a: new BSON.Int32(1), b: { c: BSON.Long.fromString('9007199254740993') } }, 'struct', 'object', { a: 1, b: { c: 9007199254740993n } }],
    ['array', [new BSON.Int32(1), 'x'], 'list', 'array', [1, 'x']],
  ];
  for (const [name, value, type, native, plain] of rows) {
    test(name, () => {
      const decoded = roundTrip(value);
      assert.deepEqual(bsonKind(decoded), { type, native });
      const got = plainValue(decoded);
      const bytes = (v: unknown) => (v instanceof Uint8Array ? new Uint8Array(v) : v);
      const normal = got !== null && typeof got === 'object' && 'subtype' in got ? { ...got, data: bytes((got as unknown as { data: unknown }).data) } : bytes(got);
      assert.deepEqual(normal, plain);
    });
  }
});

describe('decimalText', options, () => {
  const rows: [string, string | undefined][] = [
    ['0', '0'], ['-0', '-0'], ['1.50', '1.50'], ['1.5E+3', '1500'], ['1.5E-3', '0.0015'], ['12345678901234567890123456789012345678', '12345678901234567890123456789012345678'],
    ['123456789012345678901234567890123456789', undefined], ['1E-38', '0.00000000000000000000000000000000000001'], ['1E-39', undefined],
    ['Infinity', undefined], ['-Infinity', undefined], ['NaN', undefined], ['1E+6144', undefined], ['abc', undefined],
  ];
  for (const [text, expected] of rows) test(`${text} → ${String(expected)}`, () => assert.equal(decimalText(text), expected));
});

describe('the columns of documents', options, () => {
  const decode = (docs: Record<string, unknown>[]) => docs.map((d) => BSON.deserialize(BSON.serialize(d), { promoteValues: false, bsonRegExp: true }));

  test('a Double and an Int32 field are typed by BSON type, and a later Int64 above 2^53 lands exact', () => {
    const builder = new DocumentFields();
    const first = builder.observe(decode([{ _id: new BSON.Int32(1), price: new BSON.Double(2), qty: new BSON.Int32(3) }]));
    assert.deepEqual(first.fields?.map((f) => [f.name, f.type, f.duckType, f.nativeType, f.nullable]), [
      ['_id', 'integer', 'BIGINT', 'int', false], ['price', 'float', 'DOUBLE', 'double', false], ['qty', 'integer', 'BIGINT', 'int', false],
    ]);
    const second = builder.observe(decode([{ _id: new BSON.Int32(2), qty: BSON.Long.fromString('9007199254740993') }]));
    assert.deepEqual(second.rows, [[2, undefined, 9007199254740993n]]);
    assert.deepEqual(second.fields?.map((f) => [f.name, f.nativeType, f.nullable]), [['_id', 'int', false], ['price', 'double', true], ['qty', 'int | long', false]]);
  });

  test('an int in one document and a string in another widen to JSON, keeping each value', () => {
    const builder = new DocumentFields();
    const batch = builder.observe(decode([{ v: new BSON.Int32(1) }, { v: 'one' }]));
    assert.deepEqual(batch.fields?.map((f) => [f.type, f.duckType, f.nativeType]), [['json', 'JSON', 'int | string']]);
    assert.deepEqual(batch.rows, [[1], ['"one"']]);
  });

  test('decimal columns take the widest scale seen; more than 38 digits lands as exact text', () => {
    const builder = new DocumentFields();
    const batch = builder.observe(decode([{ d: BSON.Decimal128.fromString('1.5') }, { d: BSON.Decimal128.fromString('-12.125') }]));
    assert.deepEqual(batch.fields?.map((f) => [f.type, f.duckType]), [['decimal', 'DECIMAL(38,3)']]);
    assert.deepEqual(batch.rows, [['1.5'], ['-12.125']]);
    assert.equal(columnDuckType('decimal', 30, 9), 'VARCHAR');
    assert.equal(columnDuckType('decimal', 29, 9), 'DECIMAL(38,9)');
  });
});

describe('a document keyed by data', options, () => {
  test(`fields past ${MAX_COLUMNS} columns share one JSON column, whatever the batch`, () => {
    const builder = new DocumentFields();
    const wide = (from: number) => Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`k${from + i}`, new BSON.Int32(i)]));
    const batch = builder.observe([{ _id: new BSON.Int32(1), ...wide(0) }, { _id: new BSON.Int32(2), ...wide(400) }]);
    const names = batch.fields!.map((f) => f.name);
    assert.equal(names.length, MAX_COLUMNS);
    assert.equal(names[names.length - 1], OVERFLOW_COLUMN);
    const overflow = batch.rows[1]![MAX_COLUMNS - 1] as Record<string, unknown>;
    assert.equal(Object.keys(overflow).length, 800 - (MAX_COLUMNS - 2));
    assert.equal(overflow.k799, 399);
    assert.equal(builder.observe([{ _id: new BSON.Int32(3), k5000: new BSON.Int32(1) }]).fields, undefined, 'a later new field goes into the same column (no new column)');
  });
});

describe('--where', options, () => {
  const rows: [string, unknown, boolean][] = [
    ['a plain filter', { status: 'a', total: { $gt: 1 } }, true],
    ['$expr without code', { $expr: { $gt: ['$a', '$b'] } }, true],
    ['a field named where (near miss)', { where: 1, $whereabouts: 2 }, true],
    ['$where at the top', { $where: 'true' }, false],
    ['$function inside $expr', { $expr: { $function: { body: 'x', args: [], lang: 'js' } } }, false],
    ['$accumulator inside an array', { $or: [{ a: 1 }, { $expr: { $accumulator: {} } }] }, false],
    ['an array is not a filter', [{ a: 1 }], false],
    ['a string is not a filter', 'a', false],
  ];
  for (const [name, filter, ok] of rows) test(name, () => assert.equal(filterProblem(filter) === undefined, ok, filterProblem(filter)));

  test('a deeply nested filter is refused', () => {
    let deep: Record<string, unknown> = { a: 1 };
    for (let i = 0; i < 100; i++) deep = { $and: [deep] };
    assert.match(filterProblem(deep) ?? '', /nests deeper/);
  });

  test('parseFilter names the source, the collection and the cause, and reads Extended JSON', () => {
    const where = { source: 'shop', entity: 'db.orders' };
    const parse = (text: string) => BSON.EJSON.parse(text, { relaxed: false });
    assert.throws(() => parseFilter('{"$where": "sleep(1000)"}', parse, where), (e: unknown) => e instanceof HeadwaterError && /'shop'.*'db\.orders'.*\$where/.test(e.message));
    assert.throws(() => parseFilter('{status: 1}', parse, where), (e: unknown) => e instanceof HeadwaterError && /not JSON/.test(e.message));
    const parsed = parseFilter('{"_id": {"$oid": "65a1b2c3d4e5f60718293a4b"}}', parse, where);
    assert.ok(parsed._id instanceof BSON.ObjectId);
  });
});

describe('random _id ranges', options, () => {
  test('ObjectId space: points drawn over creation time, ascending, within the ends', () => {
    // Same second, other process part: the points still cover the whole time span, not the gap between the random parts.
    const space = idSpace(new BSON.ObjectId('65000000aaaaaaaaaa000001'), new BSON.ObjectId('65000100000000000000ffff'));
    assert.deepEqual(space, { kind: 'objectId', min: 0x65000000, max: 0x65000100 });
    let seed = 1;
    const points = drawPoints(space as Exclude<typeof space, string>, 50, () => ((seed = (seed * 16807) % 2147483647) / 2147483647)) as { objectIdHex: string }[];
    const hex = points.map((p) => p.objectIdHex);
    assert.deepEqual([...hex].sort(), hex);
    assert.ok(hex.every((h) => h.length === 24 && h.endsWith('0000000000000000') && h >= '650000000000000000000000' && h <= '650001000000000000000000'), hex.join(' '));
    assert.ok(new Set(hex).size > 40, 'points spread over the span');
  });
  test('mixed or string _ids have no range space', () => {
    assert.match(String(idSpace('a', 'z')), /not two ObjectIds, numbers or dates/);
    assert.equal(typeof idSpace(new BSON.Int32(1), new BSON.Double(9.5)), 'object');
    assert.equal(typeof idSpace(new BSON.Int32(1), new BSON.ObjectId()), 'string');
  });
  test('rangePlan', () => {
    assert.deepEqual(rangePlan(1000, 100), { ranges: 100, perRange: 10 });
    assert.deepEqual(rangePlan(5, 100), { ranges: 5, perRange: 1 });
    assert.deepEqual(rangePlan(1001, 100), { ranges: 100, perRange: 11 });
  });
});

describe('provenance and high-water marks', options, () => {
  test('an ObjectId _id gives its hex and its creation time', () => {
    const id = new BSON.ObjectId('65a1b2c3d4e5f60718293a4b');
    assert.deepEqual(provenanceOf({ _id: id, at: new Date('2024-01-01T00:00:00Z') }, 'at'), { _id: '65a1b2c3d4e5f60718293a4b', _id_time: '2024-01-12T21:44:35.000Z', at: '2024-01-01T00:00:00.000Z' });
    assert.equal(provenanceText(BSON.Long.fromString('9007199254740993')), '9007199254740993');
  });
  test('an incremental cursor may be a dotted path', () => {
    assert.deepEqual(provenanceOf({ _id: 7, audit: { at: new Date('2024-02-03T04:05:06Z') } }, 'audit.at'), { _id: 7, 'audit.at': '2024-02-03T04:05:06.000Z' });
    assert.deepEqual(provenanceOf({ _id: 7, audit: [1] }, 'audit.at'), { _id: 7 });
  });
  test('markValue turns the text back into the BSON value', () => {
    assert.ok(markValue('65a1b2c3d4e5f60718293a4b', BSON) instanceof BSON.ObjectId);
    assert.ok(markValue('2024-01-01T00:00:00.000Z', BSON) instanceof Date);
    assert.equal(markValue('65a1b2c3d4e5f60718293a4', BSON), '65a1b2c3d4e5f60718293a4');
    assert.equal(markValue(42, BSON), 42);
  });
});

describe('$jsonSchema validator as the native schema', options, () => {
  test('bsonType, required, nested properties and items', () => {
    const fields = validatorFields({
      bsonType: 'object', required: ['_id', 'total'],
      properties: {
        _id: { bsonType: 'objectId' }, total: { bsonType: 'decimal' }, note: { bsonType: ['string', 'null'] },
        status: { enum: ['new', 'paid'] }, lines: { bsonType: 'array', items: { bsonType: 'object', properties: { sku: { bsonType: 'string' } } } },
        either: { bsonType: ['int', 'string'] },
      },
    });
    assert.deepEqual(fields.map((f) => [f.name, f.type, f.nullable, f.nativeType]), [
      ['_id', 'string', false, 'objectId'], ['total', 'decimal', false, 'decimal'], ['note', 'string', true, 'string | null'],
      ['status', 'json', true, undefined], ['lines', 'list', true, 'array'], ['either', 'union', true, 'int | string'],
    ]);
    assert.deepEqual(fields[3]!.enumValues, ['new', 'paid']);
    assert.deepEqual(fields[4]!.children?.[0]?.children?.map((c) => c.name), ['sku']);
  });
});

describe('$jsonSchema validator vs the documents read', options, () => {
  const schema = {
    bsonType: 'object', required: ['_id', 'total', 'status'], additionalProperties: false,
    properties: { _id: { bsonType: 'objectId' }, total: { bsonType: 'number' }, status: { bsonType: 'string' }, note: { bsonType: ['string', 'null'] }, blob: { bsonType: 'binData' } },
  };
  const decode = (docs: Record<string, unknown>[]) => docs.map((d) => BSON.deserialize(BSON.serialize(d), { promoteValues: false, bsonRegExp: true }));

  test('documents that agree give nothing (number covers int, long, double and decimal; binData any subtype)', () => {
    const builder = new DocumentFields();
    builder.observe(decode([
      { _id: new BSON.ObjectId(), total: new BSON.Int32(1), status: 'new', note: null, blob: new BSON.Binary(Buffer.from('x'), 128) },
      { _id: new BSON.ObjectId(), total: BSON.Decimal128.fromString('1.5'), status: 'paid' },
    ]));
    assert.deepEqual(validatorDisagreements(schema, builder.observed), []);
  });

  test('a missing required field, a type the validator does not allow and a forbidden field are each said, with counts', () => {
    const builder = new DocumentFields();
    builder.observe(decode([
      { _id: new BSON.ObjectId(), total: '12', status: 'new' },
      { _id: new BSON.ObjectId(), total: new BSON.Int32(3), extra: 1 },
      { _id: new BSON.ObjectId(), total: new BSON.Double(2.5), status: null },
    ]));
    const found = validatorDisagreements(schema, builder.observed);
    assert.deepEqual(found.map((d) => d.note), [
      "'total' is declared number but holds string",
      "'status' is required by the validator but missing from 1 of 3 documents",
      "'status' is declared string but holds null",
      "'extra' is a field the validator forbids (additionalProperties: false), yet 1 of 3 documents hold it",
    ]);
    // In the same native-vs-observed list relational tables use (Engine.nativeVsObserved), with their kinds.
    assert.deepEqual(found.map((d) => [d.field, d.kind]), [['total', 'type-mismatch'], ['status', 'required-missing'], ['status', 'type-mismatch'], ['extra', 'undeclared-field']]);
    assert.equal(found[0]!.declared, '$jsonSchema number, required');
    assert.equal(found[0]!.observed, 'string | int | double');
  });
});
