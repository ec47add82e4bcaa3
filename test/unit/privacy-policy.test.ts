// The policy's decisions (table-driven) and its transforms: each JS transform and its DuckDB SQL
// twin give the same output on the same values, so both landing paths land the same text.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import type { PrivacyClass } from '../../src/shared/privacy.js';
import { PrivacyGate } from '../../src/engine/privacy/gate.js';
import { decideColumn, policyProblems, stricter, unmatchedRules, type PolicyLayers } from '../../src/engine/privacy/policy.js';
import { hashValue, hashValueSql, maskText, maskTextSql, maskValue, maskValueSql, transformer } from '../../src/engine/privacy/transform.js';
import { quoteLiteral } from '../../src/engine/workspace/sql.js';

const TIMEOUT = { timeout: 60_000 };

describe('decideColumn', TIMEOUT, () => {
  const layers: PolicyLayers = {
    source: 'crm',
    own: { default: 'mask-detected', hash: ['customer_email'], keep: ['ip-address', 'public_contact'], drop: ['secret'] },
    workspace: { mask: ['notes'], hash: ['phone'] },
  };
  const rows: [string, PrivacyClass[], string | undefined][] = [
    ['customer_email', [], 'hash: [customer_email]'], // a named field is decided before any value is seen
    ['customer_email', ['email'], 'hash: [customer_email]'],
    ['public_contact', ['email'], undefined], // keep by name wins over mask-detected
    ['notes', [], 'mask: [notes]'], // the workspace's rule applies where the source names nothing
    ['other_email', ['email'], 'mask-detected: email'],
    ['client_ip', ['ip-address'], undefined], // kept by class
    ['mobile', ['phone'], 'hash: [phone]'],
    ['comment', ['email', 'secret'], 'drop: [secret]'], // the strictest class wins
    ['plain', [], undefined],
  ];
  for (const [field, classes, reason] of rows) {
    test(`${field} ${JSON.stringify(classes)} → ${reason ?? 'landed as it is'}`, () => {
      assert.equal(decideColumn(field, classes, layers).column?.reason, reason);
    });
  }
  test('under default detect, a detected class no rule names is uncovered (warned about), not transformed', () => {
    const decision = decideColumn('note', ['email'], { source: 'crm', own: { hash: ['phone'] } });
    assert.equal(decision.column, undefined);
    assert.deepEqual(decision.uncovered, ['email']);
  });
  test('decisions only grow stricter', () => {
    const mask = { field: 'a', action: 'mask' as const, reason: 'm' };
    const drop = { field: 'a', action: 'drop' as const, reason: 'd' };
    assert.equal(stricter(mask, drop), drop);
    assert.equal(stricter(drop, mask), drop);
    assert.equal(stricter(mask, undefined), mask);
  });
  test('an item under two actions is a problem', () => {
    assert.deepEqual(policyProblems({ mask: ['email'], keep: ['email'] }), ["privacy: 'email' is under both mask and keep"]);
    assert.deepEqual(policyProblems({ mask: ['email'], keep: ['ip-address'] }), []);
  });
});

