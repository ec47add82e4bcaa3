// The policy's decisions (table-driven) and its transforms: each JS transform and its DuckDB SQL
// twin give the same output on the same values, so both landing paths land the same text.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import type { PrivacyClass } from '../../src/shared/privacy.js';
import { decideColumn, policyProblems, stricter, type PolicyLayers } from '../../src/engine/privacy/policy.js';
import { hashValue, hashValueSql, maskText, maskTextSql, maskValue, maskValueSql } from '../../src/engine/privacy/transform.js';
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
