import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { redact } from '../../src/shared/errors.js';
import { sampleIdBase } from '../../src/engine/workspace/sql.js';
import { Ajv } from 'ajv';
import { adHocSource, formatProblem, loadSources, parseSources, resolveSource, saveSource, sourcesSchema } from '../../src/engine/sources/config.js';
import { sourcesCompletion, sourcesDiagnostics } from '../../src/engine/lsp/sourcesYaml.js';
import { driverKinds } from '../../src/engine/drivers/registry.js';

describe('sources.yaml', () => {
  test('valid entries load; schema problems are reported with their position', () => {
    const text = 'sources:\n  - name: shop\n    kind: sqlite\n    path: shop.db\n  - name: bad\n    kind: oracle\n    path: x\n';
    const loaded = parseSources(text, 'sources.yaml');
    assert.deepEqual(loaded.definitions.map((d) => d.name), ['shop', 'bad']);
    const problem = loaded.problems.find((p) => p.message.startsWith("Source 'bad': unknown kind 'oracle'"));
    assert.ok(problem, JSON.stringify(loaded.problems));
    assert.equal(text.slice(problem.range![0], problem.range![1]), 'oracle');
  });

  test('YAML syntax errors and duplicate names are problems, not crashes', () => {
    assert.ok(parseSources('sources:\n  - name: [unclosed\n', 'x').problems.length > 0);
    const dup = parseSources('sources:\n  - {name: a, kind: file, path: x}\n  - {name: a, kind: file, path: y}\n', 'x');
    assert.equal(dup.definitions.length, 1);
    assert.match(dup.problems[0]?.message ?? '', /Duplicate source name 'a'/);
  });

  test('every problem says file:line:col, as the engine warns it', () => {
    const text = 'sources:\n  - name: shop\n    kind: sqlite\n    path: shop.db\n  - name: shop\n    kind: oracle\n    path: x\n';
    const loaded = parseSources(text, '/w/.headwater/sources.yaml');
    const lines = loaded.problems.map((p) => formatProblem(loaded.path, p));
    assert.ok(lines.some((l) => l.startsWith("/w/.headwater/sources.yaml:6:11: Source 'shop': unknown kind 'oracle'; known kinds: sqlite,")), lines.join('\n'));
    assert.ok(lines.includes("/w/.headwater/sources.yaml:5:11: Duplicate source name 'shop'"), lines.join('\n'));
    const syntax = parseSources('sources:\n  - name: [unclosed\n', 'x.yaml').problems[0]!;
    assert.match(formatProblem('x.yaml', syntax), /^x\.yaml:\d+:\d+: /);
    assert.equal(formatProblem('x.yaml', { message: 'no position' }), 'x.yaml: no position');
  });

  test('a source needs a url or a path', () => {
    const loaded = parseSources('sources:\n  - name: a\n    kind: file\n', 'x');
    assert.ok(loaded.problems.some((p) => p.message === "Source 'a': a file source needs 'path' or 'url'"), JSON.stringify(loaded.problems));
  });

  test('ad-hoc sources by URL or path', () => {
    assert.deepEqual(adHocSource('sqlite:///tmp/shop.db'), { name: 'sqlite:///tmp/shop.db', kind: 'sqlite', url: 'sqlite:///tmp/shop.db' });
    assert.equal(adHocSource('file:///data/x.csv')?.kind, 'file');
    assert.equal(adHocSource('./export.csv.gz')?.kind, 'file');
    assert.equal(adHocSource('shop.sqlite')?.kind, 'sqlite');
    assert.equal(adHocSource('just-a-name'), undefined);
  });
});

