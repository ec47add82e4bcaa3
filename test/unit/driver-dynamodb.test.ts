// The DynamoDB driver's pure decisions: exact numbers, column types, key conditions, entity types,
// the read budget and its pacing. Table-driven, with near misses.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ItemColumns } from '../../src/engine/drivers/dynamodb/columns.js';
import { accessPatterns, EntityTypes, entityTypeOf, keyPrefix } from '../../src/engine/drivers/dynamodb/entity-types.js';
import { keyCondition } from '../../src/engine/drivers/dynamodb/key-condition.js';
import { ReadPacer } from '../../src/engine/drivers/dynamodb/pacer.js';
import { readBudget } from '../../src/engine/drivers/dynamodb/tables.js';
import { decimalText, jsonText, MAX_DEPTH } from '../../src/engine/drivers/dynamodb/values.js';
import { profileSummary } from '../../src/cli/format.js';
import { dynamoError } from '../../src/engine/drivers/dynamodb/client.js';
import type { Profile } from '../../src/shared/profile.js';

describe('dynamodb: values', { timeout: 10_000 }, () => {
  test('numbers become exact decimal text, never a JS number', () => {
    const cases: [string, string | undefined, number, number][] = [
      ['12345678901234567890123456789012345678', '12345678901234567890123456789012345678', 38, 0],
      ['0.1', '0.1', 0, 1],
      ['-0.000', '0', 0, 0],
      ['1.50E+3', '1500', 4, 0],
      ['1.5e-3', '0.0015', 0, 4],
      ['007', '7', 1, 0],
      ['9007199254740993', '9007199254740993', 16, 0],
      ['+5', '5', 1, 0],
      ['.5', '0.5', 0, 1],
      ['1e', undefined, 0, 0],
      ['NaN', undefined, 0, 0],
      ['', undefined, 0, 0],
    ];
    for (const [raw, text, intDigits, scale] of cases) {
      const got = decimalText(raw);
      assert.deepEqual(got && [got.text, got.intDigits, got.scale], text === undefined ? undefined : [text, intDigits, scale], raw);
    }
  });

  test('nested values are JSON whose numbers keep every digit', () => {
    const value = { M: { big: { N: '123456789012345678901234567890.5' }, tags: { SS: ['a', 'b'] }, ns: { NS: ['1', '2.50'] }, b: { B: Uint8Array.from([1, 2]) }, l: { L: [{ NULL: true }, { BOOL: false }] } } };
    assert.equal(jsonText(value), '{"big":123456789012345678901234567890.5,"tags":["a","b"],"ns":[1,2.5],"b":"AQI=","l":[null,false]}');
  });

  test('an item nested past the limit is refused, not a crash', () => {
    let deep: { L: unknown[] } | { S: string } = { S: 'bottom' };
    for (let i = 0; i < MAX_DEPTH + 5; i++) deep = { L: [deep] };
    assert.throws(() => jsonText(deep as never), /nests deeper than/);
    let ok: { L: unknown[] } | { S: string } = { S: 'bottom' };
    for (let i = 0; i < 200; i++) ok = { L: [ok] };
    assert.ok(jsonText(ok as never).startsWith('[[[['));
  });
});

