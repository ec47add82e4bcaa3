// The checks of the conformance suite, one function each, run through the Engine on a started backend.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HeadwaterError } from '../../src/shared/errors.js';
import type { SampleInfo, SampleRequestOptions, SampleStrategy } from '../../src/shared/types.js';
import { manifestFor } from '../../src/engine/drivers/registry.js';
import { SAMPLE_OPTION_FLAGS, type SampleOptionName } from '../../src/engine/drivers/kit/sample-support.js';
import type { TestWorkspace } from '../integration/workspace-fixture.js';
import type { Backend, Check, Started } from './backend.js';

export interface Run {
  /** Names of the reachable source and of its unreachable twin. */
  ok: string;
  down: string;
  started: Started;
  workspace: TestWorkspace;
  /** Error messages, hints and details the checks saw, searched for secrets at the end. */
  texts: string[];
}

/** A budget small enough for any fixture to run past it. */
const MAX_BYTES = 4096;
const MAX_SECONDS = 1;
/** Larger than any fixture: only a budget or a cancel ends the read. */
const UNBOUNDED = 10_000_000;

/** The error of a call expected to fail, or a failed assertion when it succeeded. */
async function failure(what: string, call: Promise<unknown>): Promise<Error> {
  const outcome = await call.then((value) => ({ value }), (error: unknown) => ({ error }));
  if (!('error' in outcome)) assert.fail(`${what} succeeded: ${JSON.stringify(outcome.value)?.slice(0, 300)}`);
  assert.ok(outcome.error instanceof Error, `${what} rejected with a non-Error: ${String(outcome.error)}`);
  return outcome.error;
}

function remember(run: Run, error: Error): void {
  run.texts.push(error.message, ...(error instanceof HeadwaterError && error.hint ? [error.hint] : []));
}

/** An error or a description detail that says which source failed, where and why. */
function assertNamesFailure(text: string, backend: Backend, run: Run, what: string): void {
  const where = run.started.unreachable!.where;
  assert.ok(text.includes(where), `${what} names ${where}: ${text}`);
  if (backend.unreachableCause) assert.match(text, backend.unreachableCause, `${what} says why`);
  assert.doesNotMatch(text, /\n\s+at /, `${what} holds no stack trace`);
}

async function describeCheck(backend: Backend, run: Run): Promise<void> {
  const { engine } = run.workspace;
  const description = await engine.describe(run.ok);
  assert.equal(description.reachable, true, description.detail);
  assert.ok(run.started.unreachable, 'the backend gives an unreachable source');

  const started = performance.now();
  const down = await engine.describe(run.down).then((d) => d, (error: unknown) => error as Error);
  if (down instanceof Error) {
    remember(run, down);
    assert.ok(down.message.includes(`'${run.down}'`), `describe's error names the source: ${down.message}`);
    assertNamesFailure(down.message, backend, run, "describe's error");
  } else {
    run.texts.push(down.detail ?? '');
    assert.equal(down.reachable, false, `an unreachable source is not reachable: ${down.detail}`);
    assertNamesFailure(down.detail ?? '', backend, run, "describe's detail");
  }
  const error = await failure('sampling the unreachable source', engine.sample(run.down, backend.fixture.entity, { ...backend.fixture.options, limit: 10 }));
  remember(run, error);
  assert.ok(error instanceof HeadwaterError, `a HeadwaterError, not ${error.name}: ${error.message}`);
  assert.ok(error.message.includes(`'${run.down}'`), `the error names the source: ${error.message}`);
  assertNamesFailure(error.message, backend, run, "sample's error");
  assert.ok(performance.now() - started < 20_000, 'an unreachable source fails within seconds');
}

async function browseCheck(backend: Backend, run: Run): Promise<void> {
  const { engine } = run.workspace;
  const path: string[] = [];
  let nodes = await engine.browse(run.ok, []);
  for (const id of backend.fixture.browsePath) {
    assert.ok(nodes.some((n) => n.id === id), `browse ${JSON.stringify(path)} lists '${id}': ${JSON.stringify(nodes.map((n) => n.id))}`);
    path.push(id);
    nodes = await engine.browse(run.ok, path);
  }
  const node = nodes.find((n) => n.entity === backend.fixture.entity);
  assert.ok(node, `browse ${JSON.stringify(path)} lists entity '${backend.fixture.entity}': ${JSON.stringify(nodes.map((n) => n.entity ?? n.id))}`);
  assert.equal(node.sampleable, true, 'the fixture entity can be sampled');
}

async function count(run: Run, sql: string): Promise<number[]> {
  return (await run.workspace.engine.query(sql)).rows[0]!.map(Number);
}

async function limitCheck(backend: Backend, run: Run): Promise<void> {
  const info = await run.workspace.engine.sample(run.ok, backend.fixture.entity, { ...backend.fixture.options, limit: 10 });
  assert.equal(info.status, 'complete', info.statusDetail);
  assert.equal(info.rowCount, 10);
  const [rows, missing] = await count(run, `SELECT count(*), count(*) FILTER (WHERE _hw_provenance IS NULL OR CAST(_hw_provenance AS VARCHAR) IN ('', '{}', 'null')) FROM ${info.table}`);
  assert.deepEqual({ rows, withoutProvenance: missing }, { rows: 10, withoutProvenance: 0 });
}