describe('secret references', () => {
  test('resolve ${env:} and ${secret:} without writing values anywhere, and list them for redaction', async () => {
    process.env.HW_TEST_TOKEN = 'tok-123456';
    const resolved = await resolveSource(
      { name: 's', kind: 'http', url: 'https://u:${secret:PW}@h/x', options: { headers: { authorization: 'Bearer ${env:HW_TEST_TOKEN}' } } },
      '/base',
      async (names) => Object.fromEntries(names.map((n) => [n, n === 'PW' ? 'p4ssw0rd' : undefined])),
    );
    assert.equal(resolved.url, 'https://u:p4ssw0rd@h/x');
    assert.deepEqual(resolved.options.headers, { authorization: 'Bearer tok-123456' });
    assert.deepEqual(resolved.secrets.sort(), ['p4ssw0rd', 'tok-123456']);
    assert.equal(redact(`failed to reach ${resolved.url} with tok-123456`, resolved.secrets), 'failed to reach https://u:***@h/x with ***');
  });

  test('a missing reference is a clear error naming the source and the reference, not the value', async () => {
    delete process.env.HW_MISSING;
    await assert.rejects(
      resolveSource({ name: 'api', kind: 'file', path: '${env:HW_MISSING}' }, '/b', async () => ({})),
      (e: Error) => /Source 'api': \$\{env:HW_MISSING\} is not set/.test(e.message),
    );
  });

  test('relative paths resolve against the workspace folder', async () => {
    const resolved = await resolveSource({ name: 'f', kind: 'file', path: 'data/x.csv' }, '/work/ws', async () => ({}));
    assert.equal(resolved.path, '/work/ws/data/x.csv');
  });
});

describe('saving sources', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hw-src-'));
    mkdirSync(join(dir, '.headwater'));
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), '# team sources\nsources:\n  - name: a # the first\n    kind: file\n    path: a.csv\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('adds and replaces entries while keeping comments', () => {
    saveSource(dir, { name: 'b', kind: 'sqlite', path: 'b.db' });
    saveSource(dir, { name: 'a', kind: 'file', path: 'a2.csv' });
    const text = readFileSync(join(dir, '.headwater', 'sources.yaml'), 'utf8');
    assert.match(text, /# team sources/);
    assert.deepEqual(loadSources(dir).definitions.map((d) => [d.name, d.path]), [['a', 'a2.csv'], ['b', 'b.db']]);
  });

  test('refuses an invalid source and leaves the file as it was', () => {
    const before = readFileSync(join(dir, '.headwater', 'sources.yaml'), 'utf8');
    assert.throws(() => saveSource(dir, { name: '9bad name', kind: 'file', path: 'x' }), /not valid/);
    assert.equal(readFileSync(join(dir, '.headwater', 'sources.yaml'), 'utf8'), before);
  });
});

describe('sources.yaml language features', () => {
  const doc = (text: string) => TextDocument.create('file:///w/.headwater/sources.yaml', 'yaml', 1, text);

  test('diagnostics point at the offending value', () => {
    const diagnostics = sourcesDiagnostics(doc('sources:\n  - name: x\n    kind: oracle\n    path: p\n'));
    const kind = diagnostics.find((d) => String(d.message).includes('kind'));
    assert.ok(kind);
    assert.deepEqual(kind.range.start, { line: 2, character: 10 });
  });

  test('completion offers source keys and kinds from the schema', () => {
    const keys = sourcesCompletion(doc('sources:\n  - name: x\n    '), { line: 2, character: 4 }).map((c) => c.label);
    for (const key of ['kind', 'path', 'url', 'options']) assert.ok(keys.includes(key), keys.join(','));
    const kinds = sourcesCompletion(doc('sources:\n  - name: x\n    kind: '), { line: 2, character: 10 }).map((c) => c.label);
    // Every kind the registry lists, in its order (each manifest adds its own).
    assert.deepEqual(kinds, driverKinds());
    for (const kind of ['sqlite', 'file', 'postgres', 'mysql', 'logs', 'http', 's3']) assert.ok(kinds.includes(kind), kind);
  });
});

