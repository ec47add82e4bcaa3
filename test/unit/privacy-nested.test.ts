// Privacy on fields inside nested values: path matching (table-driven, near misses included), the
// scanner's findings per path, the gate's decisions on nested fields, and the nested transforms in JS
// and in DuckDB SQL giving the same JSON on the same values.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { columnOf, isInside, keysBelow, normalizePath, samePath } from '../../src/shared/privacy-path.js';
import { columnPrivacy, privacyBadge } from '../../src/shared/privacy.js';
import type { SampleInfo } from '../../src/shared/types.js';
import { guardExport, unmaskedFindings } from '../../src/engine/privacy/export-guard.js';
import { PrivacyGate } from '../../src/engine/privacy/gate.js';
import { nestedApplier, nestedSql, type NestedTransform } from '../../src/engine/privacy/nested.js';
import { decideColumn, enclosingRule, unmatchedRules, type PolicyLayers } from '../../src/engine/privacy/policy.js';
import { PrivacyScanner } from '../../src/engine/privacy/scan.js';
import { quoteLiteral } from '../../src/engine/workspace/sql.js';

const TIMEOUT = { timeout: 60_000 };

describe('path matching', TIMEOUT, () => {
  const same: [string, string, boolean][] = [
    ['user.email', 'user.email', true],
    ['user.emails', 'user.email', false], // a longer key is another field
    ['user.email', 'user.emails', false],
    ['user_email', 'user.email', false], // a flat name is not a path
    ['User.Email', 'user.email', false], // keys are case-sensitive, as JSON's are
    ['user.email', 'user.Email', false],
    ['items[].card', 'items[].card', true],
    ['items.card', 'items[].card', true], // arrays are transparent
    ['items[*].card', 'items[].card', true],
    ['items[0].card', 'items[].card', false], // one element cannot be named
    ['items[].card', 'items[].cards', false],
    ['payload.customer.email', 'payload.customer.email', true],
    ['payload.customer', 'payload.customer.email', false], // an enclosing field is not the same field
    ['email', 'email', true], // classes and columns compare as they are
    ['email', 'user.email', false],
    ['customer_email', 'customer_email', true],
  ];
  for (const [item, path, expected] of same) {
    test(`samePath(${item}, ${path}) is ${expected}`, () => assert.equal(samePath(item, path), expected));
  }

  const inside: [string, string, boolean][] = [
    ['user.email', 'user', true],
    ['payload.customer.email', 'payload.customer', true],
    ['payload.customer.email', 'payload', true],
    ['items[].card', 'items', true],
    ['user.email', 'user.email', false], // not strictly inside itself
    ['user_email', 'user', false],
    ['users.email', 'user', false], // a column whose name starts the same is another column
    ['user.emails', 'user.email', false],
    ['User.email', 'user', false],
  ];
  for (const [path, ancestor, expected] of inside) {
    test(`isInside(${path}, ${ancestor}) is ${expected}`, () => assert.equal(isInside(path, ancestor), expected));
  }

  const below: [string, string, string[] | undefined][] = [
    ['user.email', 'user', ['email']],
    ['payload.customer.email', 'payload', ['customer', 'email']],
    ['items[].card', 'items', ['card']],
    ['items[*].card', 'items', ['card']],
    ['user', 'user', undefined], // the column itself
    ['users.email', 'user', undefined],
    ['user..email', 'user', undefined], // an empty key
    ['user.', 'user', undefined],
    ['a.b.c', 'a.b', ['c']], // a column named with a dot
  ];
  for (const [item, column, expected] of below) {
    test(`keysBelow(${item}, ${column}) is ${JSON.stringify(expected)}`, () => assert.deepEqual(keysBelow(item, column), expected));
  }

  test('columnOf takes the longest column a path starts at; none for a near miss', () => {
    assert.equal(columnOf('a.b.c', ['a', 'a.b']), 'a.b');
    assert.equal(columnOf('user.email', ['user', 'users']), 'user');
    assert.equal(columnOf('user_email.x', ['user']), undefined);
    assert.equal(columnOf('items[].card', ['items']), 'items');
    assert.equal(normalizePath('a[].b[*].c'), 'a.b.c');
  });
});

