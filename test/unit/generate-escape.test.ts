// The generators' escapers as pure functions, table-driven with near misses: comments stay one line,
// Python/Jinja literals read back as the original text (checked by Python itself), identifiers are
// identifiers, and values a target cannot hold literally are refused.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { commentText, connectListItemProblem, connectText, connectValueProblem, hostProblem, isPlainSqlType, javaRegexLiteral, jinjaLiteral, jinjaString, pyIdentifier, pyString, uniqueNames, urlHost, urlPartProblem } from '../../src/engine/generate/escape.js';
import { isCi } from '../services/prerequisites.js';

/** Texts that have broken generated files: line ends of every kind, quotes, comment and template openers. */
const HOSTILE_TEXTS = [
  'plain', '', 'o\nimport os; os.system("touch /tmp/x")\n#', 'x\nDROP TABLE important;\n--', 'cr\rlf\r\n', 'ls\u2028ps\u2029nel\u0085',
  `double"quote`, "single'quote", '"""', "'''", '*/ end', '${env:HOME}', '{{ config }}', 'back\\slash\\', '\\x41\\n', 'tab\tff\fvt\v',
  'nul\u0000del\u007f', 'bidi\u202eevil\u2066', 'ünïcödé 日本 🚀', 'lone\ud800surrogate',
];

function pythonSkip(): string | false {
  if (isCi) return false;
  try {
    execFileSync('python3', ['--version']);
    return false;
  } catch {
    return 'python3 is not on PATH';
  }
}

/** Python's own reading of literals (ast.literal_eval), as JSON with lone surrogates kept. */
function pythonReads(literals: string[]): string[] {
  const script = 'import ast, json, sys\nprint(json.dumps([ast.literal_eval(x) for x in json.load(sys.stdin)]))';
  return JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(literals), encoding: 'utf8', timeout: 30_000 })) as string[];
}