/** A sample stopped by a budget or a cancel: partial, saying why, keeping what landed before (and the catalog says so). */
async function assertStopped(backend: Backend, run: Run, info: SampleInfo, why: RegExp, advice: string): Promise<void> {
  assert.equal(info.status, 'partial', `the sample is partial (${info.status}, ${info.rowCount} rows: ${info.statusDetail}); ${advice}`);
  assert.match(info.statusDetail ?? '', why);
  if (!backend.landsAtomically) assert.ok(info.rowCount > 0, `the rows read before the stop are kept: ${info.statusDetail}`);
  const [landed] = await count(run, `SELECT count(*) FROM ${info.table}`);
  assert.equal(landed, info.rowCount, 'the sample table holds the rows the catalog counts');
  const catalog = await run.workspace.engine.sampleInfo(info.id);
  assert.deepEqual([catalog.status, why.test(catalog.statusDetail ?? '')], ['partial', true], `the catalog records it: ${catalog.statusDetail}`);
}

async function maxBytesCheck(backend: Backend, run: Run): Promise<void> {
  const info = await run.workspace.engine.sample(run.ok, backend.fixture.entity, { ...backend.fixture.options, limit: UNBOUNDED, maxBytes: MAX_BYTES });
  await assertStopped(backend, run, info, /byte budget/, `the fixture holds more than ${MAX_BYTES} bytes`);
  assert.ok(info.rowCount < backend.fixture.rows, `stopped before the end (${info.rowCount} of ${backend.fixture.rows} rows)`);
  // The batch that crosses the budget lands whole (its size is the driver's), and REST cuts a page
  // mid-body and lands only its whole records, so the landed bytes may be over or under the budget;
  // the detail above says the byte budget stopped the read.
  assert.ok(info.bytes > 0, `bytes were counted (${info.bytes})`);
}

/** What the budget and cancel checks read: the backend's long read (its own source where it has one), else the fixture. */
function longRead(backend: Backend, run: Run): { source: string; entity: string; options: SampleRequestOptions } {
  return {
    source: run.started.longSource ? `${run.ok}_long` : run.ok,
    entity: backend.long?.entity ?? backend.fixture.entity,
    options: { ...(backend.long ? backend.long.options : backend.fixture.options), limit: UNBOUNDED },
  };
}

async function maxSecondsCheck(backend: Backend, run: Run): Promise<void> {
  const { source, entity, options } = longRead(backend, run);
  const started = performance.now();
  const info = await run.workspace.engine.sample(source, entity, { ...options, maxSeconds: MAX_SECONDS });
  const elapsed = performance.now() - started;
  await assertStopped(backend, run, info, /time budget/, `reading ${entity} whole must take longer than ${MAX_SECONDS} s`);
  // The clock here also counts resolving the source and landing: a budget honoured late or not at all still shows.
  assert.ok(elapsed < MAX_SECONDS * 1000 + 2000, `stopped within two seconds of the budget (after ${Math.round(elapsed)} ms)`);
}

async function cancelCheck(backend: Backend, run: Run): Promise<void> {
  const { source, entity, options } = longRead(backend, run);
  const controller = new AbortController();
  let abortedAt = 0;
  const abort = () => {
    if (abortedAt) return;
    abortedAt = performance.now();
    controller.abort();
  };
  // Once rows flow; a read that copies the source first or lands in one statement shows no rows
  // until it ends, so it is cancelled a second in. The last progress report (fraction 1) comes too late.
  // A read that keeps what it read and has not reported anything by then (on a loaded machine
  // connecting alone can take over a second, and a cancel before any row keeps none) is cancelled at
  // its first report instead, or at 20 s.
  let reported = false;
  let lastChance: ReturnType<typeof setTimeout> | undefined;
  const fallback = setTimeout(() => {
    if (reported || backend.landsAtomically) abort();
    else lastChance = setTimeout(abort, 19_000);
  }, 1000);
  let info: SampleInfo;
  try {
    info = await run.workspace.engine.sample(source, entity, options, {
      signal: controller.signal,
      onProgress: (p) => {
        if (!reported && lastChance && (p.fraction ?? 0) < 1) abort();
        reported = true;
        if (p.rows > 0 && (p.fraction ?? 0) < 1) abort();
      },
    });
  } finally {
    clearTimeout(fallback);
    clearTimeout(lastChance);
  }
  const stoppedAfter = performance.now() - abortedAt;
  assert.ok(abortedAt > 0, `the read ended (${info.rowCount} rows) before it could be cancelled: ${entity} must take longer to read`);
  assert.ok(stoppedAfter < 1000, `stopped ${Math.round(stoppedAfter)} ms after the cancel`);
  await assertStopped(backend, run, info, /cancel/, 'a cancel stops the read');
}

