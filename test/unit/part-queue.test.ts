// kit/part-queue.ts: parts waiting are merged up to mergeBytes while the read runs, up to tailBytes
// once it ended (marked readEnded), and one by one after a stop.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PartQueue } from '../../src/engine/drivers/kit/part-queue.js';
import type { StreamedPart } from '../../src/engine/drivers/driver.js';

interface Written { name: string; rows: number; bytes: number }
const merge = (parts: Written[]): StreamedPart => ({ select: parts.map((p) => p.name).join('+'), rows: parts.reduce((n, p) => n + p.rows, 0) });
const written = (name: string): Written => ({ name, rows: 1, bytes: 10 });

async function handed(queue: PartQueue<Written>): Promise<string[]> {
  const out: string[] = [];
  for await (const part of queue) out.push(`${part.select}${part.readEnded ? ' (ended)' : ''}`);
  return out;
}

describe('part queue', { timeout: 10_000 }, () => {
  test('while the read runs, waiting parts merge up to mergeBytes; once it ended, up to tailBytes, marked readEnded', async () => {
    const queue = new PartQueue<Written>(merge, 20, 40);
    for (const name of ['a', 'b', 'c']) queue.push(written(name));
    const iterator = queue[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.select, 'a+b');
    for (const name of ['d', 'e', 'f', 'g', 'h']) queue.push(written(name));
    queue.end();
    const rest: string[] = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest.push(`${next.value.select}${next.value.readEnded ? ' (ended)' : ''}`);
    assert.deepEqual(rest, ['c+d+e+f (ended)', 'g+h (ended)']);
  });

  test('after a stop the parts come one by one, even once the read ended', async () => {
    const queue = new PartQueue<Written>(merge, 20, 40);
    for (const name of ['a', 'b', 'c']) queue.push(written(name));
    queue.single();
    queue.end();
    assert.deepEqual(await handed(queue), ['a (ended)', 'b (ended)', 'c (ended)']);
  });
});
