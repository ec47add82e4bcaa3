// Kafka's default partitioner, checked against the hashes Kafka itself asserts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kafkaPartition, kafkaPartitionOfString, murmur2, toPositive } from '../../src/engine/profile/murmur2.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('murmur2 as Kafka computes it', () => {
  // Expected values from apache/kafka clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java
  // (testMurmur2; e.g. at commit 8ab0994919752cd4870e771221ba934a6a539a67), which asserts
  // Utils.murmur2(key.getBytes()) for these keys; the same table is reused by Kafka clients in other
  // languages (KafkaEx, kafkabr) to check their ports.
  const kafkaUtilsTest: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  // Akka's Murmur2Spec (akka-cluster-sharding-typed), "expected correct hash values from the kafka murmur2 impl".
  const akkaSpec: [string, number][] = [
    ['1', -1993445489],
    ['12', 126087238],
    ['123', -267702483],
    ['1234', -1614185708],
    ['12345', -1188365604],
  ];

  // librdkafka src/rdmurmur2.c, unittest_murmur2(): `java_murmur2_results`, the Java client's hashes
  // as unsigned 32-bit patterns (including the empty key and keys of every tail length).
  const librdkafka: [string, number][] = [
    ['kafka', 0xd067cf64],
    ['giberish123456789', 0x8f552b0c],
    ['1234', 0x9fc97b14],
    ['234', 0xe7c009ca],
    ['34', 0x873930da],
    ['4', 0x5a4b5ca1],
    ['PreAmbleWillBeRemoved,ThePrePartThatIs', 0x78424f1c],
    ['reAmbleWillBeRemoved,ThePrePartThatIs', 0x4a62b377],
    ['eAmbleWillBeRemoved,ThePrePartThatIs', 0xe0e4e09e],
    ['AmbleWillBeRemoved,ThePrePartThatIs', 0x62b8b43f],
    ['', 0x106e08d9],
  ];

  for (const [key, expected] of [...kafkaUtilsTest, ...akkaSpec]) {
    test(`murmur2(${JSON.stringify(key)}) = ${expected}`, () => {
      assert.equal(murmur2(utf8(key)), expected);
    });
  }
  for (const [key, expected] of librdkafka) {
    test(`murmur2(${JSON.stringify(key)}) = 0x${expected.toString(16)} (librdkafka)`, () => {
      assert.equal(murmur2(utf8(key)) >>> 0, expected);
    });
  }

  test('bytes above 0x7f are read unsigned, as Java masks them with & 0xff', () => {
    // A port that reads bytes as signed gets the high bytes wrong: compare with the same key shifted into ASCII.
    const high = Uint8Array.of(0xc3, 0xa9, 0xff, 0x80, 0x81);
    const hash = murmur2(high);
    assert.ok(Number.isInteger(hash) && hash >= -(2 ** 31) && hash < 2 ** 31);
    assert.notEqual(hash, murmur2(high.map((b) => b & 0x7f)));
  });
});

describe('kafkaPartition', () => {
  test('is toPositive(murmur2(key)) % partitions, toPositive clearing the sign bit', () => {
    assert.equal(toPositive(-973932308), -973932308 & 0x7fffffff);
    assert.equal(toPositive(-1), 0x7fffffff);
    assert.equal(toPositive(479470107), 479470107);
    // '21' hashes to -973932308 (UtilsTest): positive 1173551340, so partition 1173551340 % n.
    for (const n of [1, 3, 6, 12, 100]) assert.equal(kafkaPartition(utf8('21'), n), 1173551340 % n);
    assert.equal(kafkaPartitionOfString('abc', 10), 479470107 % 10);
  });

  test('rejects a partition count that is not a positive integer', () => {
    assert.throws(() => kafkaPartition(utf8('x'), 0), RangeError);
    assert.throws(() => kafkaPartition(utf8('x'), 1.5), RangeError);
  });
});
