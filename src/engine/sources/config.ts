// Sources as code: `.headwater/sources.yaml`, each entry checked by its kind's manifest (the same
// specs make the file's JSON Schema and the editor's completion), plus ad-hoc sources given by URL on
// the command line.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { HeadwaterError, redactUrl, secretsInUrl } from '../../shared/errors.js';
import type { PrivacyPolicy } from '../../shared/privacy.js';
import type { SourceDefinition } from '../../shared/protocol.js';
import type { SourceSummary } from '../../shared/types.js';
import type { ResolvedSource } from '../drivers/driver.js';
import { assertValidSource, checkEntry, kindForUrl } from '../drivers/registry.js';
import { policyProblems } from '../privacy/policy.js';
import { fileSchema, sourcesSchema } from './schema.js';

export { sourcesSchema };

export const SOURCES_FILE = join('.headwater', 'sources.yaml');

export interface ConfigProblem {
  message: string;
  /** Character offsets in the YAML text, when known. */
  range?: [number, number];
  /** 1-based line and column of the range's start, when known. */
  line?: number;
  column?: number;
}

/** `path:line:col: message` (just `path: message` without a position), as compilers print it. */
export function formatProblem(path: string, problem: ConfigProblem): string {
  return problem.line !== undefined ? `${path}:${problem.line}:${problem.column ?? 1}: ${problem.message}` : `${path}: ${problem.message}`;
}

export interface LoadedSources {
  path: string;
  definitions: SourceDefinition[];
  problems: ConfigProblem[];
  /** The workspace-wide privacy policy (top-level `privacy:`). */
  privacy?: PrivacyPolicy;
}

const validateFile = new Ajv({ allErrors: true, strict: false }).compile(fileSchema);

/** The problems of the file's shape, then of each entry as its kind's manifest sees it, with their places. */
function isPolicy(value: unknown): value is PrivacyPolicy {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function problemsOf(doc: Document, data: { sources?: unknown; privacy?: unknown }): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!validateFile(data)) {
    for (const error of validateFile.errors ?? []) {
      const key = error.keyword === 'additionalProperties' ? String(error.params.additionalProperty) : undefined;
      const what = key !== undefined
        ? error.instancePath ? `${error.instancePath.slice(1)}: unknown key '${key}'` : `unknown key '${key}' (a sources.yaml holds 'sources:', a list of sources, and 'privacy:', the workspace's privacy policy)`
        : `${error.instancePath || 'the file'} ${error.message ?? 'is invalid'}`;
      problems.push({ message: what, range: rangeOf(doc, error.instancePath, key) });
    }
  }
  for (const message of isPolicy(data.privacy) ? policyProblems(data.privacy) : []) problems.push({ message, range: rangeOf(doc, '/privacy') });
  const entries = Array.isArray(data.sources) ? data.sources : [];
  entries.forEach((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null) return;
    const name = typeof (entry as { name?: unknown }).name === 'string' ? `Source '${(entry as { name: string }).name}'` : `Source #${index + 1}`;
    for (const problem of checkEntry(entry as { kind?: unknown })) {
      problems.push({ message: `${name}: ${problem.message}`, range: rangeOf(doc, `/sources/${index}${problem.path}`, problem.key) });
    }
    const privacy = (entry as { privacy?: unknown }).privacy;
    for (const message of isPolicy(privacy) ? policyProblems(privacy) : []) problems.push({ message: `${name}: ${message}`, range: rangeOf(doc, `/sources/${index}/privacy`) });
  });
  return problems;
}

/** Parses and validates sources.yaml text. Problems are reported, valid entries still load. */
export function parseSources(text: string, path: string): LoadedSources {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter: lines });
  const problems: ConfigProblem[] = doc.errors.map((e) => ({ message: e.message, range: [e.pos[0], e.pos[1]] }));
  const data = (doc.toJS() ?? {}) as { sources?: unknown; privacy?: unknown };
  problems.push(...problemsOf(doc, data));
  const definitions: SourceDefinition[] = [];
  const seen = new Set<string>();
  for (const [index, item] of (Array.isArray(data.sources) ? data.sources as unknown[] : []).entries()) {
    if (typeof item !== 'object' || item === null) continue;
    const def = item as SourceDefinition;
    if (typeof def.name !== 'string' || typeof def.kind !== 'string') continue;
    if (seen.has(def.name)) {
      problems.push({ message: `Duplicate source name '${def.name}'`, range: rangeOf(doc, `/sources/${index}/name`) });
      continue;
    }
    seen.add(def.name);
    definitions.push(def);
  }
  for (const problem of problems) {
    if (!problem.range) continue;
    const { line, col } = lines.linePos(problem.range[0]);
    Object.assign(problem, { line, column: col });
  }
  return { path, definitions, problems, ...(isPolicy(data.privacy) ? { privacy: data.privacy } : {}) };
}

/** Character range of the YAML node at a JSON pointer like /sources/0/kind, or of the key `key` in the map there. */
function rangeOf(doc: Document, pointer: string, key?: string): [number, number] | undefined {
  const path = pointer.split('/').slice(1).map((p) => (/^\d+$/.test(p) ? Number(p) : p.replace(/~1/g, '/').replace(/~0/g, '~')));
  const node = (path.length ? doc.getIn(path, true) : doc.contents) as unknown;
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
    const keyRange = isScalar(pair?.key) ? pair.key.range : undefined;
    if (keyRange) return [keyRange[0], keyRange[1]];
  }
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? [range[0], range[1]] : undefined;
}

