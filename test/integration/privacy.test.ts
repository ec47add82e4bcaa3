// Privacy on the engineer's laptop, end to end on real files: a CSV file (landed by DuckDB itself),
// an NDJSON file and a SQLite table (landed in batches through JS) holding emails, valid and Luhn-failing
// card numbers, IBANs, phone numbers, an AWS key in free text and JWTs, beside UUIDs and hex hashes
// that must not be taken for any of them. Under `default: mask-detected, hash: [customer_email]` no
// raw value reaches any file under .headwater/ (WAL included), and joins on the hashed column match.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { SampleInfo } from '../../src/shared/types.js';
import { parse as parseYaml } from 'yaml';
import { standardsMissing, validateArtifact } from '../unit/generate-standards.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const ROWS = 500;
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjdXN0b21lci00MiJ9.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
const VALID_CARDS = ['4111111111111111', '5500005555555559', '378282246310005', '6011111111111117'];
const LUHN_FAILING = ['4111111111111112', '5500005555555558'];
const IBANS = ['DE89370400440532013000', 'GB82WEST12345698765432', 'FR1420041010050500013M02606'];

function record(i: number): Record<string, unknown> {
  return {
    id: i,
    order_id: `123e4567-e89b-12d3-a456-${String(426614174000 + i).padStart(12, '0')}`,
    checksum: createHash('sha256').update(String(i)).digest('hex'),
    customer_email: `customer${i % 50}@example.com`,
    card: i % 2 === 0 ? VALID_CARDS[i % VALID_CARDS.length] : LUHN_FAILING[i % LUHN_FAILING.length],
    iban: IBANS[i % IBANS.length],
    phone: `+1 415 555 ${String(2600 + (i % 90)).padStart(4, '0')}`,
    note: i % 25 === 0 ? `rotated the deploy key ${AWS_KEY} today` : `order ${i} shipped`,
    session: i % 10 === 0 ? JWT : null,
  };
}

const records = Array.from({ length: ROWS }, (_, i) => record(i));
/** Every raw sensitive value of the fixture (the Luhn-failing numbers sit in a column that is masked as a whole). */
const RAW = [...new Set([AWS_KEY, JWT, ...VALID_CARDS, ...LUHN_FAILING, ...IBANS, ...records.map((r) => String(r.customer_email)), ...records.map((r) => String(r.phone))])];

function writeFixtures(dir: string): void {
  writeFileSync(join(dir, 'orders.ndjson'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const csvCell = (v: unknown) => (v === null ? '' : `"${String(v).replaceAll('"', '""')}"`);
  writeFileSync(join(dir, 'orders.csv'), [Object.keys(records[0]!).join(','), ...records.map((r) => Object.values(r).map(csvCell).join(','))].join('\n') + '\n');
  const db = new Database(join(dir, 'crm.sqlite'));
  db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, order_id TEXT, checksum TEXT, customer_email TEXT, card TEXT, iban TEXT, phone TEXT, note TEXT, session TEXT)');
  const insert = db.prepare('INSERT INTO orders VALUES (@id, @order_id, @checksum, @customer_email, @card, @iban, @phone, @note, @session)');
  for (const r of records) insert.run(r);
  db.close();
}

/** Every file under `dir`, recursively, as bytes. */
function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push({ path, bytes: readFileSync(path) });
  }
  return out;
}

/** The raw values found in any workspace file, with where. */
function rawValuesIn(dir: string): string[] {
  const found: string[] = [];
  for (const file of filesUnder(dir)) {
    for (const value of RAW) if (file.bytes.includes(Buffer.from(value, 'utf8'))) found.push(`${value} in ${file.path}`);
  }
  return found;
}

const sources = (privacy: string) => `sources:
  - name: files
    kind: file
    path: .
${privacy ? `    privacy: ${privacy}\n` : ''}  - name: crm
    kind: sqlite
    path: crm.sqlite
${privacy ? `    privacy: ${privacy}\n` : ''}`;