describe('policy decisions on nested paths', TIMEOUT, () => {
  const layers: PolicyLayers = {
    source: 'app',
    own: { default: 'mask-detected', hash: ['user.email', 'items[].card'], keep: ['payload.public'], drop: ['payload.customer.token'] },
  };
  const rows: [string, string[], string | undefined][] = [
    ['user.email', [], 'hash: [user.email]'],
    ['user.emails', ['email'], 'mask-detected: email'], // a near miss of the rule: only the default applies
    ['user_email', ['email'], 'mask-detected: email'],
    ['items[].card', ['payment-card'], 'hash: [items[].card]'],
    ['items.card', [], 'hash: [items[].card]'], // the rule as written
    ['payload.customer.token', ['secret'], 'drop: [payload.customer.token]'],
    ['payload.public', ['email'], undefined], // kept by name
  ];
  for (const [path, classes, reason] of rows) {
    test(`${path} ${JSON.stringify(classes)} → ${reason ?? 'landed as it is'}`, () => {
      assert.equal(decideColumn(path, classes as never, layers).column?.reason, reason);
    });
  }
  test('an enclosing rule covers the fields inside it; a rule on a path inside a landed column is not unmatched', () => {
    assert.deepEqual(enclosingRule(layers, 'payload.public.email'), { item: 'payload.public', action: 'keep' });
    assert.equal(enclosingRule(layers, 'payload.publicity'), undefined);
    assert.deepEqual(unmatchedRules(layers, ['user', 'items', 'payload']), []);
    assert.deepEqual(unmatchedRules(layers, ['user_email']), ['drop: [payload.customer.token]', 'hash: [user.email]', 'hash: [items[].card]', 'keep: [payload.public]']);
  });
});

const EMAILS = ['ann@example.com', 'bob@example.org'];
const record = (i: number) => ({
  id: i,
  user: { email: EMAILS[i % 2], plan: 'pro', name: null },
  items: [{ card: '4111111111111111', sku: `sku-${i}` }, { card: '5500005555555559', sku: 'x' }],
  payload: { customer: { email: EMAILS[i % 2], note: `call me at ${EMAILS[0]}` }, public: { email: 'press@example.net' } },
});

describe('the scanner finds classes per nested path', TIMEOUT, () => {
  test('objects, arrays of objects and JSON text are searched key by key', () => {
    const scanner = new PrivacyScanner();
    const rows = Array.from({ length: 10 }, (_, i) => [i, record(i), JSON.stringify(record(i))]);
    scanner.observeRows(['id', 'doc', 'doc_text'], rows, Array.from({ length: 10 }, (_, i) => ({ line: i + 1 })));
    const found = new Map(scanner.findings().map((f) => [`${f.field}:${f.class}:${f.within}`, f.share]));
    for (const column of ['doc', 'doc_text']) {
      assert.equal(found.get(`${column}.user.email:email:whole`), 1);
      assert.equal(found.get(`${column}.items[].card:payment-card:whole`), 1, 'each card of each list is a value of items[].card');
      assert.equal(found.get(`${column}.payload.customer.note:email:text`), 1);
      assert.equal(found.get(`${column}.payload.public.email:email:whole`), 1);
    }
    assert.equal([...found.keys()].some((k) => k.startsWith('doc:') || k.startsWith('id:') || k.includes('sku')), false, 'nothing at the column itself, the id or the SKUs');
    assert.deepEqual(scanner.classesOf('doc.items.card'), ['payment-card'], 'a path is found with or without its array marker');
  });
});

