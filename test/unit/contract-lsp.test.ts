// The contract language features on a real workspace: a SQLite source, a sample of it, and a contract
// that disagrees with the sample in known ways.
import { ordersContract } from '../fixtures/contracts.js';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver/node';
import type { Engine } from '../../src/engine/engine.js';
import { contractDriftOf, observeContract, type ContractObservations } from '../../src/engine/contracts/observed.js';
import { parseContract } from '../../src/engine/contracts/parse.js';
import { ACCEPT_OBSERVED, contractCodeActions, contractCompletion, contractDiagnostics, contractHover, isContractFile } from '../../src/engine/lsp/contract.js';
import { createTestWorkspace, type TestWorkspace } from '../integration/workspace-fixture.js';

const CONTRACT = ordersContract('shop-orders', `    properties:
      - name: id
        logicalType: integer
        required: true
      - name: amount
        logicalType: integer
        physicalType: REAL
        required: true
      - name: note
        logicalType: string
        required: true
      - name: status
        logicalType: string
      - name: 
`);

const messageOf = (d: Diagnostic | undefined): string => (d === undefined ? '' : typeof d.message === 'string' ? d.message : d.message.value);

function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle));
}

describe('contract language features', () => {
  let workspace: TestWorkspace | undefined;
  let dir: string;
  let engine: Engine;
  let observations: ContractObservations;
  let document: TextDocument;
  let diagnostics: Diagnostic[];

  before(async () => {
    workspace = createTestWorkspace('hw-contract-lsp-', 'sources:\n  - name: shop\n    kind: sqlite\n    path: shop.sqlite\n');
    ({ dir, engine } = workspace);
    const db = new Database(join(dir, 'shop.sqlite'));
    db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, amount REAL NOT NULL, note TEXT, channel TEXT)');
    const insert = db.prepare('INSERT INTO orders VALUES (?, ?, ?, ?)');
    for (let i = 1; i <= 200; i++) insert.run(i, i + 0.5, i % 10 === 0 ? null : `n${i}`, 'web');
    db.close();
    await engine.sample('shop', 'orders', { limit: 1000 });
    document = TextDocument.create('file:///w/contracts/orders.odcs.yaml', 'yaml', 1, CONTRACT.replace('      - name: \n', ''));
    observations = await observeContract(engine, parseContract(document.getText(), document.uri).contract!);
    diagnostics = contractDiagnostics(document, observations);
  });
  after(async () => {
    await workspace?.close();
  });

  test('contract files are recognised by name or by content', () => {
    assert.ok(isContractFile('file:///x/orders.odcs.yaml'));
    assert.ok(isContractFile('file:///x/orders.yaml', 'apiVersion: v3.1.0\nkind: DataContract\n'));
    assert.ok(!isContractFile('file:///x/orders.yaml', 'apiVersion: v1\nkind: Deployment\n'));
    assert.ok(!isContractFile('file:///x/.headwater/sources.yaml', 'sources: []\n'));
  });

  test('schema errors are diagnostics on their line', () => {
    const broken = TextDocument.create('file:///w/b.odcs.yaml', 'yaml', 1, CONTRACT.replace('logicalType: string\n        required: true', 'logicalType: text\n        required: true'));
    const errors = contractDiagnostics(broken).filter((d) => d.severity === DiagnosticSeverity.Error);
    const logical = errors.find((d) => /logicalType must be one of/.test(messageOf(d)));
    assert.ok(logical, JSON.stringify(errors));
    assert.equal(logical.range.start.line, lineOf(broken.getText(), 'logicalType: text'));
  });

  test('drift against the newest sample: warnings on the field line', () => {
    const text = document.getText();
    const byCode = (code: string, line: string) => diagnostics.find((d) => d.code === code && d.range.start.line === lineOf(text, line));
    const type = byCode('drift-type', 'name: amount');
    assert.ok(type, JSON.stringify(diagnostics, null, 2));
    assert.equal(type.severity, DiagnosticSeverity.Warning);
    assert.match(messageOf(type), /'amount' type changed: the contract says integer, the source has number \(declared REAL\)/);
    const nulls = byCode('drift-nullability', 'name: note');
    assert.match(messageOf(nulls), /'note' is required but nulls appeared: 20 null of 200 values/);
    assert.match(messageOf(byCode('drift-missing', 'name: status')), /'status' is in the contract \(string\) but not in the source/);
    assert.ok(diagnostics.some((d) => d.code === 'drift-extra' && /'channel' is in the source/.test(messageOf(d))));
    assert.ok(!diagnostics.some((d) => messageOf(d).includes("'id'")), 'id agrees with the sample');
  });

  test('quick fix "Accept observed schema" rewrites type and nullability, and the drift goes away', async () => {
    const fixable = diagnostics.filter((d) => d.code === 'drift-type' || d.code === 'drift-nullability');
    const actions = contractCodeActions(document, fixable);
    assert.equal(actions.length, 2);
    assert.ok(actions.every((a) => a.title.startsWith(ACCEPT_OBSERVED)), actions.map((a) => a.title).join('\n'));
    let text = document.getText();
    for (const action of actions) {
      const current = TextDocument.create(document.uri, 'yaml', 2, text);
      const fresh = contractDiagnostics(current, await observeContract(engine, parseContract(text, document.uri).contract!)).filter((d) => d.code === action.diagnostics![0]!.code);
      const [again] = contractCodeActions(current, fresh.filter((d) => (d.data as { path: string }).path === (action.diagnostics![0]!.data as { path: string }).path));
      text = TextDocument.applyEdits(current, again!.edit!.changes![document.uri]!);
    }
    assert.match(text, /- name: amount\n\s+logicalType: number\n/);
    assert.match(text, /- name: note\n\s+logicalType: string\n\s+required: false\n/);
    const fixed = TextDocument.create(document.uri, 'yaml', 3, text);
    const after = contractDiagnostics(fixed, await observeContract(engine, parseContract(text, document.uri).contract!));
    assert.deepEqual(after.filter((d) => d.code === 'drift-type' || d.code === 'drift-nullability').map(messageOf), []);
    assert.deepEqual(after.filter((d) => d.severity === DiagnosticSeverity.Error), [], 'the fixed contract is still valid ODCS');
  });

  test('accepting the observed schema adds extra fields and removes gone ones; then no drift is left', async () => {
    let text = document.getText();
    // One fix at a time, recomputing the drift after each edit, as a person clicking through them would.
    for (let round = 0; round < 6; round++) {
      const current = TextDocument.create(document.uri, 'yaml', round + 2, text);
      const drift = contractDiagnostics(current, await observeContract(engine, parseContract(text, document.uri).contract!)).filter((d) => String(d.code).startsWith('drift-'));
      if (!drift.length) break;
      const [action] = contractCodeActions(current, drift);
      assert.ok(action, `a fix for ${drift.map(messageOf).join(' | ')}`);
      text = TextDocument.applyEdits(current, action.edit!.changes![document.uri]!);
    }
    assert.doesNotMatch(text, /name: status/);
    assert.match(text, /- name: channel\n {8}logicalType: string\n {8}physicalType: TEXT\n {8}required: true\n/);
    const final = TextDocument.create(document.uri, 'yaml', 9, text);
    const parsed = parseContract(text, document.uri);
    assert.deepEqual(parsed.problems, [], 'still a valid contract');
    assert.deepEqual(contractDiagnostics(final, await observeContract(engine, parsed.contract!)).map(messageOf), []);
  });

  test('the quick fix adds a key the property does not have', () => {
    const text = CONTRACT.replace('      - name: \n', '').replace('      - name: note\n        logicalType: string\n        required: true\n', '      - name: note\n        logicalType: string\n');
    const doc = TextDocument.create(document.uri, 'yaml', 1, text);
    const pointer = '/schema/0/properties/2';
    const [action] = contractCodeActions(doc, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, message: 'x', data: { headwater: 'contract-drift', kind: 'physicalType', path: 'note', pointer, sample: 's', accept: { physicalType: 'TEXT' } } }]);
    const edited = TextDocument.applyEdits(doc, action!.edit!.changes![document.uri]!);
    assert.match(edited, /- name: note\n\s{8}physicalType: TEXT\n\s{8}logicalType: string\n/);
  });

  test('completion offers the sample\'s unused column names and the logical types', () => {
    const withBlank = TextDocument.create(document.uri, 'yaml', 1, CONTRACT);
    const blankLine = CONTRACT.split('\n').indexOf('      - name: ');
    const items = contractCompletion(withBlank, { line: blankLine, character: '      - name: '.length }, observations);
    assert.deepEqual(items.map((i) => i.label), ['channel']);
    assert.match(items[0]?.detail ?? '', /string, never null \(TEXT\)/);
    const typeLine = lineOf(CONTRACT, 'logicalType: integer');
    const types = contractCompletion(withBlank, { line: typeLine, character: '        logicalType: '.length }, observations);
    assert.deepEqual(types.map((i) => i.label).sort(), ['array', 'boolean', 'date', 'integer', 'number', 'object', 'string', 'time', 'timestamp']);
  });

  test('the Drift panel request: contract vs newest sample, with both sides described', async () => {
    const path = join(dir, 'orders.odcs.yaml');
    writeFileSync(path, document.getText());
    const { drift, before, after } = await contractDriftOf(engine, { contract: `file://${path}` });
    assert.deepEqual([before.kind, before.label, after.kind, after.label], ['contract', 'orders.odcs.yaml#orders', 'sample', 'shop_orders_1']);
    assert.deepEqual(drift.fields.map((f) => `${f.change} ${f.path}: ${f.details.join('; ')}`).sort(), [
      'added channel: channel is new (string)',
      'changed amount: type integer → number',
      'changed note: became nullable',
      'removed status: status is gone (was string)',
    ]);
    await assert.rejects(contractDriftOf(engine, { contract: path, object: 'nope' }), /no schema object named 'nope'/);
  });

  test('hover shows the profile figures of the field', async () => {
    const text = document.getText();
    const hover = await contractHover(document, { line: lineOf(text, 'name: note'), character: 10 }, observations);
    const value = (hover?.contents as { value: string } | undefined)?.value ?? '';
    assert.match(value, /\*\*orders\.note\*\* in sample `shop_orders_1` \(200 rows/);
    assert.match(value, /\| null % \| distinct \| min \| max \|/);
    assert.match(value, /\| 10\.0 \| 180 \| n1 \| n99 \|/);
    const missing = await contractHover(document, { line: lineOf(text, 'name: status'), character: 10 }, observations);
    assert.match((missing?.contents as { value: string }).value, /Not in the sample/);
  });
});