function findingsOf(info: SampleInfo): Map<string, number> {
  return new Map((info.privacy?.findings ?? []).map((f) => [`${f.field}:${f.class}`, f.share]));
}

function assertEveryClassFound(info: SampleInfo): void {
  const findings = findingsOf(info);
  assert.equal(findings.get('customer_email:email'), 1);
  assert.equal(findings.get('card:payment-card'), 0.5, 'the Luhn-failing half is not a card');
  assert.equal(findings.get('iban:iban'), 1);
  assert.equal(findings.get('phone:phone'), 1);
  assert.equal(findings.get('note:secret'), 20 / ROWS, 'one note in 25 holds the AWS key');
  assert.equal(findings.get('session:secret'), 1);
  const noted = info.privacy!.findings.find((f) => f.field === 'note')!;
  assert.equal(noted.within, 'text');
  assert.match(noted.summary, /^4\.0% of `note` values hold a secret/);
  for (const field of ['id', 'order_id', 'checksum']) {
    assert.deepEqual(info.privacy!.findings.filter((f) => f.field === field), [], `no false positive on ${field}`);
  }
}

describe('privacy: detection and the policy at landing', { timeout: 300_000 }, () => {
  let workspace: TestWorkspace;
  let fromFile: SampleInfo;
  let fromCsv: SampleInfo;
  let fromTable: SampleInfo;
  before(async () => {
    workspace = createTestWorkspace('hw-privacy-', sources('{ default: mask-detected, hash: [customer_email] }'), { engine: { privacyKey: 'test-workspace-key' } });
    writeFixtures(workspace.dir);
    fromFile = await workspace.engine.sample('files', 'orders.ndjson', { limit: ROWS });
    fromCsv = await workspace.engine.sample('files', 'orders.csv', { limit: ROWS });
    fromTable = await workspace.engine.sample('crm', 'orders', { limit: ROWS });
  });
  after(async () => {
    await workspace?.close();
  });

  test('every class is found with its share, on both landing paths, and nothing on UUIDs, hashes or ids', () => {
    assert.match(fromCsv.query, /read_csv/i, 'the CSV file is landed by DuckDB itself');
    for (const info of [fromFile, fromCsv, fromTable]) {
      assert.equal(info.rowCount, ROWS);
      assertEveryClassFound(info);
    }
  });

  test('the catalog records the policy and which columns were hashed or masked, and why', async () => {
    const stored = await workspace.engine.sampleInfo(fromTable.id);
    assert.deepEqual(stored.privacy?.policy, { default: 'mask-detected', hash: ['customer_email'] });
    const columns = Object.fromEntries(stored.privacy!.columns.map((c) => [c.field, `${c.action} (${c.reason})`]));
    assert.deepEqual(columns, {
      customer_email: 'hash (hash: [customer_email])',
      card: 'mask (mask-detected: payment-card)',
      iban: 'mask (mask-detected: iban)',
      phone: 'mask (mask-detected: phone)',
      note: 'mask (mask-detected: secret)',
      session: 'mask (mask-detected: secret)',
    });
    assert.deepEqual(stored.privacy!.warnings, []);
  });

  test('masked values keep their shape; free text keeps its words', async () => {
    for (const info of [fromFile, fromCsv, fromTable]) {
      const result = await workspace.engine.query(`SELECT card, note, customer_email FROM ${info.table} WHERE id = 0`);
      const [card, note, email] = result.rows[0]!;
      assert.equal(card, '************1111');
      assert.equal(note, 'rotated the deploy key [secret] today');
      assert.match(String(email), /^[0-9a-f]{64}$/);
    }
  });

  test('joins on the hashed column match across samples (hashed in SQL and in JS alike)', async () => {
    for (const other of [fromFile, fromCsv]) {
      const result = await workspace.engine.query(`SELECT count(*) FROM ${other.table} f JOIN ${fromTable.table} t ON f.customer_email = t.customer_email AND f.id = t.id`);
      assert.equal(Number(result.rows[0]![0]), ROWS, other.id);
    }
  });

  test('the generated ODCS is valid ODCS 3.1 and says which properties are personal, secret, hashed or masked', { skip: standardsMissing() }, async () => {
    const [file] = (await workspace.engine.generate({ kind: 'odcs', source: 'crm', entity: 'orders', outDir: 'contracts' })).files;
    validateArtifact(file!.path);
    const contract = parseYaml(readFileSync(file!.path, 'utf8')) as { schema: { properties: { name: string; classification?: string; tags?: string[]; customProperties?: { property: string; value: unknown }[] }[] }[] };
    const byName = new Map(contract.schema[0]!.properties.map((p) => [p.name, p]));
    const custom = (name: string, property: string) => byName.get(name)?.customProperties?.find((c) => c.property === property)?.value;
    assert.equal(byName.get('customer_email')?.classification, 'confidential');
    assert.equal(custom('customer_email', 'pii'), true);
    assert.equal(custom('customer_email', 'privacyLanding'), 'hashed');
    assert.deepEqual(custom('card', 'privacyClasses'), ['payment-card']);
    assert.equal(custom('card', 'privacyLanding'), 'masked');
    assert.equal(byName.get('note')?.classification, 'restricted');
    assert.equal(custom('note', 'pii'), false);
    for (const name of ['id', 'order_id', 'checksum']) assert.equal(byName.get(name)?.classification, undefined, name);
  });

  test('no raw value is in any file under .headwater/, WAL included, open or closed', async () => {
    const headwater = join(workspace.dir, '.headwater');
    assert.deepEqual(rawValuesIn(headwater), []);
    await workspace.engine.close();
    assert.deepEqual(rawValuesIn(headwater), []);
  });
});

