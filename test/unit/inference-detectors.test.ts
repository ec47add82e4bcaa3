import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  STRING_DETECTORS, detectStringFormat, epochFormat, epochRange, isBooleanString, isEmail, isIdLikeKey, isIpv4Address, isIpv6Address,
  isJsonString, isTimeLikeName, isUri, isUuid, isoTemporalFormat, nameWords, numericStringFormat,
} from '../../src/engine/inference/detectors.js';
import { decimalScale } from '../../src/engine/inference/infer.js';
import type { StringFormat } from '../../src/engine/inference/types.js';

/** Runs a table of [input, expected] through a pure function, one test per row. */
function table<I, O>(name: string, fn: (input: I) => O, rows: [I, O][]): void {
  describe(name, () => {
    for (const [input, expected] of rows) {
      test(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => assert.deepEqual(fn(input), expected));
    }
  });
}

table('isUuid', isUuid, [
  ['123e4567-e89b-12d3-a456-426614174000', true],
  ['123E4567-E89B-12D3-A456-426614174000', true],
  ['00000000-0000-0000-0000-000000000000', true],
  ['123e4567e89b12d3a456426614174000', false],
  ['123e4567-e89b-12d3-a456-42661417400', false],
  ['123e4567-e89b-12d3-a456-4266141740000', false],
  ['123e4567-e89b-12d3-a456_426614174000', false],
  ['g23e4567-e89b-12d3-a456-426614174000', false],
  ['{123e4567-e89b-12d3-a456-426614174000}', false],
  ['123e4567-e89b-12d3-a456-42661417400é', false],
  ['', false],
]);

table('isEmail', isEmail, [
  ['ada@example.com', true],
  ['first.last+tag@mail.example.co.uk', true],
  ["o'brien@example.ie", true],
  ['josé@exämple.com', true],
  ['用户@例子.广告', true],
  ['a@b.co', true],
  ['ada@localhost', false],
  ['@example.com', false],
  ['ada@', false],
  ['ada@@example.com', false],
  ['.ada@example.com', false],
  ['ada.@example.com', false],
  ['a..da@example.com', false],
  ['ada@-example.com', false],
  ['ada@example-.com', false],
  ['ada@example..com', false],
  ['Ada Lovelace <ada@example.com>', false],
  ['ada @example.com', false],
  ['mailto:ada@example.com', false],
]);

table('isUri', isUri, [
  ['https://shop.example.com/p/sku?x=1#top', true],
  ['http://localhost:8080', true],
  ['s3://bucket/key', true],
  ['postgres://user@db:5432/app', true],
  ['mailto:ada@example.com', true],
  ['urn:isbn:0451450523', true],
  ['file:///etc/hosts', true],
  ['data:text/plain;base64,SGVsbG8=', true],
  ['note: call back', false],
  ['https://', false],
  ['https:// example.com', false],
  ['/relative/path', false],
  ['example.com', false],
  ['12:30:00', false],
  ['', false],
]);

table('isIpv4Address', isIpv4Address, [
  ['192.168.0.1', true],
  ['0.0.0.0', true],
  ['255.255.255.255', true],
  ['256.1.1.1', false],
  ['1.2.3', false],
  ['01.2.3.4', false],
  ['1.2.3.4.5', false],
  ['a.b.c.d', false],
]);

table('isIpv6Address', isIpv6Address, [
  ['::1', true],
  ['2001:db8::1', true],
  ['fe80::1%eth0', true],
  ['::ffff:192.168.0.1', true],
  ['2001:0db8:0000:0000:0000:ff00:0042:8329', true],
  ['2001:db8::g', false],
  ['12:30:45', false],
  ['1:2:3:4:5:6:7:8:9', false],
  [':', false],
]);

table('isoTemporalFormat', isoTemporalFormat, [
  ['2024-03-01', 'date'],
  ['2024-02-29', 'date'],
  ['2023-02-29', undefined],
  ['2024-13-01', undefined],
  ['2024-04-31', undefined],
  ['2024-3-1', undefined],
  ['10:20:30', 'time'],
  ['23:59:60.123456', 'time'],
  ['24:00:00', undefined],
  ['10:20', undefined],
  ['2024-03-01T10:20', 'timestamp'],
  ['2024-03-01T10:20:30', 'timestamp'],
  ['2024-03-01 10:20:30.123', 'timestamp'],
  ['2024-03-01t10:20:30,5', 'timestamp'],
  ['2024-03-01T10:20:30Z', 'timestamptz'],
  ['2024-03-01T10:20:30.123456789Z', 'timestamptz'],
  ['2024-03-01T10:20:30+02:00', 'timestamptz'],
  ['2024-03-01T10:20:30-0530', 'timestamptz'],
  ['2024-03-01T10:20:30+02', 'timestamptz'],
  ['2024-03-01T10:20:30+19:00', undefined],
  ['2024-03-01T10:20:30+02:60', undefined],
  ['2024-03-01T10:20:30.1234567890Z', undefined],
  ['2024-03-01T25:00:00Z', undefined],
  ['2024-03-01T10:20:30Zulu', undefined],
  ['2024-03-01X10:20:30', undefined],
  ['20240301', undefined],
]);