describe('sources.yaml checked by each kind\'s manifest', { timeout: 30_000 }, () => {
  const doc = (text: string) => TextDocument.create('file:///w/.headwater/sources.yaml', 'yaml', 1, text);
  const at = (text: string, d: { range: { start: { line: number; character: number }; end: { line: number; character: number } } }) => {
    const lines = text.split('\n');
    return lines[d.range.start.line]!.slice(d.range.start.character, d.range.end.line === d.range.start.line ? d.range.end.character : undefined);
  };

  test('a misspelt option is underlined where it is written, with the name it was meant to be', () => {
    const text = 'sources:\n  - name: pg\n    kind: postgres\n    host: db\n    options:\n      statementTimeotMs: 5000\n';
    const [diagnostic, ...others] = sourcesDiagnostics(doc(text));
    assert.equal(others.length, 0, JSON.stringify(others));
    assert.match(String(diagnostic!.message), /^Source 'pg': unknown option 'statementTimeotMs' \(did you mean 'statementTimeoutMs'\?\); allowed: sslmode, /);
    assert.equal(at(text, diagnostic!), 'statementTimeotMs');
  });

  test('a value of the wrong type is underlined, with what was given and what is allowed', () => {
    const text = 'sources:\n  - name: bus\n    kind: kafka\n    url: kafka://b:9092\n    options:\n      valueFormat: avro\n      ssl: "yes"\n';
    const diagnostics = sourcesDiagnostics(doc(text));
    assert.deepEqual(diagnostics.map((d) => [at(text, d), d.message]), [
      ['avro', `Source 'bus': 'options.valueFormat' must be one of auto, json, string, hex, base64, registry; got "avro"`],
      ['"yes"', `Source 'bus': 'options.ssl' must be true or false; got "yes"`],
    ]);
  });

  test('a field of another level is pointed to where it belongs; a near-miss right entry has no diagnostic', () => {
    const text = 'sources:\n  - name: hooks\n    kind: webhook\n    port: 9000\n  - name: pg\n    kind: postgres\n    host: db\n    port: "${env:PGPORT}"\n    options: { lockTimeoutMs: 1 }\n';
    assert.deepEqual(sourcesDiagnostics(doc(text)).map((d) => [at(text, d), d.message]), [['port', "Source 'hooks': 'port' is an option: write it under options:"]]);
  });

  test('completion offers the options of the entry\'s own kind, and the values an option allows', () => {
    const text = 'sources:\n  - name: bus\n    kind: kafka\n    options:\n      \n  - name: pg\n    kind: postgres\n';
    const keys = sourcesCompletion(doc(text), { line: 4, character: 6 }).map((c) => c.label);
    for (const key of ['brokers', 'keyFormat', 'valueFormat', 'sasl']) assert.ok(keys.includes(key), keys.join(','));
    assert.ok(!keys.includes('sslmode') && !keys.includes('name'), `no other kind's options, no entry fields: ${keys.join(',')}`);
    const values = sourcesCompletion(doc(text.replace('options:\n      \n', 'options:\n      keyFormat: \n')), { line: 4, character: 17 }).map((c) => c.label);
    assert.deepEqual(values, ['auto', 'json', 'string', 'hex', 'base64', 'registry']);
    const top = sourcesCompletion(doc('sources:\n  - name: pg\n    kind: postgres\n    \n'), { line: 3, character: 4 }).map((c) => c.label);
    for (const key of ['host', 'port', 'replica', 'options']) assert.ok(top.includes(key), top.join(','));
    assert.ok(!top.includes('path'), 'a postgres entry has no path');
  });

  test('the JSON Schema served to editors agrees with the manifests\' checks', () => {
    const validate = new Ajv({ allErrors: true, strict: false, discriminator: true }).compile(sourcesSchema());
    const entries: [Record<string, unknown>, boolean][] = [
      [{ name: 'a', kind: 'postgres', host: 'db', options: { statementTimeoutMs: 5 } }, true],
      [{ name: 'a', kind: 'postgres', host: 'db', options: { statementTimeotMs: 5 } }, false],
      [{ name: 'a', kind: 'postgres', options: {} }, false],
      [{ name: 'a', kind: 'kafka', url: 'kafka://b:9092', options: { keyFormat: 'hex' } }, true],
      [{ name: 'a', kind: 'kafka', url: 'kafka://b:9092', path: 'x' }, false],
      [{ name: 'a', kind: 'webhook', host: '127.0.0.1', options: { port: 9000, signature: { scheme: 'github', secret: 's' } } }, true],
      [{ name: 'a', kind: 'oracle', url: 'oracle://x' }, false],
    ];
    for (const [entry, valid] of entries) {
      const text = `sources:\n  - ${JSON.stringify(entry)}\n`;
      assert.equal(parseSources(text, 'x').problems.length === 0, valid, `manifests on ${JSON.stringify(entry)}`);
      assert.equal(validate({ sources: [entry] }), valid, `schema on ${JSON.stringify(entry)}`);
    }
  });
});

