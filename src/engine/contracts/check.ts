// `headwater check`: a source against its ODCS contract. Samples each schema object within the
// source-safety budgets (Engine.sample), infers it, and reports schema drift (missing/extra fields,
// type and nullability changes), failed quality rules and missed freshness SLOs. The contract may be
// someone else's (a pull request): its rules run in a locked-down, read-only copy of the sample.
import { readFileSync } from 'node:fs';
import { HeadwaterError } from '../../shared/errors.js';
import type { LagFact } from '../../shared/profile.js';
import type { SampleRequestOptions } from '../../shared/types.js';
import { DEFAULT_SAMPLE_LIMIT, type Engine } from '../engine.js';
import { compareSchema, contractPaths, observedPaths, type SchemaFinding } from './model.js';
import { physicalNameOf, type OdcsContract } from './odcs.js';
import { formatProblem, parseContract, type ContractProblem, type ParsedContract } from './parse.js';
import { evaluateFreshness, evaluateQuality, type RuleResult } from './quality.js';
import { contractSource, selectServer } from './server.js';

export interface CheckFinding {
  severity: 'error' | 'warning';
  /** Schema object (table, topic, file) the finding is about. */
  object: string;
  /** missing, extra, type, nullability, physicalType, or the quality rule (nullValues, unique, rowCount, freshness...). */
  kind: string;
  path?: string;
  message: string;
  expected?: string;
  observed?: string;
  measured?: number | string;
  /** Where in the contract the finding points (1-based line). */
  line?: number;
  pointer?: string;
}

export interface ObjectCheck {
  object: string;
  entity: string;
  sample: { id: string; rows: number; status: string; complete: boolean };
  /** Rules measured, including those that passed. */
  rules: RuleResult[];
}

export interface CheckReport {
  contract: string;
  id: string;
  version: string;
  server: { name: string; type: string; source: string };
  passed: boolean;
  errors: number;
  warnings: number;
  findings: CheckFinding[];
  objects: ObjectCheck[];
  checkedAt: string;
}

export class InvalidContractError extends HeadwaterError {
  constructor(readonly path: string, readonly problems: ContractProblem[]) {
    super('usage', `${path} is not a valid ODCS v3.1 contract:\n${problems.map((p) => `  ${formatProblem(path, p)}`).join('\n')}`, { hint: 'The contract is validated against the official ODCS v3.1.0 JSON Schema.' });
  }
}