describe('privacy: default detect lands values as they are and says what to add', { timeout: 300_000 }, () => {
  let workspace: TestWorkspace;
  before(() => {
    workspace = createTestWorkspace('hw-privacy-detect-', sources(''));
    writeFixtures(workspace.dir);
  });
  after(async () => {
    await workspace?.close();
  });

  test('the detections are warned about with the policy line to add, and the raw values are in the workspace', async () => {
    const info = await workspace.engine.sample('crm', 'orders', { limit: ROWS });
    assertEveryClassFound(info);
    assert.deepEqual(info.privacy?.columns, []);
    const warning = workspace.logLines.find((l) => l.startsWith('warn crm/orders: 100% of `customer_email` values are an email'));
    assert.match(warning ?? '', /add under source 'crm' in \.headwater\/sources\.yaml: privacy: \{ hash: \[customer_email\] \}/);
    await workspace.engine.close();
    // The byte search above can fail: here it finds what landed raw.
    assert.ok(rawValuesIn(join(workspace.dir, '.headwater')).some((hit) => hit.startsWith(AWS_KEY)));
  });

  test('a policy that hashes without a key stops before anything lands; a key kept as a secret is used', async () => {
    writeFileSync(join(workspace.dir, '.headwater', 'sources.yaml'), sources('{ hash: [customer_email] }'));
    const saved = process.env.HEADWATER_PRIVACY_KEY;
    delete process.env.HEADWATER_PRIVACY_KEY;
    try {
      await assert.rejects(workspace.engine.sample('crm', 'orders', { limit: 10 }), /hashes a field, but no hashing key is set/);
      // The key kept as a secret (VS Code SecretStorage) is taken when no variable sets it.
      const keyed = createTestWorkspace('hw-privacy-secret-', sources('{ hash: [customer_email] }'), { secrets: { HEADWATER_PRIVACY_KEY: 'from-secret-storage' } });
      try {
        writeFixtures(keyed.dir);
        const info = await keyed.engine.sample('crm', 'orders', { limit: 10 });
        assert.deepEqual(info.privacy?.columns.map((c) => c.action), ['hash']);
      } finally {
        await keyed.close();
      }
    } finally {
      if (saved !== undefined) process.env.HEADWATER_PRIVACY_KEY = saved;
    }
  });
});