describe('generator escapers', { timeout: 60_000 }, () => {
  test('comment text is one line whatever the name holds; printable text is unchanged', () => {
    for (const [text, expected] of [
      ['a\nb', 'a\\nb'], ['a\rb', 'a\\rb'], ['a\u2028b\u2029c', 'a\\u2028b\\u2029c'], ['nel\u0085', 'nel\\x85'], ['tab\t', 'tab\\t'],
      ['bidi\u202e', 'bidi\\u202e'], ['nul\u0000', 'nul\\x00'], ['lone\ud800', 'lone\\ud800'],
      // Near misses: printable text, quotes, comment closers and non-ASCII letters stay as they are.
      ['*/ "q" \'s\' ${x} -- #', '*/ "q" \'s\' ${x} -- #'], ['ünïcödé 日本 🚀', 'ünïcödé 日本 🚀'],
    ]) assert.equal(commentText(text!), expected, JSON.stringify(text));
    for (const text of HOSTILE_TEXTS) assert.doesNotMatch(commentText(text), /[\n\r\u0085\u2028\u2029\f\v]/, JSON.stringify(text));
  });

  test('Python string literals: exact text, no raw line end; Python reads them back', { skip: pythonSkip() }, () => {
    assert.equal(pyString('plain'), '"plain"');
    assert.equal(pyString(`a"b'c\\`), `"a\\"b'c\\\\"`);
    assert.equal(pyString(`a"b'c`, "'"), `'a"b\\'c'`);
    assert.equal(pyString('🚀\u2028'), '"🚀\\u2028"');
    const literals = HOSTILE_TEXTS.flatMap((t) => [pyString(t), jinjaString(t)]);
    for (const literal of literals) assert.doesNotMatch(literal, /[\n\r\u0085\u2028\u2029]/, literal);
    // Python keeps a lone surrogate; JSON carries it as \ud800 both ways.
    assert.deepEqual(pythonReads(literals), HOSTILE_TEXTS.flatMap((t) => [t, t]));
  });

  test('Python identifiers: [A-Za-z_][A-Za-z0-9_]*, never a keyword or a taken name', () => {
    const taken = new Set(['main', 'main_2']);
    for (const [text, expected] of [
      ['orders', 'orders'], ['a b-c', 'a_b_c'], ['1abc', '_1abc'], ['class', 'class_'], ['None', 'None_'], ['', '_'], ['日本', '_'],
      ['o\nimport os; os.system("x")\n#', 'o_import_os_os_system_x_'], ['main', 'main_3'],
      // Near misses: a keyword inside a name, a soft keyword, a name close to a taken one.
      ['classy', 'classy'], ['match', 'match'], ['main_', 'main_'],
    ]) assert.equal(pyIdentifier(text!, taken), expected, JSON.stringify(text));
    for (const text of HOSTILE_TEXTS) assert.match(pyIdentifier(text), /^[A-Za-z_][A-Za-z0-9_]*$/);
  });

  test('unique names: repeats get _2, _3, never colliding with a later original', () => {
    assert.deepEqual(uniqueNames(['a_b', 'a_b', 'a_b']), ['a_b', 'a_b_2', 'a_b_3']);
    assert.deepEqual(uniqueNames(['a_b', 'a_b_2', 'a_b']), ['a_b', 'a_b_2', 'a_b_3']);
    assert.deepEqual(uniqueNames(['x', 'y']), ['x', 'y']);
  });

  test('Jinja: a literal holding a template opener becomes one string expression; other text is unchanged', () => {
    assert.equal(jinjaLiteral("{{ config['api_token'] }}"), "{{ '{{ config[\\'api_token\\'] }}' }}");
    assert.equal(jinjaLiteral('{%x'), "{{ '{%x' }}");
    assert.equal(jinjaLiteral('a{#b'), "{{ 'a{#b' }}");
    for (const text of ['/v1/items', '/items/{id}', '{ {', 'x}}', '']) assert.equal(jinjaLiteral(text), text);
  });

  test('Java regex literals escape punctuation (Debezium\'s \\, and ${), white space and controls', () => {
    for (const [text, expected] of [
      ['orders', 'orders'], ['a.b', 'a\\.b'], ['a,b', 'a\\,b'], ['${env:X}', '\\$\\{env\\:X\\}'], ['a b', 'a\\x{20}b'], ['x\ny', 'x\\x{a}y'],
      ['.*', '\\.\\*'], ['a\\b', 'a\\\\b'], ['ünï_9', 'ünï_9'],
    ]) assert.equal(javaRegexLiteral(text!), expected, JSON.stringify(text));
    for (const text of HOSTILE_TEXTS) {
      const literal = javaRegexLiteral(text);
      assert.ok(!literal.includes('${') && !/[\s,]/.test(literal.replaceAll('\\,', '')), literal);
    }
  });

  test('Kafka Connect values: ${ is refused (or defused in free text), list items hold no comma or edge spaces', () => {
    assert.match(connectValueProblem('x${env:HOME}') ?? '', /config provider/);
    assert.equal(connectValueProblem('$ {x} $x {y}'), undefined);
    assert.equal(connectText('from ${env:HOME} and $x'), 'from $ {env:HOME} and $x');
    for (const [text, cause] of [['a,b', /comma/], [' a', /white space/], ['a ', /white space/], ['${x}', /config provider/]] as const) {
      assert.match(connectListItemProblem(text) ?? '', cause, text);
    }
    for (const text of ['orders', 'a b', 'sales.orders']) assert.equal(connectListItemProblem(text), undefined, text);
  });

  test('JDBC URL parts: hosts are names or addresses, database names carry no URL parameters', () => {
    for (const host of ['db.example.com', '127.0.0.1', 'localhost', '::1', '[::1]', 'fe80::1%eth0'.split('%')[0]!, '${env:PGHOST}', 'a']) assert.equal(hostProblem(host), undefined, host);
    for (const host of ['host/x', 'h?x=1', '-h', '', 'a b', '${env:X}y', '[::1', 'h:5432@evil', 'h\n']) assert.ok(hostProblem(host), host);
    assert.equal(urlHost('::1'), '[::1]');
    assert.equal(urlHost('[::1]'), '[::1]');
    assert.equal(urlHost('db'), 'db');
    for (const name of ['fixtures', 'my-db_1.x', 'a b', 'ünï']) assert.equal(urlPartProblem(name), undefined, name);
    for (const name of ['db?socketFactory=x', 'a&b', 'a#b', 'a;b', 'a\nb', '${env:X}']) assert.ok(urlPartProblem(name), name);
  });

  test('SQL types: what databases print passes; statements, comments, clauses and stray quotes are refused', () => {
    for (const type of ['INTEGER', 'DECIMAL(12,2)', 'timestamp with time zone', 'character varying(255)', 'INTEGER[]', 'VARCHAR[3]', 'public.mood', '"My Type"',
      'STRUCT("a""b c" INTEGER, "x);DROP TABLE y;--" VARCHAR)', "ENUM('a''b', 'c\"d')", 'MAP(VARCHAR, INTEGER)', 'UNION(n INTEGER, "q\'" VARCHAR)', 'STRUCT("not" INTEGER)']) {
      assert.ok(isPlainSqlType(type), type);
    }
    for (const type of ['INTEGER; DROP TABLE x', 'INTEGER -- x', 'INTEGER, evil INTEGER', 'INTEGER DEFAULT 1', 'INT) ; DROP', 'INTEGER /* x */', "ENUM('a\\', 'b')",
      'INTEGER NOT NULL', '', ' ', '(', 'INT)', '"unterminated', 'text COLLATE "C"', "VARCHAR'x'", 'INTEGER\nDROP TABLE x']) {
      assert.ok(!isPlainSqlType(type), type);
    }
  });
});