export function readContract(path: string): ParsedContract & { contract: OdcsContract } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new HeadwaterError('usage', `Cannot read contract ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
  const parsed = parseContract(text, path);
  if (!parsed.contract) throw new InvalidContractError(path, parsed.problems);
  return parsed as ParsedContract & { contract: OdcsContract };
}

/** A check in CI must end: each object's sample stops after this long (and is judged as partial). */
export const DEFAULT_CHECK_SECONDS = 60;

export interface CheckOptions {
  server?: string;
  sample?: SampleRequestOptions;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  /** Count extra fields as violations (by default they are warnings: adding a column rarely breaks a consumer). */
  strict?: boolean;
  now?: Date;
}

export async function checkContract(engine: Engine, contractPath: string, options: CheckOptions = {}): Promise<CheckReport> {
  const parsed = readContract(contractPath);
  const { contract } = parsed;
  const server = selectServer(contract, options.server, contractPath);
  const known = engine.listDefinitions().map((d) => d.definition);
  const source = contractSource(server, known, contractPath);
  const clash = known.find((d) => d.name === source.definition.name && d !== source.definition);
  const definition = clash ? { ...source.definition, name: `${server.server}-contract` } : source.definition;
  if (!known.includes(definition)) engine.setExtraSources([definition]);
  const lineOf = (pointer: string | undefined) => {
    if (pointer === undefined || !parsed.document) return undefined;
    const path = pointer.split('/').slice(1).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    const node = parsed.document.getIn(path, true) as { range?: [number, number, number] } | undefined;
    return node?.range ? parsed.lines.linePos(node.range[0]).line : undefined;
  };
  const findings: CheckFinding[] = [];
  const objects: ObjectCheck[] = [];
  const now = options.now ?? new Date();
  for (const [index, object] of (contract.schema ?? []).entries()) {
    const objectPointer = `/schema/${index}`;
    const firstFinding = findings.length;
    const entity = source.entityFor(physicalNameOf(object));
    options.onProgress?.(`sampling ${definition.name}/${entity}`);
    const limit = options.sample?.limit ?? DEFAULT_SAMPLE_LIMIT;
    let info;
    try {
      info = await engine.sample(definition.name, entity, { ...options.sample, limit, maxSeconds: options.sample?.maxSeconds ?? DEFAULT_CHECK_SECONDS }, { signal: options.signal });
    } catch (error) {
      // The source answered but has no such table: the contract's object is gone upstream (a violation, not an outage).
      if (!(error instanceof HeadwaterError) || error.code !== 'not_found' || error.entity !== entity) throw error;
      const pointer = objectPointer;
      findings.push({ severity: 'error', object: object.name, kind: 'missing', message: `'${entity}' is in the contract but not in the source: ${error.message}`, pointer, line: lineOf(`${pointer}/name`) });
      continue;
    }
    const inferred = await engine.inferred(info.id, options.signal);
    const complete = info.status === 'complete' && (options.sample?.strategy === 'full' || info.rowCount < limit);
    const paths = contractPaths(object, objectPointer);
    const schemaFindings = compareSchema(paths, observedPaths(inferred, info.schema.fields), { contract: `${contractPath}#${object.name}`, sample: info.id });
    for (const f of schemaFindings) findings.push(fromSchema(object.name, f, options.strict === true, lineOf));
    const lags = new Map<string, Promise<LagFact | undefined>>();
    const lagOf = (field: string) => {
      if (!lags.has(field)) lags.set(field, engine.profile(info.id, { eventTime: field }).then((p) => p.facts.lag.find((l) => l.from === field), () => undefined));
      return lags.get(field)!;
    };
    const sandbox = await (await engine.workspace()).sandbox([info.id]);
    let rules: RuleResult[];
    try {
      const scope = { table: info.table, sampleId: info.id, rows: info.rowCount, complete, now, lagOf, privacy: info.privacy, query: (sql: string) => sandbox.query(sql, 100, options.signal) };
      const columns = new Set(info.schema.fields.map((f) => f.name));
      rules = [...await evaluateQuality(object, objectPointer, scope, columns), ...await evaluateFreshness(contract, object, scope)];
    } finally {
      sandbox.close();
    }
    for (const rule of rules) {
      if (rule.status === 'pass' || rule.status === 'skipped') continue;
      const softened = rule.severity !== undefined && ['info', 'warning', 'warn'].includes(rule.severity.toLowerCase());
      findings.push({ severity: (rule.status === 'fail' || rule.status === 'error') && !softened ? 'error' : 'warning', object: object.name, kind: rule.rule, path: rule.path, message: rule.message, measured: rule.measured, pointer: rule.pointer, line: lineOf(rule.pointer) });
    }
    objects.push({ object: object.name, entity, sample: { id: info.id, rows: info.rowCount, status: info.status, complete }, rules });
    // In contract order, so people read them top to bottom.
    const mine = findings.splice(firstFinding);
    findings.push(...mine.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  }
  const errors = findings.filter((f) => f.severity === 'error').length;
  return {
    contract: contractPath, id: contract.id, version: contract.version,
    server: { name: server.server, type: server.type, source: definition.name },
    passed: errors === 0, errors, warnings: findings.length - errors, findings, objects, checkedAt: now.toISOString(),
  };
}

function fromSchema(object: string, finding: SchemaFinding, strict: boolean, lineOf: (pointer: string | undefined) => number | undefined): CheckFinding {
  const severity = finding.kind === 'extra' && !strict ? 'warning' : 'error';
  return {
    severity, object, kind: finding.kind, path: finding.path, message: finding.message,
    ...(finding.expected ? { expected: finding.expected } : {}), ...(finding.observed ? { observed: finding.observed } : {}),
    ...(finding.pointer ? { pointer: finding.pointer, line: lineOf(finding.pointer) } : {}),
  };
}