describe('dynamodb: columns', { timeout: 10_000 }, () => {
  const typesOf = (items: Record<string, unknown>[]) => {
    const columns = new ItemColumns([{ name: 'pk', letter: 'S' }]);
    columns.observe(items as never);
    return Object.fromEntries(columns.fields.map((f) => [f.name, `${f.duckType}${f.nullable ? '?' : ''} ${f.nativeType ?? ''}`.trim()]));
  };

  test('each attribute gets the narrowest exact column', () => {
    assert.deepEqual(typesOf([
      { pk: { S: 'a' }, i: { N: '1' }, d: { N: '1.25' }, big: { N: '123456789012345678901' }, huge: { N: '1E+100' }, flag: { BOOL: true }, m: { M: {} } },
      { pk: { S: 'b' }, i: { N: '9223372036854775807' }, d: { N: '3.5' }, big: { N: '1' }, huge: { N: '1' }, flag: { BOOL: false }, m: { L: [] }, late: { S: 'x' } },
    ]), {
      pk: 'VARCHAR S', i: 'BIGINT N', d: 'DECIMAL(38,2) N', big: 'DECIMAL(38,0) N', huge: 'VARCHAR N', flag: 'BOOLEAN BOOL', m: 'JSON L|M', late: 'VARCHAR? S',
    });
  });

  test('near misses: int64 bounds, mixed types, nulls, a lone sample of digits', () => {
    assert.equal(typesOf([{ pk: { S: 'a' }, v: { N: '9223372036854775808' } }]).v, 'DECIMAL(38,0) N');
    assert.equal(typesOf([{ pk: { S: 'a' }, v: { N: '-9223372036854775808' } }]).v, 'BIGINT N');
    assert.equal(typesOf([{ pk: { S: 'a' }, v: { N: '1' } }, { pk: { S: 'b' }, v: { S: 'one' } }]).v, 'VARCHAR N|S');
    assert.equal(typesOf([{ pk: { S: 'a' }, v: { NULL: true } }, { pk: { S: 'b' }, v: { N: '2' } }]).v, 'BIGINT? N|NULL');
    assert.equal(typesOf([{ pk: { S: 'a' }, v: { N: '1.0000000000000000000000000000000000001' } }]).v, 'DECIMAL(38,37) N');
    assert.equal(typesOf([{ pk: { S: 'a' }, v: { N: '10.0000000000000000000000000000000000001' } }]).v, 'VARCHAR N');
  });

  test('rows carry exact values for their columns', () => {
    const columns = new ItemColumns();
    const { rows } = columns.observe([{ n: { N: '9007199254740993' }, d: { N: '0.10' }, s: { SS: ['x'] }, b: { B: Uint8Array.from([7]) } }] as never);
    assert.deepEqual(rows[0], [9007199254740993n, '0.1', '["x"]', Uint8Array.from([7])]);
  });
});

describe('dynamodb: key conditions', { timeout: 10_000 }, () => {
  const targets = [{ partitionKey: 'pk', sortKey: 'sk' }, { index: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }, { index: 'byNum', partitionKey: 'num' }];
  const types = { pk: 'S', sk: 'S', gsi1pk: 'S', gsi1sk: 'S', num: 'N' };

  test('accepted conditions become a Query with placeholders', () => {
    const cases: [string, string | undefined, string, Record<string, unknown>][] = [
      ["pk = 'USER#1'", undefined, '#k0 = :v00', { ':v00': { S: 'USER#1' } }],
      ["pk = 'USER#1' AND begins_with(sk, 'ORDER#')", undefined, '#k0 = :v00 AND begins_with(#k1, :v10)', { ':v00': { S: 'USER#1' }, ':v10': { S: 'ORDER#' } }],
      ["begins_with(sk, 'O') and pk = 'it''s'", undefined, '#k0 = :v00 AND begins_with(#k1, :v10)', { ':v00': { S: "it's" }, ':v10': { S: 'O' } }],
      ["gsi1pk = 'ORDER' AND gsi1sk BETWEEN 'a' AND 'b'", 'gsi1', '#k0 = :v00 AND #k1 BETWEEN :v10 AND :v11', { ':v00': { S: 'ORDER' }, ':v10': { S: 'a' }, ':v11': { S: 'b' } }],
      ['num = 12.5', 'byNum', '#k0 = :v00', { ':v00': { N: '12.5' } }],
      ["pk = 'a' AND sk >= 'm'", undefined, '#k0 = :v00 AND #k1 >= :v10', { ':v00': { S: 'a' }, ':v10': { S: 'm' } }],
    ];
    for (const [where, index, expression, values] of cases) {
      const got = keyCondition(where, targets, types);
      assert.deepEqual([got.index, got.expression, got.values], [index, expression, values], where);
    }
  });

  test('anything but a key condition is refused with the reason', () => {
    const cases: [string, RegExp][] = [
      ["pk = 'a' OR pk = 'b'", /OR is not allowed/],
      ["NOT pk = 'a'", /NOT is not allowed/],
      ["pk IN ('a')", /IN is not allowed/],
      ["sk = 'a'", /not the partition key/],
      ["pk > 'a'", /not the partition key/],
      ["pk = 'a' AND other = 'b'", /not the partition key.*keys: the table: pk/],
      ["pk = 'a' AND gsi1sk = 'b'", /not the partition key/],
      ["pk = 'a' AND sk = 'b' AND sk = 'c'", /at most two parts/],
      ["pk = 'a' AND contains(sk, 'x')", /contains\(\) is not allowed.*filter function/],
      ["pk = 'a' AND attribute_exists(sk)", /attribute_exists\(\) is not allowed/],
      ["pk <> 'a'", /<> is not allowed/],
      ['pk = 5', /text key: compare it with a quoted value/],
      ["num = '5'", /number key/],
      ["pk = 'a'; DROP", /unexpected ';'/],
      ['pk =', /ends where a value was expected/],
      ['', /empty/],
      ["(pk = 'a')", /parentheses/],
    ];
    for (const [where, error] of cases) assert.throws(() => keyCondition(where, targets, types), error, where);
  });
});

