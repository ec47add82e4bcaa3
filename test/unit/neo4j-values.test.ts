// neo4j/rows.ts: the landing's own DateTime text is the driver's DateTime.toString() wherever it
// takes over (years 0–9999, whole-minute offsets, zone ids, nanoseconds), and plainValue keeps lists,
// maps, big integers and other temporals as before.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import neo4j from 'neo4j-driver';
import { dateTimeText, plainValue } from '../../src/engine/drivers/neo4j/rows.js';

const { DateTime, Date: Neo4jDate, Duration } = neo4j.types;

describe('neo4j values', { timeout: 30_000 }, () => {
  test('dateTimeText is DateTime.toString() for the values it formats, undefined for the rest', () => {
    const offsets: (number | undefined)[] = [0, 3600, -3600, 19800, -34200, 50400, undefined];
    let formatted = 0;
    for (const year of [0, 1, 999, 1970, 2024, 9999]) {
      for (const nano of [0, 1, 500_000_000, 123_456_789]) {
        for (const offset of offsets) {
          for (const zone of [undefined, 'Europe/Paris']) {
            if (offset === undefined && zone === undefined) continue;
            for (const asBig of [false, true]) {
              const n = (v: number) => (asBig ? BigInt(v) : v) as number;
              const value = new DateTime(n(year), n(12), n(31), n(23), n(59), n(58), n(nano), offset === undefined ? undefined : n(offset), zone);
              assert.equal(dateTimeText(value), value.toString(), `${year} ${nano} ${offset} ${zone} ${asBig}`);
              formatted++;
            }
          }
        }
      }
    }
    assert.ok(formatted > 500);
    assert.equal(dateTimeText(new DateTime(10000, 1, 1, 0, 0, 0, 0, 0)), undefined);
    assert.equal(dateTimeText(new DateTime(-5, 1, 1, 0, 0, 0, 0, 0)), undefined);
    assert.equal(dateTimeText(new DateTime(2024, 1, 1, 0, 0, 0, 0, 61)), undefined);
    // Whatever the fast path leaves, plainValue still gives the driver's own text.
    for (const value of [new DateTime(12345, 1, 1, 0, 0, 0, 0, 0), new DateTime(2024, 1, 1, 0, 0, 0, 0, 61)]) assert.equal(plainValue(value), value.toString());
  });

  test('plainValue: lists and maps converted inside, big integers kept exact, other temporals as text', () => {
    const big = 2n ** 60n;
    assert.deepEqual(plainValue({ a: [1n, 'x', big], b: { c: new Neo4jDate(2024, 2, 29) }, d: null }), { a: [1, 'x', big], b: { c: '2024-02-29' }, d: null });
    const plain = ['a', 'b'];
    assert.equal(plainValue(plain), plain, 'a list of plain values is not copied');
    assert.equal(plainValue(new Duration(1, 2, 3, 4)), new Duration(1, 2, 3, 4).toString());
    assert.equal(plainValue(new Uint8Array([1, 2, 3])), 'AQID');
  });
});
