import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import { loadNative } from '../../src/engine/safety/native.js';

test('a native module that fails to load is one clear error naming the module and the fix', async () => {
  const failing = () => Promise.reject(new Error('/x/node_modules/some-addon/build/addon.node: invalid ELF header\n    at Module._extensions'));
  await assert.rejects(loadNative('some-addon', failing), (error: unknown) => {
    assert.ok(error instanceof HeadwaterError);
    assert.equal(error.code, 'native_module');
    assert.match(error.message, /Native module 'some-addon' failed to load in Node v\d+.*invalid ELF header$/);
    assert.match(error.hint ?? '', /npm rebuild some-addon/);
    assert.match(error.hint ?? '', /headwater\.engine\.nodePath/);
    return true;
  });
});

test('a failed load is retried on the next call, a good one is loaded once', async () => {
  let calls = 0;
  const flaky = () => (++calls === 1 ? Promise.reject(new Error('busy')) : Promise.resolve({ ok: true }));
  await assert.rejects(loadNative('flaky-addon', flaky));
  assert.deepEqual(await loadNative('flaky-addon', flaky), { ok: true });
  assert.deepEqual(await loadNative('flaky-addon', flaky), { ok: true });
  assert.equal(calls, 2);
});
