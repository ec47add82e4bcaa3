// Reads an ODCS v3.1 contract: YAML syntax, then the standard's own JSON Schema (draft 2019-09), with
// every problem placed on the line and column of the YAML node it is about.
import { Ajv2019, type ErrorObject } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';
import type { OdcsContract } from './odcs.js';
import odcsSchema from './odcs-json-schema-v3.1.0.json' with { type: 'json' };

export { odcsSchema };

export interface ContractProblem {
  message: string;
  /** Character offsets in the YAML text. */
  range: [number, number];
  /** 1-based, for people and CLI output. */
  line: number;
  column: number;
  /** JSON pointer of the offending value, when the problem comes from the schema. */
  pointer?: string;
}

export interface ParsedContract {
  path: string;
  text: string;
  /** Present when the YAML parsed; the contract may still be invalid (see problems). */
  document?: Document;
  /** Present only when there are no problems. */
  contract?: OdcsContract;
  problems: ContractProblem[];
  lines: LineCounter;
}

// ajv-formats ships CommonJS with `exports.default`; under ESM interop either shape can arrive.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2019) => Ajv2019;

let validator: ReturnType<Ajv2019['compile']> | undefined;
function validateOdcs(data: unknown): ErrorObject[] {
  if (!validator) {
    // strict: false because the standard's schema uses keywords ajv's strict mode rejects (examples inside $defs paths).
    const ajv = new Ajv2019({ allErrors: true, strict: false });
    addFormats(ajv);
    validator = ajv.compile(odcsSchema);
  }
  return validator(data) ? [] : [...(validator.errors ?? [])];
}

/** A contract file by name, or any YAML that says it is an ODCS v3 data contract. */
export function isContractFile(uri: string, text?: string): boolean {
  if (/\.odcs\.ya?ml$/i.test(uri)) return true;
  if (!/\.ya?ml$/i.test(uri) || text === undefined) return false;
  return /^apiVersion:\s*["']?v3\.\d/m.test(text) && /^kind:\s*["']?DataContract\b/m.test(text);
}

export function parseContract(text: string, path: string): ParsedContract {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (range: [number, number], message: string, pointer?: string): ContractProblem => {
    const { line, col } = lines.linePos(range[0]);
    return { message, range, line, column: col, ...(pointer !== undefined ? { pointer } : {}) };
  };
  const syntax = document.errors.map((e) => at([e.pos[0], e.pos[1]], e.message.split('\n')[0] ?? e.message));
  if (syntax.length) return { path, text, problems: syntax, lines };
  const data = document.toJS() as unknown;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { path, text, document, problems: [at([0, Math.min(text.length, 1)], 'A data contract is a YAML mapping (apiVersion, kind, id, version, status, schema, ...).')], lines };
  }
  const problems = schemaMessages(validateOdcs(data)).map(({ pointer, message, key }) => at(rangeOf(document, pointer, key, text.length), message, pointer));
  problems.sort((a, b) => a.range[0] - b.range[0]);
  return { path, text, document, problems, lines, ...(problems.length ? {} : { contract: data as OdcsContract }) };
}

/** `file:line:column: message`, the form editors and CI logs link. */
export function formatProblem(path: string, problem: ContractProblem): string {
  return `${path}:${problem.line}:${problem.column}: ${problem.message}`;
}

interface SchemaMessage { pointer: string; message: string; key?: string }

/**
 * ajv reports every branch it tried (if/then, oneOf); people need the leaf causes. Keeps the most
 * specific error per location and drops the combinator echoes when a leaf explains them.
 */
function schemaMessages(errors: ErrorObject[]): SchemaMessage[] {
  const combinators = new Set(['if', 'oneOf', 'anyOf', 'allOf', 'then', 'else']);
  const leaves = errors.filter((e) => !combinators.has(e.keyword));
  const explained = (e: ErrorObject) => leaves.some((l) => l.instancePath === e.instancePath || l.instancePath.startsWith(`${e.instancePath}/`));
  const kept = [...leaves, ...errors.filter((e) => combinators.has(e.keyword) && e.keyword !== 'if' && !explained(e))];
  const out = new Map<string, SchemaMessage>();
  for (const error of kept) {
    const where = error.instancePath || '(root)';
    const params = error.params as Record<string, unknown>;
    let message: string;
    let key: string | undefined;
    if (/DataQualityOperators/.test(error.schemaPath)) {
      message = `${where}: a quality rule needs exactly one of mustBe, mustNotBe, mustBeGreaterThan, mustBeGreaterOrEqualTo, mustBeLessThan, mustBeLessOrEqualTo, mustBeBetween, mustNotBeBetween`;
    } else if (error.keyword === 'unevaluatedProperties' || error.keyword === 'additionalProperties') {
      key = String(params.unevaluatedProperty ?? params.additionalProperty);
      message = `${where}: '${key}' is not an ODCS v3.1 field here`;
    } else if (error.keyword === 'enum') {
      message = `${where} must be one of: ${(params.allowedValues as unknown[]).join(', ')}`;
    } else if (error.keyword === 'required') {
      message = `${where} must have '${String(params.missingProperty)}'`;
    } else {
      message = `${where} ${error.message ?? 'is invalid'}`;
    }
    const id = `${error.instancePath}\u0000${message}`;
    if (!out.has(id)) out.set(id, { pointer: error.instancePath, message, ...(key ? { key } : {}) });
  }
  return [...out.values()];
}

/** The YAML node a JSON pointer names (or the key `key` inside it), as character offsets. */
function rangeOf(document: Document, pointer: string, key: string | undefined, length: number): [number, number] {
  const path = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const node = (path.length ? document.getIn(path, true) : document.contents) as Node | undefined;
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((item): item is Pair => isPair(item) && isScalar(item.key) && item.key.value === key);
    const keyNode = pair?.key as Node | undefined;
    if (keyNode?.range) return [keyNode.range[0], keyNode.range[1]];
  }
  if (node?.range) {
    // A mapping's range covers its whole block: point at its first line instead.
    if (isMap(node)) {
      const first = node.items[0]?.key as Node | undefined;
      if (first?.range) return [first.range[0], first.range[1]];
    }
    return [node.range[0], node.range[1]];
  }
  return [0, Math.min(length, 1)];
}
