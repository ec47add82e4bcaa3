// Names that have broken generated files, and the checks that prove a generated file holds them as
// data: Python parsed by Python (ast) with nothing run at module level, SQL parsed and run by DuckDB
// as exactly the expected statements, YAML read alike by the yaml library and by PyYAML (YAML 1.1).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StatementType } from '@duckdb/node-api';
import { parse as parseYaml } from 'yaml';
import { openDuckDB } from '../../src/engine/workspace/duckdb.js';
import { repoRoot } from '../services/paths.js';
import { isCi } from '../services/prerequisites.js';

/** The issue's example: a table name that is a Python statement once a `#` comment ends at its newline. */
export const BRIEF_TABLE = "o\nimport os; os.system('touch /tmp/hw-hostile-marker')\n#";
/** The same with every quote, line end and template opener. */
export const PY_TABLE = `o\nimport os; os.system('touch /tmp/hw-hostile-marker')\n#"""'''\\\r\u2028*/ {{ y }}`;
/** A name that is SQL once a `--` comment ends at its newline; `${` and `,` no Kafka Connect list can hold. */
export const SQL_TABLE = 'x\nDROP TABLE important;\n--${env:HOME}, z';
/** Column names: every quote and comment opener, line ends of every kind, names that clean to the same identifier. */
export const HOSTILE_COLUMNS = [
  'x\nDROP TABLE important;\n--', 'a"b', "a'b", 'a b', 'a-b', '"""', "'''", '*/ end', '${env:HOME}', '{{ config }}', 'back\\slash', 'cr\rlf', 'ls\u2028ps\u2029nel\u0085',
  'class', 'bidi\u202e',
];

/** A Python that imports `module` (the tools venv's first, as CI installs it), or why none does. */
export function pythonWith(module: string): { python?: string; skip: string | false } {
  for (const python of [join(repoRoot, '.venv-tools', 'bin', 'python'), 'python3']) {
    if (python.includes('/') && !existsSync(python)) continue;
    try {
      execFileSync(python, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 30_000 });
      return { python, skip: false };
    } catch {
      // the next one
    }
  }
  return { skip: isCi ? false : `no python with ${module} (run scripts/install-python-tools.sh)` };
}

interface PythonFacts {
  /** Statement kinds at module level. */
  top: string[];
  /** Dotted names of every call in the module. */
  calls: string[];
  strings: string[];
}

const FACTS = `import ast, json, sys
tree = ast.parse(open(sys.argv[1], encoding="utf-8").read(), sys.argv[1])
def name(node):
    if isinstance(node, ast.Name): return node.id
    if isinstance(node, ast.Attribute): return name(node.value) + "." + node.attr
    return type(node).__name__
print(json.dumps({
    "top": [type(n).__name__ for n in tree.body],
    "calls": sorted({name(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}),
    "strings": [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)],
}))`;

/**
 * The script parses (ast.parse), defines and imports only at module level (no call runs on import
 * but the `__main__` guard's), calls nothing that runs commands or code, and holds each `expected`
 * text as one string literal.
 */
export function assertSafePython(path: string, expected: string[]): void {
  const { python } = pythonWith('ast');
  assert.ok(python, 'python3 is needed to parse the generated script');
  let facts: PythonFacts;
  try {
    facts = JSON.parse(execFileSync(python, ['-c', FACTS, path], { encoding: 'utf8', timeout: 30_000 })) as PythonFacts;
  } catch (error) {
    assert.fail(`${path} is not valid Python: ${String((error as { stderr?: string }).stderr ?? error)}`);
  }
  for (const kind of facts.top) assert.ok(['Import', 'ImportFrom', 'FunctionDef', 'ClassDef', 'If', 'Assign'].includes(kind), `${path}: a ${kind} statement at module level`);
  for (const call of facts.calls) assert.ok(!/^(os\.system|os\.popen|os\.exec\w*|subprocess\.\w+|eval|exec|compile|__import__|open)$/.test(call), `${path} calls ${call}`);
  for (const text of expected) assert.ok(facts.strings.includes(text), `${path} lacks the string literal ${JSON.stringify(text)}`);
}

/**
 * DuckDB reads the DDL as exactly one CREATE statement and runs it beside a table `important`, which
 * survives; the table it creates has `columns`, in order. `setup` runs first (e.g. type aliases).
 */
export async function assertOneCreate(sql: string, table: string, columns: string[], setup: string[] = []): Promise<void> {
  const duck = await openDuckDB(':memory:');
  try {
    const c = duck.connection;
    for (const statement of ['CREATE TABLE important (x INTEGER)', ...setup]) await c.run(statement);
    const statements = await c.extractStatements(sql);
    assert.equal(statements.count, 1, `DuckDB reads ${statements.count} statements in:\n${sql}`);
    const prepared = await statements.prepare(0);
    assert.equal(prepared.statementType, StatementType.CREATE);
    await prepared.run();
    const names = (await c.runAndReadAll('SELECT table_name FROM duckdb_tables() ORDER BY table_name')).getRows().map((r) => String(r[0]));
    assert.deepEqual(names.sort(), ['important', table].sort());
    const created = (await c.runAndReadAll('SELECT column_name FROM duckdb_columns() WHERE table_name = $1 ORDER BY column_index', [table])).getRows().map((r) => String(r[0]));
    assert.deepEqual(created, columns);
  } finally {
    duck.close();
  }
}

/** PyYAML without YAML 1.1's timestamps (so both readers keep ISO times as text). */
const PYYAML = `import json, sys, yaml
class Loader(yaml.SafeLoader): pass
Loader.yaml_implicit_resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
print(json.dumps(yaml.load(open(sys.argv[1], encoding="utf-8").read(), Loader=Loader)))`;

/** The yaml library (YAML 1.2) and PyYAML (1.1: NEL, LS and PS end lines) read the same document. */
export function assertYamlReadsAlike(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  const document = parseYaml(text) as unknown;
  const { python } = pythonWith('yaml');
  assert.ok(python, 'PyYAML is needed to read the generated YAML as YAML 1.1');
  const read = JSON.parse(execFileSync(python, ['-c', PYYAML, path], { encoding: 'utf8', timeout: 30_000 })) as unknown;
  assert.deepEqual(read, document, `${path}: PyYAML reads another document`);
  return document;
}