describe('the gate on nested fields', TIMEOUT, () => {
  const field = (name: string, duckType: string) => ({ name, type: 'json' as const, duckType, nullable: true });

  test('rules by path transform nested fields from the first row; an enclosing keep and a near miss leave fields as they are', () => {
    const gate = new PrivacyGate({ source: 's', own: { hash: ['doc.user.email', 'doc.items[].card'], keep: ['doc.payload'], mask: ['doc.user.emails'] } }, 'k');
    gate.start([field('id', 'BIGINT'), field('doc', 'JSON')]);
    const rows = [[1, record(1)]];
    // Decided before the scan: the scan finds nothing new to decide.
    assert.equal(gate.scan(['id', 'doc'], rows, [{ line: 1 }]), false);
    const [row] = gate.apply(['id', 'doc'], rows);
    const doc = row![1] as ReturnType<typeof record>;
    assert.match(String(doc.user.email), /^[0-9a-f]{64}$/);
    assert.deepEqual(doc.items.map((i) => /^[0-9a-f]{64}$/.test(String(i.card))), [true, true]);
    assert.equal(doc.user.plan, 'pro');
    assert.equal(doc.user.name, null);
    assert.equal(doc.payload.customer.email, EMAILS[1], 'kept: doc.payload is kept whole');
    assert.deepEqual(gate.result().columns.map((c) => `${c.field} ${c.action}`).sort(), ['doc.items[].card hash', 'doc.user.email hash']);
    assert.deepEqual(gate.result().warnings.filter((w) => w.includes('doc.user.emails')).length, 1, 'the near miss is warned about as naming no field');
  });

  test('under mask-detected, detected nested fields are masked, the rest of the value kept; the grid and profile see them per path', () => {
    const gate = new PrivacyGate({ source: 's', own: { default: 'mask-detected' } }, undefined);
    const rows = [[1, record(1)]];
    gate.scan(['id', 'doc'], rows, [{ line: 1 }]);
    const [row] = gate.apply(['id', 'doc'], rows);
    const doc = row![1] as ReturnType<typeof record>;
    assert.equal(doc.user.email, '***@example.org');
    assert.equal(doc.payload.customer.note, 'call me at [email]');
    assert.deepEqual(doc.items.map((i) => i.sku), ['sku-1', 'x']);
    const privacy = gate.result();
    assert.deepEqual(privacy.warnings, []);
    assert.equal(columnPrivacy(privacy, 'doc.user.email')?.landed, 'masked');
    const column = columnPrivacy(privacy, 'doc');
    assert.equal(column?.landed, 'masked');
    assert.match(column?.reason ?? '', /doc\.user\.email: mask-detected: email/);
    assert.deepEqual(column?.inside?.sort(), ['doc.items[].card', 'doc.payload.customer.email', 'doc.payload.customer.note', 'doc.payload.public.email', 'doc.user.email']);
    assert.equal(privacyBadge(column!), 'masked inside', 'the badge says it is a field inside the column');
    assert.equal(privacyBadge(columnPrivacy(privacy, 'doc.user.email')!), 'masked');
    assert.equal(columnPrivacy(privacy, 'id'), undefined);
  });

  test('under detect, an uncovered nested detection is warned about with the nested path to add', () => {
    const gate = new PrivacyGate({ source: 'app', own: {} }, undefined);
    gate.scan(['doc'], [[record(0)]], [{ line: 1 }]);
    const warnings = gate.result().warnings.join('\n');
    assert.match(warnings, /privacy: \{ hash: \[doc\.user\.email\] \}/);
    assert.equal(columnPrivacy(gate.result(), 'doc')?.landed, 'unmasked');
  });
});

