import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import { commonJsExports, lazyModule } from '../../src/engine/drivers/kit/lazy.js';

const TIMEOUT = { timeout: 10_000 };

test('a native module that fails to load is one clear error naming the module and the fix', TIMEOUT, async () => {
  const failing = () => Promise.reject(new Error('/x/node_modules/some-addon/build/addon.node: invalid ELF header\n    at Module._extensions'));
  await assert.rejects(lazyModule('some-addon', failing, { native: true })(), (error: unknown) => {
    assert.ok(error instanceof HeadwaterError);
    assert.equal(error.code, 'native_module');
    assert.match(error.message, /Native module 'some-addon' failed to load in Node v\d+.*invalid ELF header$/);
    assert.match(error.hint ?? '', /npm rebuild some-addon/);
    assert.match(error.hint ?? '', /headwater\.engine\.nodePath/);
    return true;
  });
});

test('a library that fails to load is named, with the first line of the cause and no stack', TIMEOUT, async () => {
  const missing = lazyModule('no-such-library-here', () => import('no-such-library-here' as string));
  await assert.rejects(missing(), (error: unknown) => {
    assert.ok(error instanceof HeadwaterError);
    assert.equal(error.code, 'internal');
    assert.match(error.message, /^Library 'no-such-library-here' failed to load: Cannot find (package|module) 'no-such-library-here'/);
    assert.doesNotMatch(error.message, /\n| {4}at /);
    assert.match(error.hint ?? '', /Reinstall/);
    return true;
  });
});

test('an error the loader already explained (a Headwater error) passes through unchanged', TIMEOUT, async () => {
  const explained = new HeadwaterError('usage', 'the client library does not fit');
  await assert.rejects(lazyModule('x', () => Promise.reject(explained))(), (error: unknown) => error === explained);
});

test('a failed load is retried on the next call, a good one is loaded once', TIMEOUT, async () => {
  let calls = 0;
  const flaky = lazyModule('flaky-addon', () => (++calls === 1 ? Promise.reject(new Error('busy')) : Promise.resolve({ ok: true })), { native: true });
  await assert.rejects(flaky());
  assert.deepEqual(await flaky(), { ok: true });
  assert.deepEqual(await flaky(), { ok: true });
  assert.equal(calls, 2);
});

test('calls while the first load is under way share it', TIMEOUT, async () => {
  let calls = 0;
  const slow = lazyModule('slow', async () => ({ n: ++calls }));
  const [a, b] = await Promise.all([slow(), slow()]);
  assert.equal(a, b);
  assert.equal(calls, 1);
});

test("a CommonJS package's exports: named under Node, under `default` alone when bundled", TIMEOUT, () => {
  class Client {}
  const named = { Client, default: { Client } };
  assert.equal(commonJsExports(named, 'Client'), named);
  const bundled = { default: { Client } };
  assert.equal(commonJsExports<{ Client: typeof Client }>(bundled as never, 'Client').Client, Client);
  // A module whose default export is something else keeps its names.
  const other: { Client: typeof Client; default: unknown } = { Client, default: () => 1 };
  assert.equal(commonJsExports<{ Client: typeof Client }>(other, 'Client').Client, Client);
});