async function unknownEntityCheck(backend: Backend, run: Run): Promise<void> {
  const started = performance.now();
  const error = await failure(`sampling '${backend.unknownEntity}'`, run.workspace.engine.sample(run.ok, backend.unknownEntity, { ...backend.fixture.options, limit: 10 }));
  remember(run, error);
  assert.ok(error instanceof HeadwaterError, `a HeadwaterError, not ${error.name}: ${error.message}`);
  assert.ok(error.message.includes(run.ok), `the error names the source: ${error.message}`);
  assert.ok(error.message.includes(backend.unknownEntity), `the error names the entity: ${error.message}`);
  assert.doesNotMatch(error.message, /\n\s+at /, 'no stack trace');
  assert.ok(performance.now() - started < 20_000, 'fails within seconds');
}

/** A value for each sample option, to request it. */
const OPTION_VALUES: Record<SampleOptionName, SampleRequestOptions[SampleOptionName]> = {
  from: 'first', to: 'last', windowSeconds: 1, peek: true, key: 'k', cursor: 'id', where: '1 = 1', allowScan: true, fromPrimary: true, entityType: 'ORDER',
};
const STRATEGIES: SampleStrategy[] = ['head', 'random', 'full', 'incremental'];

async function unsupportedOptionsCheck(backend: Backend, run: Run): Promise<void> {
  const manifest = manifestFor(backend.kind);
  assert.ok(manifest, `a manifest for ${backend.kind}`);
  const { strategies, options } = manifest.samples;
  const refused: [SampleRequestOptions, string][] = [
    ...STRATEGIES.filter((s) => !strategies.includes(s)).map((s): [SampleRequestOptions, string] => [{ strategy: s }, `--strategy ${s}`]),
    ...(Object.keys(SAMPLE_OPTION_FLAGS) as SampleOptionName[]).filter((o) => !options.includes(o)).map((o): [SampleRequestOptions, string] => [{ [o]: OPTION_VALUES[o] }, SAMPLE_OPTION_FLAGS[o]]),
  ];
  assert.ok(refused.length > 0, 'every kind leaves some option out');
  const before = (await run.workspace.engine.samples()).length;
  for (const [options, flag] of refused) {
    const error = await failure(`sampling with ${flag}`, run.workspace.engine.sample(run.ok, backend.fixture.entity, { ...backend.fixture.options, limit: 10, ...options }));
    remember(run, error);
    assert.ok(error instanceof HeadwaterError && error.code === 'usage', `a usage error for ${flag}: ${error.message}`);
    assert.ok(error.message.includes(flag) && error.message.includes(run.ok), `the error names ${flag} and the source: ${error.message}`);
  }
  assert.equal((await run.workspace.engine.samples()).length, before, 'nothing was sampled');
}

/** Text files and the database under .headwater, as bytes: a secret must not be in any of them. */
function workspaceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...workspaceFiles(path));
    else found.push(path);
  }
  return found;
}

async function secretsCheck(_backend: Backend, run: Run): Promise<void> {
  const { engine, logLines, dir } = run.workspace;
  const secrets = [...Object.values(run.started.secrets ?? {}), ...Object.values(run.started.env ?? {})];
  assert.ok(secrets.length > 0, 'the backend configures a secret');
  const samples = await engine.samples();
  assert.ok(samples.some((s) => s.rowCount > 0), 'a sample landed, so the secret was used');
  const catalog = await engine.query('SELECT * FROM headwater.samples', 100_000);
  const texts = [...run.texts, ...logLines, JSON.stringify(samples), JSON.stringify(catalog.rows)];
  for (const secret of secrets) {
    const leaks = texts.filter((t) => t.includes(secret));
    assert.deepEqual(leaks, [], 'no error, log line or catalog row holds the secret');
    const literal = `'${secret.replace(/'/g, "''")}'`;
    for (const sample of samples) {
      const [rows] = await count(run, `SELECT count(*) FROM ${sample.table} AS t WHERE strpos(CAST(t AS VARCHAR), ${literal}) > 0`);
      assert.equal(rows, 0, `no row of ${sample.id} holds the secret`);
    }
    const files = workspaceFiles(join(dir, '.headwater')).filter((f) => readFileSync(f).includes(secret));
    assert.deepEqual(files, [], 'no workspace file holds the secret');
  }
}

async function statementLogCheck(_backend: Backend, run: Run): Promise<void> {
  assert.ok(run.started.statementLog, 'the backend reads its statement log');
  const { seen, notReads } = await run.started.statementLog();
  assert.ok(seen > 0, 'the log shows what Headwater sent');
  assert.deepEqual(notReads, [], 'Headwater sent only reads');
}

export const checks: Record<Check, (backend: Backend, run: Run) => Promise<void>> = {
  describe: describeCheck,
  browse: browseCheck,
  limit: limitCheck,
  maxBytes: maxBytesCheck,
  maxSeconds: maxSecondsCheck,
  cancel: cancelCheck,
  unknownEntity: unknownEntityCheck,
  unsupportedOptions: unsupportedOptionsCheck,
  secrets: secretsCheck,
  statementLog: statementLogCheck,
};
