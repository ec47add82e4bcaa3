// Privacy rules on fields inside nested values, end to end: the same records as an NDJSON file and a
// REST endpoint (JSON columns, landed in batches through JS), a Parquet file (STRUCT and STRUCT[]
// columns, landed by DuckDB itself through the SQL transforms) and a SQLite table whose columns hold
// JSON text, and MongoDB documents (FerretDB). Under `default: mask-detected, hash: [user.email,
// payload.customer.email]` no raw value reaches any file under .headwater/ (WAL included), the hashed
// paths join across the three samples, the catalog and the grid name the nested paths, the contract
// carries classification/pii on nested properties and `check` verifies the nested landsHashed rule.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { DuckDBInstance } from '@duckdb/node-api';
import { MongoClient } from 'mongodb';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parse as parseYaml } from 'yaml';
import { columnPrivacy } from '../../src/shared/privacy.js';
import type { SampleInfo } from '../../src/shared/types.js';
import { privacyCodeActions, privacyHints } from '../../src/engine/lsp/sourcesPrivacy.js';
import { quoteLiteral } from '../../src/engine/workspace/sql.js';
import { standardsMissing, validateArtifact } from '../unit/generate-standards.js';
import { ferretdbSkipReason, startFerretdb, type FerretService } from '../services/ferretdb.js';
import { checkJson } from './check-cli.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const ROWS = 400;
const KEY = 'nested-privacy-key';
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjdXN0b21lci00MiJ9.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
const VALID_CARDS = ['4111111111111111', '5500005555555559'];
const LUHN_FAILING = ['4111111111111112', '5500005555555558'];
const IBANS = ['DE89370400440532013000', 'GB82WEST12345698765432'];

function record(i: number) {
  return {
    id: i,
    user: { email: `customer${i % 50}@example.com`, phone: `+1 415 555 ${String(2600 + (i % 90)).padStart(4, '0')}`, plan: i % 3 === 0 ? 'pro' : 'free' },
    items: [{ card: VALID_CARDS[i % 2]!, sku: `sku-${i}` }, { card: LUHN_FAILING[i % 2]!, sku: `sku-${i + 1}` }],
    payload: {
      customer: { email: `buyer${i % 40}@example.org`, iban: IBANS[i % 2]! },
      note: i % 25 === 0 ? `rotated the deploy key ${AWS_KEY} today` : `order ${i} shipped`,
      session: i % 10 === 0 ? JWT : null,
    },
  };
}
const records = Array.from({ length: ROWS }, (_, i) => record(i));
const RAW = [...new Set([AWS_KEY, JWT, ...VALID_CARDS, ...LUHN_FAILING, ...IBANS, ...records.flatMap((r) => [r.user.email, r.user.phone, r.payload.customer.email])])];

async function writeFixtures(dir: string): Promise<void> {
  writeFileSync(join(dir, 'orders.ndjson'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  // The same records as Parquet, with STRUCT and STRUCT[] columns, which DuckDB lands by itself.
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`COPY (SELECT * FROM read_json(${quoteLiteral(join(dir, 'orders.ndjson'))}) ORDER BY id) TO ${quoteLiteral(join(dir, 'orders.parquet'))} (FORMAT parquet)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  const db = new Database(join(dir, 'crm.sqlite'));
  db.exec('DROP TABLE IF EXISTS orders; CREATE TABLE orders (id INTEGER PRIMARY KEY, user TEXT, items TEXT, payload TEXT)');
  const insert = db.prepare('INSERT INTO orders VALUES (?, ?, ?, ?)');
  db.transaction(() => { for (const r of records) insert.run(r.id, JSON.stringify(r.user), JSON.stringify(r.items), JSON.stringify(r.payload)); })();
  db.close();
}

function rawValuesIn(dir: string): string[] {
  const found: string[] = [];
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const bytes = readFileSync(path);
        for (const value of RAW) if (bytes.includes(Buffer.from(value, 'utf8'))) found.push(`${value} in ${path}`);
      }
    }
  };
  walk(dir);
  return found;
}

const POLICY = '{ default: mask-detected, hash: [user.email, payload.customer.email] }';
const sources = (port: number, privacy: string | undefined) => ['sources:',
  '  - name: files', '    kind: file', '    path: .', ...(privacy ? [`    privacy: ${privacy}`] : []),
  '  - name: crm', '    kind: sqlite', '    path: crm.sqlite', ...(privacy ? [`    privacy: ${privacy}`] : []),
  '  - name: api', '    kind: rest', `    url: http://127.0.0.1:${port}`, '    options:', '      endpoints: [/orders]', ...(privacy ? [`    privacy: ${privacy}`] : []),
  ''].join('\n');

let server: Server;
let port: number;
let savedKey: string | undefined;
before(async () => {
  savedKey = process.env.HEADWATER_PRIVACY_KEY;
  process.env.HEADWATER_PRIVACY_KEY = KEY;
  server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(records)));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  port = (server.address() as { port: number }).port;
});
after(() => {
  server?.closeAllConnections();
  server?.close();
  if (savedKey === undefined) delete process.env.HEADWATER_PRIVACY_KEY;
  else process.env.HEADWATER_PRIVACY_KEY = savedKey;
});