describe('dynamodb: single-table entity types', { timeout: 10_000 }, () => {
  const keys = { partitionKey: 'pk', sortKey: 'sk' };
  test('type attribute, then sort-key prefix, then partition-key prefix', () => {
    const cases: [Record<string, unknown>, string | undefined][] = [
      [{ pk: { S: 'USER#1' }, sk: { S: 'PROFILE' } }, 'USER'],
      [{ pk: { S: 'USER#1' }, sk: { S: 'ORDER#7' } }, 'ORDER'],
      [{ pk: { S: 'USER#1' }, sk: { S: '#META#1' } }, 'USER'],
      [{ pk: { S: 'USER#1' }, sk: { S: 'ORDER#7' }, Type: { S: 'Invoice' } }, 'Invoice'],
      [{ pk: { S: 'USER#1' }, entity_type: { S: 'Shipment' } }, 'Shipment'],
      [{ pk: { S: 'USER#1' }, type: { N: '3' } }, 'USER'],
      [{ pk: { S: 'plain' }, sk: { S: 'also plain' } }, undefined],
      [{ pk: { N: '1' } }, undefined],
      [{ pk: { S: '#1' } }, undefined],
    ];
    for (const [item, type] of cases) assert.equal(entityTypeOf(item as never, keys)?.type, type, JSON.stringify(item));
    assert.equal(keyPrefix('ORDER#2024#1'), 'ORDER');
    assert.equal(keyPrefix('9AB#1'), undefined);
  });

  test('a configured type attribute is the only one read', () => {
    assert.equal(entityTypeOf({ pk: { S: 'USER#1' }, type: { S: 'X' }, cls: { S: 'Y' } } as never, keys, 'cls')?.type, 'Y');
    assert.equal(entityTypeOf({ pk: { S: 'USER#1' }, type: { S: 'X' } } as never, keys, 'cls')?.type, 'USER');
  });

  test('access patterns follow the keys and the indexes each type appears in', () => {
    const targets = [keys, { index: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }];
    const types = new EntityTypes(targets);
    types.observe({ pk: { S: 'USER#1' }, sk: { S: 'PROFILE#1' } } as never);
    types.observe({ pk: { S: 'USER#1' }, sk: { S: 'ORDER#1' }, gsi1pk: { S: 'ORDER#1' }, gsi1sk: { S: 'ORDER#1' } } as never);
    assert.deepEqual(accessPatterns(targets, types.types.values()), [
      "PROFILE: Query the table by pk = 'USER#…' AND begins_with(sk, 'PROFILE#')",
      "ORDER: Query the table by pk = 'USER#…' AND begins_with(sk, 'ORDER#')",
      "ORDER: Query index gsi1 by gsi1pk = 'ORDER#…' AND begins_with(gsi1sk, 'ORDER#')",
    ]);
    assert.match(types.summary(), /^2 entity types: ORDER 1 \(by sort key\), PROFILE 1 \(by sort key\)$/);
  });
});

describe('dynamodb: read budget', { timeout: 10_000 }, () => {
  test('the default is a share of provisioned capacity, or a fixed on-demand budget', () => {
    assert.equal(readBudget({ billing: 'PROVISIONED', readCapacity: 100 }, undefined).unitsPerSecond, 10);
    assert.equal(readBudget({ billing: 'PROVISIONED', readCapacity: 5 }, undefined).unitsPerSecond, 1);
    assert.equal(readBudget({ billing: 'PAY_PER_REQUEST' }, undefined).unitsPerSecond, 25);
    assert.equal(readBudget({ billing: 'PROVISIONED', readCapacity: 100 }, 3).unitsPerSecond, 3);
  });

  test('requests wait until the consumed capacity fits the budget since the read began', () => {
    let now = 0;
    const pacer = new ReadPacer(5, 4096, () => now);
    assert.equal(pacer.pageItems(1000), 1, 'the first page costs half a unit at most');
    assert.equal(pacer.estimate(1), 1, 'the first page is expected to cost a whole unit');
    assert.equal(pacer.delayFor(1), 200);
    now = 100;
    pacer.record(1, 10, 0.5);
    assert.equal(pacer.pageItems(1000), 50, 'one second of budget at 0.1 RCU per item');
    assert.equal(pacer.delayFor(5), 1100, 'consumed 1 + expected 5 = 6 RCU fits 5 RCU/s at 1.2 s');
    assert.equal(pacer.pageItems(20), 20, 'never more than wanted');
    assert.equal(pacer.pageItems(1000, 5), 10, 'parallel segments share the budget');
  });
});