describe('names that land in the catalog', () => {
  test('an ad-hoc URL source is named without its password', () => {
    assert.equal(adHocSource('postgres://app:s3cret@db.internal:5432/shop')?.name, 'postgres://app@db.internal:5432/shop');
    assert.equal(adHocSource('postgres://app:s3cret@db.internal:5432/shop')?.url, 'postgres://app:s3cret@db.internal:5432/shop');
  });

  test('sample ids keep qualified entity names and drop only data-file extensions and credentials', () => {
    assert.equal(sampleIdBase('shop', 'orders'), 'shop_orders');
    assert.equal(sampleIdBase('pg', 'sales.orders'), 'pg_sales_orders');
    assert.equal(sampleIdBase('events', 'logs/2026/events.ndjson.gz'), 'events_events');
    assert.equal(sampleIdBase('postgres://app@db:5432/shop', 'public.orders'), 'postgres_shop_public_orders');
    assert.equal(sampleIdBase('sqlite:///tmp/x/shop.sqlite', 'customers'), 'sqlite_shop_customers');
    assert.equal(sampleIdBase('./exports/orders.csv', 'orders.csv'), 'file_orders_orders');
  });
});

describe('sources.yaml privacy:', { timeout: 30_000 }, () => {
  const doc = (text: string) => TextDocument.create('file:///w/.headwater/sources.yaml', 'yaml', 1, text);
  const at = (text: string, d: { range: { start: { line: number; character: number }; end: { line: number; character: number } } }) => text.split('\n')[d.range.start.line]!.slice(d.range.start.character, d.range.end.character);

  test('a valid policy, per source and workspace-wide, loads with no problem and reaches no driver option', async () => {
    const text = 'privacy: { default: detect, hash: [email] }\nsources:\n  - name: crm\n    kind: sqlite\n    path: crm.db\n    privacy:\n      default: mask-detected\n      hash: [customer_email]\n      keep: [ip-address]\n';
    const loaded = parseSources(text, 'sources.yaml');
    assert.deepEqual(loaded.problems, []);
    assert.deepEqual(loaded.privacy, { default: 'detect', hash: ['email'] });
    const resolved = await resolveSource(loaded.definitions[0]!, '/w', async () => ({}));
    assert.equal('privacy' in resolved.options, false);
  });

  test('the schema and the engine check the same policy: a wrong default, an unknown key, an item under two actions', () => {
    const text = 'privacy: { mask: [email], keep: [email] }\nsources:\n  - name: crm\n    kind: sqlite\n    path: crm.db\n    privacy: { default: mask-all, encrypt: [x] }\n';
    const messages = sourcesDiagnostics(doc(text)).map((d) => [at(text, d), d.message]);
    assert.ok(messages.some(([, m]) => m === "privacy: 'email' is under both mask and keep"), JSON.stringify(messages));
    assert.ok(messages.some(([, m]) => /^Source 'crm': .*default.*detect, mask-detected/.test(String(m))), JSON.stringify(messages));
    assert.ok(messages.some(([, m]) => /^Source 'crm': .*encrypt/.test(String(m))), JSON.stringify(messages));
    const schema = sourcesSchema() as { properties: Record<string, { properties?: Record<string, unknown> }> };
    // export: (export control) is the workspace's alone.
    assert.deepEqual(Object.keys(schema.properties.privacy!.properties!), ['default', 'mask', 'hash', 'drop', 'keep', 'export']);
    const exportAtSource = 'sources:\n  - name: crm\n    kind: sqlite\n    path: crm.db\n    privacy: { export: refuse-unmasked }\n';
    assert.ok(sourcesDiagnostics(doc(exportAtSource)).some((d) => /export/.test(String(d.message))), 'a source cannot set export:');
  });
});