describe('nested transforms: JS and DuckDB SQL give the same JSON', TIMEOUT, () => {
  const transforms: NestedTransform[] = [
    { keys: ['user', 'email'], transform: { action: 'hash' } },
    { keys: ['items', 'card'], transform: { action: 'mask' } },
    { keys: ['payload', 'customer', 'note'], transform: { action: 'mask-text' } },
    { keys: ['payload', 'public'], transform: { action: 'drop' } },
  ];
  const values = [record(0), record(1), { id: 2, user: null }, { id: 3, items: [], payload: { customer: 'text' } }, { id: 4, user: { email: 17 } }, [record(5)]];

  test('on JSON, on JSON text and on a STRUCT; text that is not JSON stays', async () => {
    const js = nestedApplier(transforms, 'key');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      for (const value of values) {
        const text = JSON.stringify(value);
        const expected = JSON.stringify(js(value));
        assert.equal(js(text), expected, 'JSON text lands as text');
        for (const [expr, type] of [[`${quoteLiteral(text)}::JSON`, 'JSON'], [quoteLiteral(text), 'VARCHAR']] as const) {
          const got = String((await connection.runAndReadAll(`SELECT CAST(${nestedSql(expr, type, transforms, 'key')} AS VARCHAR)`)).getRowsJS()[0]![0]);
          assert.deepEqual(JSON.parse(got), JSON.parse(expected), `${type}: ${text}`);
          assert.equal(got, expected, 'same keys in the same order');
        }
      }
      const plain = (await connection.runAndReadAll(`SELECT ${nestedSql(quoteLiteral('not json {'), 'VARCHAR', transforms, 'key')}`)).getRowsJS()[0]![0];
      assert.equal(plain, 'not json {');
      const struct = `{'user': {'email': 'ann@example.com', 'plan': 'pro'}, 'items': [{'card': 4111111111111111, 'sku': 'a'}]}`;
      const fromStruct = (await connection.runAndReadAll(`SELECT CAST(${nestedSql(struct, 'STRUCT(user STRUCT(email VARCHAR, plan VARCHAR), items STRUCT(card BIGINT, sku VARCHAR)[])', transforms, 'key')} AS VARCHAR)`)).getRowsJS()[0]![0];
      assert.equal(fromStruct, JSON.stringify(js({ user: { email: 'ann@example.com', plan: 'pro' }, items: [{ card: 4111111111111111, sku: 'a' }] })));
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  test('the driver\'s own objects are not changed', () => {
    const value = record(0);
    const before = JSON.stringify(value);
    nestedApplier(transforms, 'key')(value);
    assert.equal(JSON.stringify(value), before);
  });
});

describe('export control on nested fields', TIMEOUT, () => {
  const finding = (field: string) => ({ field, class: 'email' as const, count: 1, values: 1, share: 1, within: 'whole' as const, confidence: 'high' as const, examples: [], summary: `100% of \`${field}\` values are an email` });
  const policy = { export: 'refuse-unmasked' as const };
  const sample = {
    id: 'app_docs_1',
    privacy: { policy, scanned: 1, findings: [finding('user.email'), finding('doc.card'), finding('items[].owner')], columns: [{ field: 'doc', action: 'hash' as const, reason: 'hash: [doc]' }], warnings: [] },
  } as unknown as SampleInfo;

  test('a raw nested field refuses its column; one inside a hashed column does not', () => {
    assert.deepEqual(unmaskedFindings(sample).map((f) => f.field), ['user.email', 'items[].owner']);
    assert.throws(() => guardExport({ policy, samples: [sample], columns: ['user'] }), /'user\.email' holds personal data/);
    assert.throws(() => guardExport({ policy, samples: [sample], columns: ['items'] }), /'items\[\]\.owner'/);
    assert.doesNotThrow(() => guardExport({ policy, samples: [sample], columns: ['doc'] }));
    assert.doesNotThrow(() => guardExport({ policy, samples: [sample], columns: ['users'] }), 'a near miss of the column');
    assert.throws(() => guardExport({ policy, samples: [sample], sql: 'SELECT id, user FROM samples.app_docs_1' }), /'user\.email'/);
    assert.doesNotThrow(() => guardExport({ policy, samples: [sample], sql: 'SELECT id, doc FROM samples.app_docs_1' }));
  });
});

describe('warnings on nested fields', TIMEOUT, () => {
  test('a keep on the column or an enclosing field silences the detections inside it; a near miss does not', () => {
    const warned = (own: Record<string, string[]>) => {
      const gate = new PrivacyGate({ source: 'app', own }, undefined);
      gate.scan(['doc'], [[record(0)]], [{ line: 1 }]);
      return gate.result().warnings.filter((w) => w.includes('doc.payload.customer.email')).length;
    };
    assert.equal(warned({}), 1);
    assert.equal(warned({ keep: ['doc'] }), 0);
    assert.equal(warned({ keep: ['doc.payload'] }), 0);
    assert.equal(warned({ keep: ['doc.payload.customer'] }), 0);
    assert.equal(warned({ keep: ['doc.payloads'] }), 1);
  });
});
