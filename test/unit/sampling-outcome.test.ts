// How a sample ends (status and detail) from what landed, and when a batch landing is over, table-driven with near misses.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LAND_AFTER_STOP_MS, landingOver, type Landed } from '../../src/engine/sampling/landed.js';
import { sampleOutcome } from '../../src/engine/sampling/run.js';

const landed = (extra: Partial<Landed> = {}): Landed => ({ bytes: 0, rejected: 0, stopMattered: true, ...extra });

describe('sampleOutcome', { timeout: 10_000 }, () => {
  const cases: [string, unknown, Landed, Parameters<typeof sampleOutcome>[2], number, ReturnType<typeof sampleOutcome>][] = [
    ['read to the end', undefined, landed(), undefined, 5, { status: 'complete', detail: undefined }],
    ['cancelled', undefined, landed(), 'cancelled', 5, { status: 'partial', detail: 'cancelled after 5 rows' }],
    ['a time budget', undefined, landed(), 'time budget', 5, { status: 'partial', detail: 'stopped at the time budget after 5 rows' }],
    ['a byte budget with no rows is still partial, not failed', undefined, landed(), 'byte budget', 0, { status: 'partial', detail: 'stopped at the byte budget after 0 rows' }],
    ['the landing path says why', undefined, landed({ detail: 'cancelled during a DuckDB-native read' }), 'cancelled', 0, { status: 'partial', detail: 'cancelled during a DuckDB-native read' }],
    ['an error after some rows', new Error('boom'), landed(), undefined, 5, { status: 'partial', detail: 'stopped by an error after 5 rows: boom' }],
    ['an error before any row', new Error('boom'), landed(), undefined, 0, { status: 'failed', detail: 'stopped by an error after 0 rows: boom' }],
    ['an error outranks a stop and the path\'s own detail', 'refused', landed({ detail: 'ignored' }), 'cancelled', 2, { status: 'partial', detail: 'stopped by an error after 2 rows: refused' }],
    ['unreadable records, where the driver said', undefined, landed({ rejected: 3, rejectedDetail: '3 unreadable records counted and skipped (line 4)' }), undefined, 5, { status: 'complete', detail: '3 unreadable records counted and skipped (line 4)' }],
    ['unreadable records, no detail', undefined, landed({ rejected: 3 }), undefined, 5, { status: 'complete', detail: '3 unreadable records counted and skipped' }],
    ['a stop outranks unreadable records', undefined, landed({ rejected: 3 }), 'time budget', 5, { status: 'partial', detail: 'stopped at the time budget after 5 rows' }],
  ];
  for (const [name, failure, what, stoppedBy, rows, expected] of cases) {
    test(name, () => assert.deepEqual(sampleOutcome(failure, what, stoppedBy, rows), expected));
  }
});

describe('landingOver', { timeout: 10_000 }, () => {
  const cases: [string, boolean, number | undefined, number, boolean][] = [
    ['not stopped', false, undefined, 5_000, false],
    ['not stopped, a copy cut short', true, undefined, 5_000, false],
    ['stopped: over at once', false, 1_000, 1_000, true],
    ['a copy cut short lands on just after the stop', true, 1_000, 1_000, false],
    ['a copy cut short, 1 ms before the grace ends', true, 1_000, 1_000 + LAND_AFTER_STOP_MS - 1, false],
    ['a copy cut short, as the grace ends', true, 1_000, 1_000 + LAND_AFTER_STOP_MS, true],
    ['a copy cut short, long after', true, 1_000, 9_000, true],
  ];
  for (const [name, landsAfterStop, stoppedAt, now, expected] of cases) {
    test(name, () => assert.equal(landingOver(landsAfterStop, stoppedAt, now), expected));
  }
});