describe('the gate: batches scanned before they land', TIMEOUT, () => {
  const field = (name: string, duckType = 'VARCHAR') => ({ name, type: 'string' as const, duckType, nullable: true });
  const columns = ['id', 'contact'];

  test('a class first seen in a later batch masks that batch and every later one; earlier values were not detected and stay', () => {
    const gate = new PrivacyGate({ source: 's', own: { default: 'mask-detected' } }, undefined);
    assert.equal(gate.start([field('id', 'BIGINT'), field('contact')]), false);
    const first = [[1, 'call the desk'], [2, 'n/a']];
    assert.equal(gate.scan(columns, first, (i) => ({ line: i + 1 })), false);
    assert.deepEqual(gate.apply(columns, first), first);
    const second = [[3, 'mail ada@example.com'], [4, 'call the desk']];
    assert.equal(gate.scan(columns, second, (i) => ({ line: i + 3 })), true, 'the action changed: the writer must evolve');
    assert.deepEqual(gate.apply(columns, second), [[3, 'mail [email]'], [4, 'call the desk']]);
    assert.deepEqual(gate.landedFields([field('id', 'BIGINT'), field('contact')]).map((f) => f.duckType), ['BIGINT', 'VARCHAR']);
    const result = gate.result();
    assert.deepEqual(result.columns, [{ field: 'contact', action: 'mask', reason: 'mask-detected: email' }]);
    assert.equal(result.findings[0]?.summary, '25% of `contact` values hold an email (1 of 4)');
    assert.deepEqual(result.findings[0]?.examples, [{ provenance: { line: 3 }, masked: 'mail [email]' }]);
  });

  test('a rule naming a field applies from the first row; a card column stored as integers lands as masked text', () => {
    const gate = new PrivacyGate({ source: 's', own: { hash: ['contact'], mask: ['payment-card'] } }, 'k');
    assert.equal(gate.start([field('card', 'BIGINT'), field('contact')]), true);
    const rows = [[4111111111111111n, 'ada@example.com']];
    gate.scan(['card', 'contact'], rows, () => ({}));
    const [landed] = gate.apply(['card', 'contact'], rows);
    assert.equal(landed![0], '************1111');
    assert.match(String(landed![1]), /^[0-9a-f]{64}$/);
    assert.deepEqual(gate.landedFields([field('card', 'BIGINT'), field('contact')]).map((f) => f.duckType), ['VARCHAR', 'VARCHAR']);
  });

  test('a read that runs once (a pipe): under a policy that needs detection, text columns get the span mask; findings from the landed rows warn', () => {
    const fields = [field('id', 'BIGINT'), field('note'), field('phone')];
    const gate = new PrivacyGate({ source: 's', own: { default: 'mask-detected' } }, undefined);
    gate.start(fields);
    gate.landUnseen(fields);
    assert.deepEqual(gate.apply(['id', 'note', 'phone'], [[1, 'mail ada@example.com', '+14155552671']]), [[1, 'mail [email]', '+14155552671']]);
    gate.scanLanded(['id', 'note', 'phone'], [[1, 'mail [email]', '+14155552671']], () => ({ rowid: 1 }));
    const { warnings } = gate.result();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^100% of `phone` values are a phone number .*landed as it is: this read \(a pipe\) lands in one pass/);
    const detectOnly = new PrivacyGate({ source: 's', own: { hash: ['note'] } }, 'k');
    detectOnly.landUnseen(fields);
    assert.equal(detectOnly.transforms, false, 'a policy of field rules only needs no detection');
  });

  test('a hashing policy without a key is refused before anything lands', () => {
    assert.throws(() => new PrivacyGate({ source: 's', own: { hash: ['email'] } }, undefined), /no hashing key is set/);
  });

  test('rules of the source naming no column and no class are named (nested paths are not matched)', () => {
    assert.deepEqual(unmatchedRules({ source: 's', own: { hash: ['customer.email', 'email'], keep: ['ip-address'] }, workspace: { mask: ['elsewhere'] } }, ['email']), ['hash: [customer.email]']);
  });
});

describe('transforms: JS and SQL agree', TIMEOUT, () => {
  const values = [
    'ada@example.com', '4111111111111111', '+44 20 7946 0958', 'DE89370400440532013000', 'short', 'abc', '',
    'José Álvarez-Núñez', '用户@例子.广告', 'mail ada@example.com or grace@example.org, key AKIAIOSFODNN7EXAMPLE',
    'card 4111 1111 1111 1111, ssn 123-45-6789, iban DE89370400440532013000',
    'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmN end',
  ];
  const key = 'workspace-key-0123';

  test('maskValue keeps an email domain and the last four characters', () => {
    assert.equal(maskValue('ada@example.com'), '***@example.com');
    assert.equal(maskValue('4111111111111111'), '************1111');
    assert.equal(maskValue('4111-1111-1111-1111'), '****-****-****-1111');
    assert.equal(maskValue('short'), '*****');
  });
  test('maskText replaces the sensitive spans only', () => {
    assert.equal(maskText('mail ada@example.com now'), 'mail [email] now');
    assert.equal(maskText('key AKIAIOSFODNN7EXAMPLE here'), 'key [secret] here');
  });
  test('hashValue is HMAC-SHA256 under the key', () => {
    assert.equal(hashValue('ada@example.com', key), createHmac('sha256', key).update('ada@example.com').digest('hex'));
    assert.notEqual(hashValue('ada@example.com', key), hashValue('ada@example.com', 'another key'));
    // The landing path's hasher (precomputed pads, a cache) gives the same digests, long keys included.
    for (const k of [key, 'k'.repeat(100)]) {
      const hash = transformer({ action: 'hash' }, k);
      // Short texts go through a reused buffer, longer ones (and ones of many multi-byte characters) do not.
      for (const value of ['ada@example.com', 'ada@example.com', 'José', 42, '', '€'.repeat(1024), 'x'.repeat(1025), '😀'.repeat(600), 'lone \ud800 surrogate']) {
        assert.equal(hash(value), createHmac('sha256', k).update(String(value)).digest('hex'), String(value).slice(0, 20));
      }
    }
  });

  test('the SQL twins give the same text as JS', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      const longKey = 'k'.repeat(100); // longer than the HMAC block: hashed first
      for (const value of values) {
        const v = quoteLiteral(value);
        const [row] = (await connection.runAndReadAll(`SELECT ${maskValueSql(v)}, ${maskTextSql(v)}, ${hashValueSql(v, key)}, ${hashValueSql(v, longKey)}`)).getRowsJS();
        assert.deepEqual(row, [maskValue(value), maskText(value), hashValue(value, key), hashValue(value, longKey)], value);
      }
    } finally {
      connection.closeSync();
      db.closeSync();
    }
  });
});
