// Opening the workspace: a lock, a damaged file, a folder that is a file and a file we may only read
// are each told apart with a clear message (issue 14, findings 5 and 6).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import { classifyOpenError, folderProblem } from '../../src/engine/workspace/opening.js';
import { Workspace } from '../../src/engine/workspace/workspace.js';
import type { Field } from '../../src/shared/types.js';

const fields: Field[] = [{ name: 'id', type: 'integer', duckType: 'BIGINT', nullable: false }];

/** A workspace with one sample of `rows` ids, closed. */
async function workspaceWithSample(dir: string, rows: number): Promise<string> {
  const ws = await Workspace.open(dir);
  try {
    const { id, writer } = await ws.beginSample({ source: 'src', sourceKind: 'test', entity: 'e', method: 'snapshot', strategy: 'head', query: 'q', fields });
    writer.append(Array.from({ length: rows }, (_, i) => [i]), Array.from({ length: rows }, () => ({})), new Date());
    writer.close();
    await ws.finishSample(id, { status: 'complete', rowCount: rows, bytes: 0, rejected: 0, fields });
    return id;
  } finally {
    ws.close();
  }
}

/** Runs `script` (ESM, tsx) in a child process with the workspace dir as argv[1]; as `uid` when given. */
function child(script: string, dir: string, uid?: number) {
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], {
    encoding: 'utf8', timeout: 60_000, ...(uid === undefined ? {} : { uid, gid: uid, env: { ...process.env, HOME: '/nonexistent' } }),
  });
}

describe('workspace open failures', { timeout: 120_000 }, () => {
  const scratch: string[] = [];
  const fresh = (name: string) => {
    const dir = mkdtempSync(join(tmpdir(), `hw-open-${name}-`));
    scratch.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  test('DuckDB open errors are classified by their own wording, not by a substring like "lock"', () => {
    const cases: [string, ReturnType<typeof classifyOpenError>][] = [
      ['IO Error: Could not set lock on file "/w/.headwater/workspace.duckdb": Conflicting lock is held in /usr/bin/node (PID 30600). See also https://duckdb.org/docs/stable/connect/concurrency', 'locked'],
      // "block" holds "lock": a checksum failure is damage, not a lock.
      ['IO Error: Corrupt database file: computed checksum 117 does not match stored checksum 18446744073709551615 in block at location 12288', 'damaged'],
      ['IO Error: The file "/w/x.duckdb" exists, but it is not a valid DuckDB database file!', 'damaged'],
      ['IO Error: Failure while replaying WAL file "/w/x.duckdb.wal": unexpected end', 'damaged'],
      ['IO Error: Cannot open file "/w/x.duckdb": Permission denied', 'permission'],
      ['IO Error: Cannot open file "/w/x.duckdb": Read-only file system', 'permission'],
      ['IO Error: Cannot open file "/w/x.duckdb": No such file or directory', 'other'],
      ['IO Error: block allocation failed', 'other'],
      ['Invalid Input Error: the lock_configuration option is set', 'other'],
      ['IO Error: Trying to read a database file with version number 99, but we can only read version 64', 'other'],
    ];
    for (const [message, expected] of cases) assert.equal(classifyOpenError(message), expected, message);
  });

  test('a damaged workspace file is reported as damaged, never as in use by another engine', async () => {
    const dir = fresh('corrupt');
    await workspaceWithSample(dir, 5000);
    // Overwrite the blocks after the headers with junk: DuckDB's checksum catches it on open.
    const fd = openSync(join(dir, '.headwater', 'workspace.duckdb'), 'r+');
    writeSync(fd, Buffer.alloc(3 * 262_144, 0xff), 0, 3 * 262_144, 12_288);
    closeSync(fd);
    const error = await Workspace.open(dir).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof HeadwaterError, String(error));
    assert.equal(error.code, 'workspace_damaged');
    assert.match(error.message, /workspace\.duckdb is damaged: IO Error: Corrupt database file: .*checksum/);
    assert.doesNotMatch(error.message, /in use/);
    assert.match(error.hint ?? '', /Move it aside/);

    const garbage = fresh('garbage');
    mkdirSync(join(garbage, '.headwater'));
    writeFileSync(join(garbage, '.headwater', 'workspace.duckdb'), Buffer.alloc(100_000, 0x5a));
    await assert.rejects(Workspace.open(garbage), (e: unknown) => e instanceof HeadwaterError && e.code === 'workspace_damaged' && /not a valid DuckDB database file/.test(e.message));
  });

  test('a file given as the workspace folder is a clear usage error, not a stack trace', async () => {
    const dir = fresh('file');
    const file = join(dir, 'x.csv');
    writeFileSync(file, 'a,b\n1,2\n');
    for (const workspace of [file, join(file, 'sub')]) {
      await assert.rejects(Workspace.open(workspace), (e: unknown) => e instanceof HeadwaterError && e.code === 'usage' && e.message === `The workspace ${workspace} is not a folder (it, or a part of its path, is a file); pass --workspace <a folder>.`);
    }
    assert.match(folderProblem('/w', 'EACCES'), /^Cannot create the workspace folder \/w\/\.headwater: permission denied\.$/);
    assert.match(folderProblem('/w', 'EROFS'), /the file system is read-only/);
  });
});

describe('a workspace file that may only be read', { timeout: 120_000 }, () => {
  let dir: string;
  let sampleId: string;
  // Root writes through chmod 0444, so as root the reader runs as nobody (uid 65534); otherwise as us.
  const uid = process.getuid?.() === 0 ? 65534 : undefined;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-open-readonly-'));
    chmodSync(dir, 0o755);
    sampleId = await workspaceWithSample(dir, 42);
    chmodSync(join(dir, '.headwater', 'workspace.duckdb'), 0o444);
    chmodSync(join(dir, '.headwater'), 0o555);
  });
  after(() => {
    chmodSync(join(dir, '.headwater'), 0o755);
    rmSync(dir, { recursive: true, force: true });
  });

  test('opens read-only: samples are listed and queried, writes are refused with a clear message', () => {
    const run = child(`import { Workspace } from './src/engine/workspace/workspace.ts';
      const ws = await Workspace.open(process.argv[1]);
      const out = { readOnly: ws.readOnly, samples: (await ws.listSamples()).map((s) => s.id) };
      out.count = (await ws.query('select count(*) from samples.${sampleId}')).rows[0][0];
      for (const [name, act] of [['create', () => ws.query('create table samples.t (i int)')], ['sample', () => ws.beginSample({ source: 's', sourceKind: 't', entity: 'e', method: 'snapshot', strategy: 'head', query: 'q', fields: [] })]]) {
        try { await act(); out[name] = 'ran'; } catch (e) { out[name] = e.code + ': ' + e.message; }
      }
      ws.close();
      console.log(JSON.stringify(out));`, dir, uid);
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.equal(out.readOnly, 'the file is not writable');
    assert.deepEqual(out.samples, [sampleId]);
    assert.equal(out.count, 42);
    assert.match(String(out.create), /^usage: Query failed: .*read-only mode.*\(the workspace is open read-only: the file is not writable\)/);
    assert.match(String(out.sample), /^usage: The workspace .*workspace\.duckdb is open read-only \(the file is not writable\): sampling writes to it\./);
  });
});