describe('privacy on nested fields: detection and rules by path at landing', { timeout: 300_000 }, () => {
  let workspace: TestWorkspace;
  const samples: Record<'file' | 'parquet' | 'api' | 'table', SampleInfo> = {} as never;
  before(async () => {
    workspace = createTestWorkspace('hw-privacy-nested-', sources(port, POLICY), { engine: { privacyKey: KEY } });
    await writeFixtures(workspace.dir);
    samples.file = await workspace.engine.sample('files', 'orders.ndjson', { limit: ROWS });
    samples.parquet = await workspace.engine.sample('files', 'orders.parquet', { limit: ROWS });
    samples.api = await workspace.engine.sample('api', '/orders', { limit: ROWS });
    samples.table = await workspace.engine.sample('crm', 'orders', { limit: ROWS });
  });
  after(async () => {
    await workspace?.close();
  });

  test('every class is found at its nested path, with its share, and nothing on ids or SKUs', () => {
    assert.match(samples.parquet.query, /read_parquet/i, 'the Parquet file is landed by DuckDB itself');
    for (const [kind, info] of Object.entries(samples)) {
      assert.equal(info.rowCount, ROWS, kind);
      const shares = new Map(info.privacy!.findings.map((f) => [`${f.field}:${f.class}`, f.share]));
      assert.equal(shares.get('user.email:email'), 1, kind);
      assert.equal(shares.get('user.phone:phone'), 1, kind);
      assert.equal(shares.get('items[].card:payment-card'), 0.5, `${kind}: the Luhn-failing half is not a card`);
      assert.equal(shares.get('payload.customer.iban:iban'), 1, kind);
      assert.equal(shares.get('payload.customer.email:email'), 1, kind);
      assert.equal(shares.get('payload.note:secret'), 16 / ROWS, `${kind}: one note in 25 holds the AWS key`);
      assert.equal(shares.get('payload.session:secret'), 1, kind);
      assert.deepEqual(info.privacy!.findings.filter((f) => /^(id|items\[\]\.sku|user\.plan)$/.test(f.field)), [], `${kind}: no false positive`);
    }
  });

  test('the catalog records each nested path hashed or masked, and why; nothing is left to warn about', async () => {
    for (const [kind, info] of Object.entries(samples)) {
      const stored = await workspace.engine.sampleInfo(info.id);
      const columns = Object.fromEntries(stored.privacy!.columns.map((c) => [c.field, `${c.action} (${c.reason})`]));
      assert.deepEqual(columns, {
        'user.email': 'hash (hash: [user.email])',
        'user.phone': 'mask (mask-detected: phone)',
        'items[].card': 'mask (mask-detected: payment-card)',
        'payload.customer.email': 'hash (hash: [payload.customer.email])',
        'payload.customer.iban': 'mask (mask-detected: iban)',
        'payload.note': 'mask (mask-detected: secret)',
        'payload.session': 'mask (mask-detected: secret)',
      }, kind);
      assert.deepEqual(stored.privacy!.warnings, [], kind);
      // What the grid's column header and the profile's cards show.
      assert.equal(columnPrivacy(stored.privacy, 'user')?.landed, 'hashed');
      assert.match(columnPrivacy(stored.privacy, 'user')!.reason, /user\.email: hash: \[user\.email\]; user\.phone: mask-detected: phone/);
      assert.equal(columnPrivacy(stored.privacy, 'items')?.landed, 'masked');
      assert.equal(columnPrivacy(stored.privacy, 'user.email')?.landed, 'hashed');
      assert.equal(columnPrivacy(stored.privacy, 'id'), undefined);
    }
  });

  test('the rest of each value lands as it was; masked values keep their shape', async () => {
    for (const [kind, info] of Object.entries(samples)) {
      const sql = `SELECT json_extract_string(user, '$.email'), json_extract_string(user, '$.plan'), json_extract_string(items, '$[0].card'), json_extract_string(items, '$[0].sku'), json_extract_string(payload, '$.note'), json_extract_string(payload, '$.customer.iban') FROM ${info.table} WHERE id = 0`;
      const [email, plan, card, sku, note, iban] = (await workspace.engine.query(sql)).rows[0]!;
      assert.match(String(email), /^[0-9a-f]{64}$/, kind);
      assert.equal(plan, 'pro', kind);
      assert.equal(card, '************1111', kind);
      assert.equal(sku, 'sku-0', kind);
      assert.equal(note, 'rotated the deploy key [secret] today', kind);
      assert.equal(iban, '******************3000', kind);
    }
  });

  test('joins on the hashed nested paths match across the four samples (hashed in SQL and in JS alike)', async () => {
    const on = (a: string, b: string) => `json_extract_string(${a}.user, '$.email') = json_extract_string(${b}.user, '$.email') AND json_extract_string(${a}.payload, '$.customer.email') = json_extract_string(${b}.payload, '$.customer.email') AND ${a}.id = ${b}.id`;
    for (const other of [samples.parquet, samples.api, samples.table]) {
      const result = await workspace.engine.query(`SELECT count(*) FROM ${samples.file.table} f JOIN ${other.table} o ON ${on('f', 'o')}`);
      assert.equal(Number(result.rows[0]![0]), ROWS, other.id);
    }
  });

  test('the ODCS contract is valid ODCS 3.1 and carries classification/pii and landsHashed on the nested properties', { skip: standardsMissing() }, async () => {
    interface Prop { name: string; classification?: string; customProperties?: { property: string; value: unknown }[]; quality?: { name?: string; implementation?: { path?: string } }[]; properties?: Prop[] }
    const custom = (p: Prop | undefined, name: string) => p?.customProperties?.find((c) => c.property === name)?.value;
    for (const kind of ['table', 'api', 'parquet'] as const) {
      const [file] = (await workspace.engine.generate({ kind: 'odcs', sampleId: samples[kind].id, outDir: `contracts-${kind}` })).files;
      validateArtifact(file!.path);
      const contract = parseYaml(readFileSync(file!.path, 'utf8')) as { schema: { properties: Prop[] }[] };
      const user = contract.schema[0]!.properties.find((p) => p.name === 'user')!;
      assert.equal(user.classification, 'confidential', `${kind}: a column holding personal data is confidential`);
      assert.deepEqual(custom(user, 'privacyClasses'), ['email', 'phone'], kind);
      if (kind !== 'api') {
        // JSON held as text, or landed as JSON by DuckDB without inference: the contract lists no
        // nested properties, so the rule names its path on the column.
        assert.deepEqual((user.quality ?? []).filter((q) => q.implementation?.path === 'email').map((q) => q.name), ['landsHashed']);
        continue;
      }
      const email = user.properties?.find((p) => p.name === 'email');
      assert.ok(email, `${kind}: user.email is a nested property`);
      assert.equal(email.classification, 'confidential', kind);
      assert.equal(custom(email, 'pii'), true, kind);
      assert.equal(custom(email, 'privacyLanding'), 'hashed', kind);
      assert.deepEqual(email.quality?.map((q) => q.name), ['landsHashed'], kind);
      const plan = user.properties?.find((p) => p.name === 'plan');
      assert.equal(plan?.classification, undefined, `${kind}: user.plan is not personal`);
    }
  });

  test('check passes while user.email lands hashed and fails, exit 1, naming user.email once the policy stops hashing it', async () => {
    const contract = resolve(workspace.dir, (await workspace.engine.generate({ kind: 'odcs', sampleId: samples.table.id, outDir: 'contracts-check' })).files[0]!.path);
    const passed = await checkJson(contract, workspace.dir);
    const privacyRules = passed.report.objects[0]!.rules.filter((r) => /^lands/.test(r.rule));
    assert.ok(privacyRules.some((r) => r.path === 'user.email' && r.status === 'pass'), JSON.stringify(privacyRules, null, 1));
    assert.equal(passed.code, 0, JSON.stringify(passed.report.findings.filter((f) => f.severity === 'error'), null, 1));
    writeFileSync(join(workspace.dir, '.headwater', 'sources.yaml'), sources(port, '{ default: mask-detected, hash: [payload.customer.email] }'));
    const failed = await checkJson(contract, workspace.dir);
    assert.equal(failed.code, 1);
    // (Masked instead of hashed, the user values also stop being unique: that rule fails too.)
    const errors = failed.report.findings.filter((f) => f.severity === 'error' && /^(lands|arrives)/.test(f.kind));
    assert.deepEqual(errors.map((f) => `${f.kind}:${f.path}`), ['landsHashed:user.email']);
    assert.match(errors[0]!.message, /add hash: \[user\.email\]/);
    writeFileSync(join(workspace.dir, '.headwater', 'sources.yaml'), sources(port, POLICY));
  });

  test('no raw value is in any file under .headwater/, WAL included, open or closed', async () => {
    const headwater = join(workspace.dir, '.headwater');
    assert.deepEqual(rawValuesIn(headwater), []);
    await workspace.engine.close();
    assert.deepEqual(rawValuesIn(headwater), []);
  });
});