export function loadSources(workspaceDir: string): LoadedSources {
  const path = join(workspaceDir, SOURCES_FILE);
  if (!existsSync(path)) return { path, definitions: [], problems: [] };
  return parseSources(readFileSync(path, 'utf8'), path);
}

/** Adds (or replaces) a source in sources.yaml, keeping the file's comments and layout. */
export function saveSource(workspaceDir: string, definition: SourceDefinition): string {
  const path = join(workspaceDir, SOURCES_FILE);
  mkdirSync(dirname(path), { recursive: true });
  const doc = existsSync(path) ? parseDocument(readFileSync(path, 'utf8')) : parseDocument('# Headwater sources: commit this file; secrets stay in ${secret:…} / ${env:…} references.\nsources: []\n');
  let sources = doc.get('sources');
  if (!isSeq(sources)) {
    doc.set('sources', doc.createNode([]));
    sources = doc.get('sources');
  }
  if (!isSeq(sources)) throw new HeadwaterError('internal', `Could not edit ${path}`);
  const clean = Object.fromEntries(Object.entries(definition).filter(([, v]) => v !== undefined));
  const index = sources.items.findIndex((item) => isMap(item) && item.get('name') === definition.name);
  if (index >= 0) sources.set(index, doc.createNode(clean));
  else sources.add(doc.createNode(clean));
  const problems = parseSources(doc.toString(), path).problems;
  if (problems.length) throw new HeadwaterError('usage', `Source '${definition.name}' is not valid: ${problems.map((p) => p.message).join('; ')}`, { source: definition.name });
  writeFileSync(path, doc.toString());
  return path;
}

/** A source named by URL or path on the command line (`sqlite:///x.db`, `file:///data`, `./x.csv`). */
export function adHocSource(text: string): SourceDefinition | undefined {
  const kind = kindForUrl(text);
  // The name lands in the catalog, sample ids, cache and generated files: never the URL's password or
  // a credential in its query (`?token=`); the URL itself keeps them for the request.
  if (kind) return { name: redactUrl(withoutPassword(text)), kind, url: text };
  // A URL whose scheme no kind claims is no source, whatever its name ends in.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return undefined;
  if (/\.(sqlite3?|db)$/i.test(text)) return { name: text, kind: 'sqlite', path: text };
  if (/\.(csv|tsv|json|ndjson|jsonl|parquet)(\.gz)?$/i.test(text) || text.startsWith('./') || text.startsWith('/')) return { name: text, kind: 'file', path: text };
  return undefined;
}

function withoutPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1@');
}

const REFERENCE = /\$\{(secret|env):([A-Za-z_][A-Za-z0-9_.-]*)\}/g;

export type SecretLookup = (names: string[]) => Promise<Record<string, string | undefined>>;

/** Resolves `${secret:NAME}` and `${env:VAR}` references. The values never go back to disk. */
export async function resolveSource(definition: SourceDefinition, baseDir: string, lookupSecrets: SecretLookup): Promise<ResolvedSource> {
  const secretNames = new Set<string>();
  const envNames = new Set<string>();
  const text = JSON.stringify(definition);
  for (const match of text.matchAll(REFERENCE)) (match[1] === 'secret' ? secretNames : envNames).add(match[2]!);
  const secretValues = secretNames.size ? await lookupSecrets([...secretNames]) : {};
  const secrets: string[] = [];
  const missing: string[] = [];
  const resolved = JSON.parse(text, (_key, value: unknown) => {
    if (typeof value !== 'string') return value;
    return value.replace(REFERENCE, (_m, type: string, name: string) => {
      const found = type === 'secret' ? secretValues[name] : process.env[name];
      if (found === undefined) {
        missing.push(`\${${type}:${name}}`);
        return '';
      }
      secrets.push(found);
      return found;
    });
  }) as SourceDefinition;
  if (missing.length) {
    throw new HeadwaterError('connection', `Source '${definition.name}': ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set.`, {
      source: definition.name,
      hint: 'Set the environment variable, or store the secret with "Headwater: Add Source" (in VS Code) or HEADWATER_SECRET_<NAME> (on the command line).',
    });
  }
  // The privacy policy is the sampler's, not the driver's (Engine.sample reads it from the definition).
  const { name, kind, url, path, options, description: _description, privacy: _privacy, ...rest } = resolved;
  // Credentials written into the URL itself (`?token=…`, `user:pw@`) are redacted like references.
  if (url) secrets.push(...secretsInUrl(url).filter((value) => !secrets.includes(value)));
  const source: ResolvedSource = {
    name,
    kind,
    url,
    path: path && !isAbsolute(path) ? resolve(baseDir, path) : path,
    // The driver reads its settings typed (its manifest's settings()): connection fields and options in one.
    options: { ...rest, ...(options ?? {}) },
    secrets,
    baseDir,
  };
  // Checked once, here, with the values the driver will get: a wrong option stops before any connection.
  assertValidSource(source, resolved);
  return source;
}

/** Where a source points, with credentials removed, for trees and listings. */
export function describeLocation(definition: SourceDefinition): string {
  const raw = definition.url ?? definition.path ?? '';
  if (raw.startsWith('file://')) return fileURLToPath(raw);
  return raw.replace(/(\/\/[^/@:]*):[^/@]*@/, '$1:***@').replace(REFERENCE, (m) => m);
}

export function summarize(definition: SourceDefinition, origin: SourceSummary['origin']): SourceSummary {
  return { name: definition.name, kind: definition.kind, location: describeLocation(definition), origin };
}