table('numericStringFormat', numericStringFormat, [
  ['42', 'integer'],
  ['-7', 'integer'],
  ['+7', 'integer'],
  ['007', 'integer'],
  ['3.14', 'decimal'],
  ['-0.5', 'decimal'],
  ['.5', 'decimal'],
  ['5.', 'decimal'],
  ['1e6', 'decimal'],
  ['6.02E+23', 'decimal'],
  ['1,000', undefined],
  ['1.2.3', undefined],
  ['12abc', undefined],
  ['-', undefined],
  ['', undefined],
  [' 42', undefined],
  ['NaN', undefined],
]);

table('isBooleanString', isBooleanString, [
  ['true', true],
  ['FALSE', true],
  ['Yes', true],
  ['n', true],
  ['off', true],
  ['1', false],
  ['0', false],
  ['truthy', false],
  ['', false],
]);

table('isJsonString', isJsonString, [
  ['{"a":1}', true],
  ['[1,2,3]', true],
  ['[]', true],
  ['{}', true],
  ['{"a":1', false],
  ['{a:1}', false],
  ['"text"', false],
  ['42', false],
  ['[not json]', false],
]);

describe('detectStringFormat', () => {
  const rows: [string, StringFormat | undefined][] = [
    ['123e4567-e89b-12d3-a456-426614174000', 'uuid'],
    ['ada@example.com', 'email'],
    ['https://example.com/x', 'uri'],
    ['10.0.0.1', 'ipv4'],
    ['::1', 'ipv6'],
    ['2024-03-01', 'date'],
    ['10:20:30', 'time'],
    ['2024-03-01T10:20:30', 'timestamp'],
    ['2024-03-01T10:20:30Z', 'timestamptz'],
    ['1000042', 'integer-string'],
    ['19.99', 'decimal-string'],
    ['yes', 'boolean-string'],
    ['{"nested":[1,2]}', 'json-string'],
    ['hello world', undefined],
    ['', undefined],
    ['Zürich', undefined],
  ];
  for (const [text, expected] of rows) {
    test(`${JSON.stringify(text)} → ${expected ?? 'plain'}`, () => {
      assert.equal(detectStringFormat(text), expected);
      const first = STRING_DETECTORS.find((d) => d.test(text));
      assert.equal(first?.format, expected, 'the same answer as walking STRING_DETECTORS in order');
    });
  }

  test('detectors are mutually exclusive on every example (so a path may try its usual format first)', () => {
    for (const [text] of rows) {
      const matching = STRING_DETECTORS.filter((d) => d.test(text)).map((d) => d.format);
      assert.ok(matching.length <= 1, `${text} matches ${matching.join(', ')}`);
    }
  });

  test('the order is uuid, email, URI, IP, ISO temporal, numeric, boolean, JSON', () => {
    assert.deepEqual(STRING_DETECTORS.map((d) => d.format), [
      'uuid', 'email', 'uri', 'ipv4', 'ipv6', 'date', 'time', 'timestamp', 'timestamptz', 'integer-string', 'decimal-string', 'boolean-string', 'json-string',
    ]);
  });
});

table('nameWords', nameWords, [
  ['created_at', ['created', 'at']],
  ['sentAt', ['sent', 'at']],
  ['event-time', ['event', 'time']],
  ['TS', ['ts']],
  ['user.lastSeenOn', ['user', 'last', 'seen', 'on']],
]);

table('isTimeLikeName', isTimeLikeName, [
  ['ts', true],
  ['created_at', true],
  ['updatedAt', true],
  ['event_time', true],
  ['expiry_date', true],
  ['timestamp', true],
  ['amount', false],
  ['latitude', false],
  ['status', false],
  ['count', false],
]);

describe('epochFormat (by name and range)', () => {
  const rows: [string, number, string | undefined][] = [
    ['created_at', 1_700_000_000, 'epoch-seconds'],
    ['ts', 1_700_000_000_123, 'epoch-millis'],
    ['sentAt', 946_684_800, 'epoch-seconds'],
    ['updated', 4_102_444_800_000, 'epoch-millis'],
    ['created_at', 12_345, undefined],
    ['created_at', 5_000_000_000, undefined],
    ['amount', 1_700_000_000, undefined],
    ['user_id', 1_700_000_000_123, undefined],
  ];
  for (const [name, value, expected] of rows) {
    test(`${name} = ${value} → ${expected ?? 'none'}`, () => assert.equal(epochFormat(name, value), expected));
  }
  test('the range alone', () => {
    assert.equal(epochRange(1_700_000_000), 'epoch-seconds');
    assert.equal(epochRange(1_700_000_000_000), 'epoch-millis');
    assert.equal(epochRange(1_700_000_000_000_000), undefined);
  });
});

table('isIdLikeKey', isIdLikeKey, [
  ['12345', true],
  ['2024-03-01', true],
  ['123e4567-e89b-12d3-a456-426614174000', true],
  ['sku_1042', true],
  ['u42', true],
  ['deadbeef01', true],
  ['10.0.0.1', true],
  ['ada@example.com', true],
  ['name', false],
  ['q1', false],
  ['user_id', false],
  ['deadbeef', false],
]);

describe('decimalScale', () => {
  const rows: [number, number][] = [
    [12.99, 2],
    [0.5, 1],
    [-3.125, 3],
    [123456789.12, 2],
    [0.000001, 6],
    [0.1 + 0.2, 0],
    [Math.PI, 0],
    [1e-9, 0],
    [1e16 + 0.5, 0],
  ];
  for (const [value, expected] of rows) test(`${value} → ${expected}`, () => assert.equal(decimalScale(value, 6), expected));
});