describe('privacy on nested fields: the quick fix offers the nested path', { timeout: 120_000 }, () => {
  let workspace: TestWorkspace;
  before(async () => {
    workspace = createTestWorkspace('hw-privacy-nested-detect-', sources(port, undefined));
    await writeFixtures(workspace.dir);
  });
  after(async () => {
    await workspace?.close();
  });

  test('an uncovered nested detection is warned about with its path; the quick fix adds it; an enclosing keep covers it', async () => {
    const info = await workspace.engine.sample('api', '/orders', { limit: ROWS });
    assert.ok(info.privacy!.warnings.some((w) => w.includes('privacy: { hash: [user.email] }')), info.privacy!.warnings.join('\n'));
    const text = readFileSync(join(workspace.dir, '.headwater', 'sources.yaml'), 'utf8');
    const document = TextDocument.create('file:///w/.headwater/sources.yaml', 'yaml', 1, text);
    const hints = privacyHints(document, [info]);
    const hint = hints.find((h) => String(h.message).includes('`user.email`'))!;
    assert.ok(hint, hints.map((h) => h.message).join('\n'));
    const [fix] = privacyCodeActions(document, [hint]);
    assert.equal(fix?.title, "Add hash: [user.email] to source 'api's privacy");
    const fixed = fix!.edit!.changes![document.uri]![0]!.newText;
    assert.match(fixed, /privacy: \{ hash: \[ user\.email \] \}/);
    const after = privacyHints(TextDocument.create(document.uri, 'yaml', 2, fixed), [info]);
    assert.ok(!after.some((h) => String(h.message).includes('`user.email`')), 'the fixed path is no longer warned about');
    const kept = text.replace('      endpoints: [/orders]\n', '      endpoints: [/orders]\n    privacy: { keep: [user, payload] }\n');
    assert.deepEqual(privacyHints(TextDocument.create(document.uri, 'yaml', 3, kept), [info]).map((h) => h.message).filter((m) => !String(m).includes('`items[].card`')), [], 'keep: [user, payload] covers every path inside them');
  });
});

