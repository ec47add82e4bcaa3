// SQL written by someone else (contract rules) runs on a read-only copy of the sample, with external
// access disabled and the configuration locked (issue 14, finding 1).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sandboxErrorMessage, type SampleSandbox } from '../../src/engine/workspace/sandbox.js';
import { Workspace } from '../../src/engine/workspace/workspace.js';
import type { Field } from '../../src/shared/types.js';

const fields: Field[] = [{ name: 'id', type: 'integer', duckType: 'BIGINT', nullable: false }, { name: 'status', type: 'string', duckType: 'VARCHAR', nullable: true }];
const SECRET = 'hw-sandbox-secret-7f3a9c';

describe('the rules sandbox', { timeout: 120_000 }, () => {
  let dir: string;
  let ws: Workspace;
  let id: string;
  let sandbox: SampleSandbox;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-sandbox-'));
    writeFileSync(join(dir, 'secret.csv'), `user,token\nalice,${SECRET}\n`);
    ws = await Workspace.open(dir);
    const begun = await ws.beginSample({ source: 'src', sourceKind: 'test', entity: 'orders', method: 'snapshot', strategy: 'head', query: 'q', fields });
    begun.writer.append(Array.from({ length: 500 }, (_, i) => [i, i % 2 ? 'paid' : 'shipped']), Array.from({ length: 500 }, () => ({})), new Date());
    begun.writer.close();
    await ws.finishSample(begun.id, { status: 'complete', rowCount: 500, bytes: 0, rejected: 0, fields });
    id = begun.id;
    sandbox = await ws.sandbox([id]);
  });
  after(() => {
    sandbox.close();
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const refusal = async (sql: string) => {
    const error = await sandbox.query(sql, 100).then(() => undefined, (e: unknown) => e as Error);
    assert.ok(error, `${sql} ran`);
    return error.message;
  };

  test('reads the sample under its workspace name', async () => {
    assert.deepEqual((await sandbox.query(`SELECT count(*), count(*) FILTER (WHERE status = 'paid') FROM samples.${id}`, 100)).rows, [[500, 250]]);
  });

  test('files, COPY, ATTACH and extensions are refused: external access is disabled, nothing of the file is shown', async () => {
    const file = join(dir, 'secret.csv');
    for (const sql of [
      `SELECT CAST((SELECT string_agg(token, '|') FROM read_csv('${file}')) AS INTEGER)`,
      `SELECT * FROM read_text('${file}')`,
      `SELECT count(*) FROM glob('${dir}/*')`,
      `ATTACH '${join(dir, '.headwater', 'workspace.duckdb')}' AS w`,
      'INSTALL httpfs',
    ]) {
      const message = await refusal(sql);
      assert.match(message, /^external access is disabled for contract rules: they read only the sample \(Permission Error: /, sql);
      assert.ok(!message.includes(SECRET), message);
    }
    const copy = await refusal(`COPY samples.${id} TO '${join(dir, 'out.csv')}'`);
    assert.match(copy, /^external access is disabled/);
    assert.equal(existsSync(join(dir, 'out.csv')), false);
  });

  test('the sample is read-only, the catalog is not there, settings stay locked', async () => {
    for (const sql of [`DROP TABLE samples.${id}`, `DELETE FROM samples.${id}`, `UPDATE samples.${id} SET status = 'x'`, `CREATE TABLE samples.extra AS SELECT 1`]) {
      assert.match(await refusal(sql), /^the sample is read-only to contract rules \(.*read-only mode/, sql);
    }
    assert.match(await refusal('DROP TABLE headwater.samples'), /headwater/);
    for (const sql of ['SET enable_external_access = true', 'SET lock_configuration = false', "SET memory_limit = '100GB'"]) {
      assert.match(await refusal(sql), /^settings are locked for contract rules/, sql);
    }
    assert.equal((await sandbox.query(`SELECT count(*) FROM samples.${id}`, 1)).rows[0]?.[0], 500);
    assert.equal((await ws.query(`SELECT count(*) FROM samples.${id}`)).rows[0]?.[0], 500);
    assert.equal((await ws.listSamples()).length, 1);
  });

  test('one statement per query, and a temporary table one rule makes is gone for the next', async () => {
    assert.match(await refusal(`SELECT 1; DROP TABLE samples.${id}`), /holds 2 statements/);
    await sandbox.query(`CREATE TEMP TABLE shadow AS SELECT 1 AS n`, 1);
    assert.match(await refusal('SELECT n FROM shadow'), /Table with name shadow does not exist/);
  });

  test('a statement that runs too long is stopped with a clear error', async () => {
    const quick = await ws.sandbox([id], 300);
    try {
      const error = await quick.query('SELECT count(*) FROM range(100000000000) a', 1).then(() => undefined, (e: unknown) => e as Error);
      assert.match(error?.message ?? 'ran', /^stopped after 0\.3 s \(the time limit for one statement\)/);
    } finally {
      quick.close();
    }
  });

  test('closing removes the copy', async () => {
    const other = await ws.sandbox([id]);
    assert.deepEqual(readdirSync(other.dir), ['rules.duckdb']);
    other.close();
    assert.equal(existsSync(other.dir), false);
  });

  test('error messages say why, with DuckDB\'s first line only', () => {
    assert.equal(sandboxErrorMessage('Permission Error: Cannot access file "/etc/shadow" - file system operations are disabled by configuration\nmore'), 'external access is disabled for contract rules: they read only the sample (Permission Error: Cannot access file "/etc/shadow" - file system operations are disabled by configuration)');
    assert.match(sandboxErrorMessage('Invalid Input Error: Cannot execute statement of type "DROP" on database "rules" which is attached in read-only mode!'), /^the sample is read-only/);
    assert.match(sandboxErrorMessage('Invalid Input Error: Cannot change configuration option "x" - the configuration has been locked'), /^settings are locked/);
    assert.equal(sandboxErrorMessage('Catalog Error: Table with name orderz does not exist!\nDid you mean "orders"?'), 'Catalog Error: Table with name orderz does not exist!');
    // Near misses: the words alone are not a refusal.
    assert.equal(sandboxErrorMessage("Conversion Error: Could not convert string 'permission error' to INT32"), "Conversion Error: Could not convert string 'permission error' to INT32");
  });
});
