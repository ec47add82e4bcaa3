// SQL that helps as you type (issue 16, part 4): completion of schemas, relations (typed views first),
// columns with type and null share, struct fields, DuckDB functions and keywords; hover with provenance
// and inferred figures; syntax errors from DuckDB's parser at their position; statements split the way
// DuckDB reads them; the query history.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CompletionItemKind, type CompletionItem } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Engine } from '../../src/engine/engine.js';
import { SchemaInferrer } from '../../src/engine/inference/index.js';
import { caretOffset, sqlProblems } from '../../src/engine/lsp/sql/diagnostics.js';
import { SqlFeatures } from '../../src/engine/lsp/sqlServer.js';
import { queryHistory, withHistory } from '../../src/engine/workspace/history.js';
import { splitStatements, statementAt } from '../../src/shared/sqlText.js';
import type { Field } from '../../src/shared/types.js';

const fields: Field[] = [
  { name: 'event_id', type: 'string', duckType: 'VARCHAR', nullable: false },
  { name: 'user', type: 'json', duckType: 'JSON', nullable: true },
  { name: 'ts', type: 'string', duckType: 'VARCHAR', nullable: true },
];

describe('SQL language features over a workspace', { timeout: 120_000 }, () => {
  let dir: string;
  let engine: Engine;
  let features: SqlFeatures;
  let id: string;
  const published = new Map<string, number>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-sql-lsp-'));
    engine = new Engine({ workspaceDir: dir });
    const ws = await engine.workspace();
    const records = Array.from({ length: 50 }, (_, i) => ({ event_id: `e${i}`, user: i % 10 === 0 ? null : { id: i, plan: i % 2 ? 'pro' : 'free' }, ts: `2024-03-01T10:00:${String(i).padStart(2, '0')}Z` }));
    const inferrer = new SchemaInferrer();
    inferrer.observe(records, records.map((_, i) => ({ line: i + 1 })));
    const started = await ws.beginSample({ source: 'events', sourceKind: 'file', entity: 'events.ndjson', method: 'snapshot', strategy: 'head', query: 'lines 1-50', fields });
    id = started.id;
    started.writer.append(records.map((r) => [r.event_id, r.user === null ? null : JSON.stringify(r.user), r.ts]), records.map((_, i) => ({ line: i + 1 })), new Date());
    started.writer.close();
    await ws.finishSample(id, { status: 'complete', rowCount: 50, bytes: 0, rejected: 0, fields, inferred: inferrer.result() });
    features = new SqlFeatures(engine, (uri, diagnostics) => published.set(uri, diagnostics.length), () => undefined);
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Completion at the `|` of `text`. */
  async function complete(text: string): Promise<CompletionItem[]> {
    const offset = text.indexOf('|');
    const document = TextDocument.create('file:///w/q.sql', 'sql', 1, text.replace('|', ''));
    return features.completion(document, document.positionAt(offset));
  }

  test('`select us` offers the user column of the typed view with its type and null share', async () => {
    const items = await complete('select us|');
    const user = items.find((i) => i.label === 'user' && i.kind === CompletionItemKind.Field);
    assert.ok(user, `a user column among ${items.filter((i) => i.kind === CompletionItemKind.Field).map((i) => String(i.label)).join(', ')}`);
    assert.equal(user.detail, 'STRUCT(id BIGINT, plan VARCHAR) · 10% null');
    assert.equal(user.labelDetails?.description, `typed.${id}`);
    assert.ok(items.some((i) => i.kind === CompletionItemKind.Function && i.label === 'date_trunc' && /^date_trunc\(/.test(i.detail ?? '')), 'DuckDB functions with a signature');
    assert.ok(items.some((i) => i.kind === CompletionItemKind.Keyword && i.label === 'SELECT'), 'keywords');
    const resolved = await features.resolve(user);
    assert.match(JSON.stringify(resolved.documentation), /Landed as `JSON`, read as `STRUCT\(\\"id\\" BIGINT, \\"plan\\" VARCHAR\)`; every value fit/);
  });

  test('after FROM: relations, the typed view first; after a schema: its relations; after an alias or a struct: columns and fields', async () => {
    const relations = await complete('select * from |');
    assert.ok(relations.every((i) => i.kind !== CompletionItemKind.Keyword && i.kind !== CompletionItemKind.Field), 'only relations after FROM');
    const sorted = [...relations].sort((a, b) => (a.sortText ?? '').localeCompare(b.sortText ?? ''));
    assert.equal(sorted[0]?.label, `typed.${id}`);
    assert.ok(relations.some((i) => i.label === `samples.${id}`));
    assert.deepEqual((await complete('select * from typed.|')).map((i) => i.label), [id]);
    const aliased = (await complete(`select o.| from typed.${id} o`)).map((i) => i.label);
    assert.deepEqual(aliased.slice(0, 3), ['event_id', 'user', 'ts']);
    assert.deepEqual((await complete(`select user.| from typed.${id}`)).map((i) => i.label), ['id', 'plan']);
    const columns = (await complete(`select e| from samples.${id} where 1 = 1`)).filter((i) => i.kind === CompletionItemKind.Field);
    assert.equal(columns.find((c) => c.label === 'user')?.detail, 'JSON · 10% null', 'the raw table: as landed');
  });

  test('hover: a relation with its sample, a column with its inferred figures', async () => {
    const text = `select user, ts from typed.${id}`;
    const document = TextDocument.create('file:///w/h.sql', 'sql', 1, text);
    const onView = await features.hover(document, document.positionAt(text.indexOf(id) + 2));
    assert.match(JSON.stringify(onView?.contents), new RegExp(`Sample \`${id}\` of \`events\` \\(file\\) / \`events.ndjson\``));
    assert.match(JSON.stringify(onView?.contents), /50 rows · snapshot, head · complete/);
    const onColumn = await features.hover(document, document.positionAt(text.indexOf('ts') + 1));
    const column = JSON.stringify(onColumn?.contents);
    assert.match(column, /Landed as `VARCHAR`, read as `TIMESTAMPTZ`/);
    assert.match(column, /formats: timestamptz 100%/);
    assert.deepEqual(onColumn?.range, { start: { line: 0, character: 13 }, end: { line: 0, character: 15 } });
  });

  test('the catalog is read again after samples change', async () => {
    await engine.query('create table my_orders as select 1 as order_no');
    assert.ok(!(await complete('select * from |')).some((i) => i.label === 'main.my_orders'), 'cached until told');
    await features.invalidate();
    const items = await complete('select * from |');
    assert.equal(items.find((i) => i.label === 'main.my_orders')?.detail, 'scratch table');
  });
});

describe('SQL diagnostics from DuckDB\'s parser', { timeout: 30_000 }, () => {
  test('a syntax error is placed at its token, in SELECTs and in other statements; valid SQL has none', async () => {
    const text = "select 1;\n-- a comment; not a statement\nselect 'a;b', from where x;\ncreate table t as selec 1;\nselect 2";
    const problems = await sqlProblems(text);
    assert.equal(problems.length, 2, JSON.stringify(problems));
    assert.equal(text.slice(problems[0]!.start, problems[0]!.end), 'where');
    assert.match(problems[0]!.message, /syntax error at or near "where"/);
    assert.equal(text.slice(problems[1]!.start, problems[1]!.end), 'selec');
    assert.deepEqual(await sqlProblems('create table t as select 1; copy (select 1) to \'x.csv\''), []);
    const end = await sqlProblems('select (1');
    assert.equal(end.length, 1);
    assert.match(end[0]!.message, /end of input/);
  });

  test("the caret under DuckDB's LINE excerpt maps back to the offset", () => {
    const sql = 'create table t as\n  selec 1';
    assert.equal(caretOffset(sql, 'Parser Error: syntax error at or near "selec"\n\nLINE 2:   selec 1\n          ^'), sql.indexOf('selec'));
  });
});

describe('statements as DuckDB reads them', { timeout: 10_000 }, () => {
  test('semicolons in strings, quoted names, comments and dollar quotes do not split', () => {
    const text = `select ';' as "a;b" -- x;y\n, $$;$$ /* ; */;\n\nselect 2;`;
    assert.deepEqual(splitStatements(text).map((s) => s.text), [`select ';' as "a;b" -- x;y\n, $$;$$`, 'select 2']);
  });

  test('the statement under the cursor: inside, just after its semicolon, or the next after a blank line', () => {
    const text = 'select 1;\nselect 2;\n\n\nselect 3';
    assert.equal(statementAt(text, 3)?.text, 'select 1');
    assert.equal(statementAt(text, text.indexOf('2;') + 2)?.text, 'select 2');
    assert.equal(statementAt(text, text.indexOf('2;') + 4)?.text, 'select 3');
  });
});

describe('query history', { timeout: 30_000 }, () => {
  test('each run is kept with its outcome, newest first, credentials redacted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hw-history-'));
    try {
      const engine = new Engine({ workspaceDir: dir });
      await withHistory(dir, 'select 42', () => engine.query('select 42'));
      await assert.rejects(withHistory(dir, 'select * from nowhere', () => engine.query('select * from nowhere')));
      await withHistory(dir, "select * from read_csv('https://me:hunter2@example.com/x.csv') limit 0", async () => ({ rows: [], totalRows: 0 }));
      await engine.close();
      const entries = queryHistory(dir);
      assert.deepEqual(entries.map((e) => [e.sql, e.rows, e.error?.slice(0, 20)]), [
        ["select * from read_csv('https://me:***@example.com/x.csv') limit 0", 0, undefined],
        ['select * from nowhere', undefined, 'Query failed: Catalo'],
        ['select 42', 1, undefined],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