describe('privacy on nested fields: MongoDB documents', { timeout: 300_000, skip: ferretdbSkipReason() }, () => {
  let ferret: FerretService | undefined;
  let workspace: TestWorkspace | undefined;
  let info: SampleInfo;
  before(async () => {
    ferret = await startFerretdb();
    const client = new MongoClient(ferret.url);
    try {
      await client.db('shop').collection('orders').insertMany(records.map((r) => ({ _id: r.id, ...r })) as never[]);
    } finally {
      await client.close();
    }
    workspace = createTestWorkspace('hw-privacy-nested-mongo-', `sources:\n  - name: mongo\n    kind: mongodb\n    url: ${ferret.url.replace('/?', '/shop?')}\n    privacy: ${POLICY}\n`, { engine: { privacyKey: KEY } });
    info = await workspace.engine.sample('mongo', 'shop.orders', { limit: ROWS });
  });
  after(async () => {
    try {
      await workspace?.close();
    } finally {
      await ferret?.stop();
    }
  });

  test('documents land with their nested paths hashed and masked, and no raw value under .headwater/', async () => {
    assert.equal(info.rowCount, ROWS);
    const columns = Object.fromEntries(info.privacy!.columns.map((c) => [c.field, c.action]));
    assert.deepEqual(columns, { 'user.email': 'hash', 'user.phone': 'mask', 'items[].card': 'mask', 'payload.customer.email': 'hash', 'payload.customer.iban': 'mask', 'payload.note': 'mask', 'payload.session': 'mask' });
    assert.deepEqual(info.privacy!.warnings, []);
    const [email, plan] = (await workspace!.engine.query(`SELECT json_extract_string(user, '$.email'), json_extract_string(user, '$.plan') FROM ${info.table} WHERE id = 0`)).rows[0]!;
    assert.match(String(email), /^[0-9a-f]{64}$/);
    assert.equal(plan, 'pro');
    const headwater = join(workspace!.dir, '.headwater');
    await workspace!.engine.close();
    assert.deepEqual(rawValuesIn(headwater), []);
  });
});
