// Lists functions over 80 lines and files over 400 lines in src/ and media/ (issue 15: split what is
// long by concern) and exits 1 when one is not in ALLOWED below with the reason it reads better whole.
// Functions are declarations, methods, accessors, constructors and function expressions or arrow
// functions wherever they appear (assigned, passed, returned); a function's lines include its nested ones.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const MAX_FUNCTION_LINES = 80;
const MAX_FILE_LINES = 400;
const ROOTS = ['src', 'media'];
const EXTENSIONS = ['.ts', '.js', '.mjs'];

/**
 * What may stay long, with why: `path` for a file, `path#name` for a function (the name as printed).
 * An entry that no longer matches anything is reported too, so the list cannot go stale.
 */
const ALLOWED = {};

const repo = join(fileURLToPath(new URL('.', import.meta.url)), '..');

/** Every source file under a root, skipping declaration files and generated code. */
function sourceFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (EXTENSIONS.some((ext) => entry.name.endsWith(ext)) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const isGenerated = (text) => /^\s*(\/\/|\/\*)[^\n]*@generated|do not edit/i.test(text.slice(0, 400));

/** The name a function is known by: its own, else what it is assigned to, else the call it is passed to. */
function functionName(node) {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (node.name && !ts.isComputedPropertyName(node.name)) return node.name.getText();
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText();
  if (ts.isBinaryExpression(parent)) return parent.left.getText();
  if (ts.isCallExpression(parent) || ts.isNewExpression(parent)) return `${parent.expression.getText()}(callback)`;
  return '(anonymous)';
}

const isFunction = (node) =>
  ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node) ||
  ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node) || ts.isConstructorDeclaration(node);

/** Long functions and the file's own length, as `{ key, lines }` rows. */
function measure(path) {
  const text = readFileSync(path, 'utf8');
  if (isGenerated(text)) return [];
  const rel = relative(repo, path).split(sep).join('/');
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos) => source.getLineAndCharacterOfPosition(pos).line;
  const rows = [];
  const fileLines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (fileLines > MAX_FILE_LINES) rows.push({ key: rel, lines: fileLines, kind: 'file' });
  const visit = (node) => {
    if (isFunction(node) && node.body) {
      const lines = lineOf(node.getEnd()) - lineOf(node.getStart(source)) + 1;
      if (lines > MAX_FUNCTION_LINES) rows.push({ key: `${rel}#${functionName(node)}`, lines, kind: 'function', line: lineOf(node.getStart(source)) + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return rows;
}

const rows = ROOTS.flatMap((root) => sourceFiles(join(repo, root))).flatMap(measure);
rows.sort((a, b) => b.lines - a.lines);
let failed = 0;
for (const row of rows) {
  const reason = ALLOWED[row.key];
  if (!reason) failed += 1;
  const where = row.line ? `${row.key} (line ${row.line})` : row.key;
  console.log(`${reason ? 'allowed ' : 'TOO LONG'} ${row.kind.padEnd(8)} ${String(row.lines).padStart(4)}  ${where}${reason ? `: ${reason}` : ''}`);
}
const stale = Object.keys(ALLOWED).filter((key) => !rows.some((row) => row.key === key));
for (const key of stale) console.log(`stale    allow-list entry ${key}: it is no longer long; remove it`);
console.log(`${rows.length} long (${failed} not allowed); limits: function ${MAX_FUNCTION_LINES} lines, file ${MAX_FILE_LINES} lines`);
process.exit(failed > 0 || stale.length > 0 ? 1 : 0);
