// The harness's own checks: `node --import tsx --test bench/harness.test.ts`. No timings are asserted.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findCase } from './cases/index.js';
import { compareInspections, formatTable, median, parseArgs, QUICK_ROWS, runCase, type Inspection } from './harness.js';

describe('bench arguments', () => {
  test('defaults, --quick, explicit rows and case lists', () => {
    assert.deepEqual(parseArgs([]), { cases: [], reps: 3, rows: 1_000_000, quick: false, keep: false, profile: false, list: false });
    assert.equal(parseArgs(['--quick']).rows, QUICK_ROWS);
    assert.equal(parseArgs(['--quick', '--rows', '5000']).rows, 5000);
    assert.deepEqual(parseArgs(['--case', 'landing,sample-csv', '--case=sample-parquet', '--reps=5']).cases, ['landing', 'sample-csv', 'sample-parquet']);
    assert.equal(parseArgs(['--rows', '2_000_000']).rows, 2_000_000);
    assert.throws(() => parseArgs(['--reps', '0']), /positive integer/);
    assert.throws(() => parseArgs(['--fast']), /Unknown argument/);
    assert.throws(() => parseArgs(['--case']), /needs a value/);
  });

  test('median of odd and even counts', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });
});

describe('comparing what the sides landed', () => {
  const reference: Inspection = { rows: 3, columns: [{ name: 'id', type: 'BIGINT' }, { name: 'at', type: 'TIMESTAMP WITH TIME ZONE' }], fingerprint: { row_count: '3', id_sum: '6' } };

  test('ignores Headwater provenance columns and accepts identical data', () => {
    const subject: Inspection = { ...reference, columns: [...reference.columns, { name: '_hw_provenance', type: 'JSON' }] };
    const check = compareInspections(subject, reference, 3);
    assert.deepEqual(check, { rowsMatch: true, typesMatch: true, fingerprintMatch: true, detail: [] });
  });

  test('reports a retyped column, missing rows and different content', () => {
    const subject: Inspection = { rows: 2, columns: [{ name: 'id', type: 'BIGINT' }, { name: 'at', type: 'VARCHAR' }], fingerprint: { row_count: '2', id_sum: '3' } };
    const check = compareInspections(subject, reference, 3);
    assert.equal(check.rowsMatch, false);
    assert.equal(check.typesMatch, false);
    assert.equal(check.fingerprintMatch, false);
    assert.ok(check.detail.includes('column at: subject VARCHAR, reference TIMESTAMP WITH TIME ZONE'));
    assert.ok(check.detail.includes('fingerprint id_sum: subject 3, reference 6'));
  });
});

describe('a real case end to end (tiny size)', () => {
  test('landing: both sides land the same rows, types and content, and the table shows the ratio', { timeout: 120_000 }, async () => {
    const logged: string[] = [];
    const result = await runCase(findCase('landing'), { ...parseArgs(['--rows', '2000', '--reps', '1']) }, (line) => logged.push(line));
    assert.deepEqual(result.check, { rowsMatch: true, typesMatch: true, fingerprintMatch: true, detail: [] });
    assert.equal(result.subject.runs.length, 1);
    assert.equal(result.reference.runs.length, 1);
    assert.ok(result.subject.medianPeakRssMB > 0 && result.reference.medianPeakRssMB > 0);
    assert.equal(result.subject.inspection?.fingerprint?.row_count, '2000');
    assert.match(formatTable([result]), /ratio subject\/reference\s+\d+\.\d\dx/);
    assert.equal(logged.filter((l) => /rep 1 (subject|reference)/.test(l)).length, 2);
  });
});