describe('dynamodb: entity types in the CLI profile', { timeout: 10_000 }, () => {
  test('one column per entity type, one row per field, side by side', () => {
    const field = (name: string, presence: number) => ({ name, duckType: 'VARCHAR', present: presence * 10, presence });
    const profile = {
      rows: 20, durationMs: 1, fields: [], queries: [], notes: [],
      facts: {
        lag: [], keyCandidates: [], duplicates: { rows: 20, distinctRows: 20, duplicateRows: 0, maxCopies: 1, columns: [] },
        entityTypes: { sharedFields: ['pk'], basis: { rows: 20, method: 'exact' }, types: [
          { type: 'USER', rows: 10, fields: [field('pk', 1), field('email', 0.5)] },
          { type: 'ORDER', rows: 10, fields: [field('pk', 1), field('total', 1)] },
        ] },
      },
    };
    const text = profileSummary(profile as unknown as Profile);
    const lines = text.split('\n');
    const header = lines.find((l) => l.includes('USER (10)'));
    assert.ok(header?.includes('ORDER (10)'), text);
    const email = lines.find((l) => l.trimStart().startsWith('email'))!;
    assert.match(email, /50% VARCHAR/);
    assert.doesNotMatch(email, /100%/, 'ORDER items carry no email');
  });
});

describe('dynamodb: attribute names as columns', { timeout: 10_000 }, () => {
  test('names differing only in case, and the landing\'s own _hw_ names, get columns of their own', () => {
    const columns = new ItemColumns([{ name: 'pk', letter: 'S' }]);
    const { rows } = columns.observe([{ pk: { S: 'a' }, name: { S: 'lower' }, Name: { S: 'upper' }, NAME: { S: 'caps' }, _hw_provenance: { S: 'mine' }, PK: { S: 'other' } }] as never);
    assert.deepEqual(columns.fields.map((f) => f.name), ['pk', 'name', 'Name_2', 'NAME_3', 'attr_hw_provenance', 'PK_2']);
    assert.deepEqual(rows[0], ['a', 'lower', 'upper', 'caps', 'mine', 'other']);
  });
});

describe('dynamodb: errors', { timeout: 10_000 }, () => {
  const source = { name: 'ddb', kind: 'dynamodb', url: 'dynamodb://eu-west-1', options: { endpoint: 'http://127.0.0.1:8000', accessKeyId: 'AKIA', secretAccessKey: 's3cr3t-value' }, secrets: ['s3cr3t-value'], baseDir: '/tmp' };
  test('each cause is said in words, naming the source and where it is; no JS error text, no secret', () => {
    const cases: [unknown, RegExp][] = [
      [Object.assign(new Error('The security token included in the request is invalid.'), { name: 'UnrecognizedClientException' }), /credentials were refused while reading \(UnrecognizedClientException\)/],
      [Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }), /reading: table 'orders' does not exist/],
      [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' }), /cannot reach the endpoint while reading: connection refused \(ECONNREFUSED\)/],
      [Object.assign(new SyntaxError('Unexpected token \'<\''), { $metadata: { httpStatusCode: 500 } }), /answered HTTP 500 with a body the DynamoDB API does not send/],
      [Object.assign(new SyntaxError('Unexpected token \'<\''), { $metadata: { httpStatusCode: 403 } }), /credentials were refused/],
      [new TypeError('x is not a constructor'), /failed inside Headwater's DynamoDB driver \(TypeError\)\.$/],
      [Object.assign(new Error('bad key s3cr3t-value'), { name: 'ValidationException' }), /the request was refused: bad key \*\*\*/],
    ];
    for (const [error, expected] of cases) {
      const restated = dynamoError(source, 'reading', error, 'orders');
      assert.match(restated.message, /^DynamoDB source 'ddb' at 127\.0\.0\.1:8000 \(eu-west-1\): /);
      assert.match(restated.message, expected);
      assert.doesNotMatch(restated.message, /not a constructor|Unexpected token|s3cr3t-value/);
    }
  });
});
