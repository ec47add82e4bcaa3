// Kinesis's placement rule: MD5 of the partition key as a 128-bit number, in the shards' hash-key
// ranges. Hashes checked against RFC 1321's test suite; ranges against CreateStream's even split.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evenHashRanges, kinesisHashKey, kinesisShardOf } from '../../src/engine/profile/md5-shards.js';

describe('kinesis shards by MD5', { timeout: 10_000 }, () => {
  test('the hash key is the MD5 digest read as an unsigned 128-bit number (RFC 1321 test suite)', () => {
    assert.equal(kinesisHashKey(''), 0xd41d8cd98f00b204e9800998ecf8427en);
    assert.equal(kinesisHashKey('abc'), 0x900150983cd24fb0d6963f7d28e17f72n);
    assert.equal(kinesisHashKey('message digest'), 0xf96b697d7cb7938d525a2f31aaf161d0n);
  });

  test('N even ranges cover the key space without gaps, as CreateStream splits it', () => {
    const ranges = evenHashRanges(3);
    assert.equal(ranges[0]!.start, 0n);
    assert.equal(ranges[2]!.end, 2n ** 128n - 1n);
    for (let i = 1; i < ranges.length; i++) assert.equal(ranges[i]!.start, ranges[i - 1]!.end + 1n);
    assert.equal(ranges[1]!.start, (2n ** 128n) / 3n);
  });

  test('a key goes to the range holding its hash; a gap gives -1', () => {
    const two = evenHashRanges(2);
    // MD5('abc') starts 0x90: above half the space; MD5('') starts 0xd4, above too; 'user-2' below.
    assert.equal(kinesisShardOf('abc', two), 1);
    assert.equal(kinesisShardOf('user-2', two), 0);
    assert.equal(kinesisShardOf('abc', [two[0]!]), -1);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[kinesisShardOf(`key-${i}`, evenHashRanges(4))]!++;
    for (const n of counts) assert.ok(n > 850 && n < 1150, `an even spread of distinct keys: ${counts.join(', ')}`);
  });
});
