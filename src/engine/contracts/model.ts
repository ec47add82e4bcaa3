// A contract's schema in Headwater's terms: ODCS logical types <-> the shared FieldType system, and
// the contract's properties as drift shapes, so contract vs source is the same comparison as sample vs
// sample (drift/diff.ts), read as constraints rather than as a symmetric difference.
import type { Field, FieldType } from '../../shared/types.js';
import { diffShapes, shapesOfDeclared, shapesOfInferred, type PathShape, type SchemaDrift } from '../drift/diff.js';
import type { InferredField, InferredSchema, InferredType } from '../inference/types.js';
import { physicalNameOf, type OdcsLogicalType, type OdcsProperty, type OdcsSchemaObject } from './odcs.js';

/** The ODCS logical type a Headwater type is written as. */
export function logicalTypeOf(type: InferredType, branches?: readonly string[]): OdcsLogicalType | undefined {
  switch (type) {
    case 'boolean': return 'boolean';
    case 'integer': return 'integer';
    case 'decimal': case 'float': return 'number';
    case 'string': case 'uuid': case 'binary': return 'string';
    case 'date': return 'date';
    case 'time': return 'time';
    case 'timestamp': case 'timestamptz': return 'timestamp';
    case 'struct': case 'map': case 'json': return 'object';
    case 'list': return 'array';
    case 'union': {
      const logical = new Set((branches ?? []).map((b) => logicalTypeOf(b as InferredType)));
      logical.delete(undefined);
      if (logical.size === 1) return [...logical][0];
      if ([...logical].every((l) => l === 'integer' || l === 'number')) return 'number';
      return undefined;
    }
    case 'null': return undefined;
  }
}

/** The Headwater type an ODCS logical type reads as, for the shared field model. */
export function fieldTypeOf(logical: OdcsLogicalType | undefined): FieldType {
  switch (logical) {
    case 'string': return 'string';
    case 'date': return 'date';
    case 'timestamp': return 'timestamp';
    case 'time': return 'time';
    case 'number': return 'decimal';
    case 'integer': return 'integer';
    case 'boolean': return 'boolean';
    case 'object': return 'struct';
    case 'array': return 'list';
    default: return 'json';
  }
}

const DUCK_TYPES: Record<FieldType, string> = {
  null: 'VARCHAR', boolean: 'BOOLEAN', integer: 'BIGINT', decimal: 'DOUBLE', float: 'DOUBLE', string: 'VARCHAR', date: 'DATE', time: 'TIME',
  timestamp: 'TIMESTAMP', timestamptz: 'TIMESTAMPTZ', uuid: 'UUID', binary: 'BLOB', json: 'JSON', struct: 'JSON', list: 'JSON', map: 'JSON', union: 'JSON',
};

/** A contract object as Headwater fields (physical names; required = not nullable). */
export function fieldsOfObject(object: OdcsSchemaObject): Field[] {
  const toField = (property: OdcsProperty): Field => {
    const type = fieldTypeOf(property.logicalType);
    const children = property.properties?.map(toField) ?? (property.items ? [toField({ ...property.items, name: '[]' })] : undefined);
    return {
      name: physicalNameOf(property),
      type,
      duckType: DUCK_TYPES[type],
      ...(property.physicalType ? { nativeType: property.physicalType } : {}),
      nullable: property.required !== true,
      ...(children ? { children } : {}),
    };
  };
  return (object.properties ?? []).map(toField);
}

/** One contract property at its path in the records, with where it sits in the contract. */
export interface ContractPath {
  /** Dotted path as inference writes it: `customer.id`, `items[].sku`. */
  path: string;
  property: OdcsProperty;
  /** JSON pointer of the property in the contract document. */
  pointer: string;
}

/** Every property of an object, nested ones included, keyed by record path. */
export function contractPaths(object: OdcsSchemaObject, objectPointer: string): ContractPath[] {
  const out: ContractPath[] = [];
  const walk = (property: OdcsProperty, prefix: string, pointer: string) => {
    const path = prefix ? `${prefix}.${physicalNameOf(property)}` : physicalNameOf(property);
    out.push({ path, property, pointer });
    property.properties?.forEach((child, i) => walk(child, path, `${pointer}/properties/${i}`));
    if (property.items) {
      const element = `${path}[]`;
      out.push({ path: element, property: { ...property.items, name: property.items.name ?? '[]' }, pointer: `${pointer}/items` });
      property.items.properties?.forEach((child, i) => walk(child, element, `${pointer}/items/properties/${i}`));
    }
  };
  object.properties?.forEach((property, i) => walk(property, '', `${objectPointer}/properties/${i}`));
  return out;
}

/** What the source showed at one path. */
export interface ObservedPath {
  shape: PathShape;
  /** Present when the sample was inferred (it carries null counts and the evidence of each change). */
  inferred?: InferredField;
  /** The column type the source declares, for top-level columns. */
  nativeType?: string;
}

/** The observed shapes of a sample: inferred when there is an inference, else the landed columns. */
export function observedPaths(inferred: InferredSchema | undefined, declared: Field[]): Map<string, ObservedPath> {
  const out = new Map<string, ObservedPath>();
  const native = new Map(declared.map((f) => [f.name, f.nativeType]));
  if (inferred) {
    const byPath = new Map<string, InferredField>();
    const walk = (field: InferredField) => {
      byPath.set(field.path, field);
      for (const child of field.fields ?? []) walk(child);
      if (field.element) walk(field.element);
      if (field.value) walk(field.value);
    };
    inferred.fields.forEach(walk);
    const json = new Set(declared.filter((f) => /^JSON$/i.test(f.duckType)).map((f) => f.name));
    for (const inferredShape of shapesOfInferred(inferred)) {
      // A JSON column (a topic's key or value) read back as JSON text is still JSON to a contract.
      const shape = json.has(inferredShape.path) && inferredShape.type === 'string' ? { ...inferredShape, type: 'json' as const } : inferredShape;
      const field = byPath.get(shape.path);
      out.set(shape.path, { shape, ...(field ? { inferred: field } : {}), ...(native.get(shape.path) ? { nativeType: native.get(shape.path) } : {}) });
    }
    return out;
  }
  for (const shape of shapesOfDeclared({ fields: declared })) out.set(shape.path, { shape, ...(native.get(shape.path) ? { nativeType: native.get(shape.path) } : {}) });
  return out;
}

/** True when values of the observed type satisfy the contract's logical type. */
export function satisfies(contract: OdcsLogicalType, observed: PathShape): boolean {
  if (observed.type === 'null') return true; // only nulls seen: the type cannot be contradicted
  const logical = logicalTypeOf(observed.type as InferredType, observed.branches);
  if (logical === contract) return true;
  if (contract === 'number' && logical === 'integer') return true;
  // Text columns holding dates and times are still strings to a contract that says string.
  if (contract === 'string' && (logical === 'date' || logical === 'time' || logical === 'timestamp')) return true;
  if ((contract === 'object' || contract === 'array') && observed.type === 'json') return true;
  // Mixed kinds land as JSON and contracts write that column as an object (what `generate` does).
  if (contract === 'object' && observed.type === 'union' && logical === undefined) return true;
  return false;
}

/** Numeric text (how exact decimals land) also satisfies a numeric contract type. */
function satisfiesAsObserved(contract: OdcsLogicalType, shape: PathShape): boolean {
  if (satisfies(contract, shape)) return true;
  if (shape.type !== 'string' || (shape.format !== 'decimal-string' && shape.format !== 'integer-string')) return false;
  return satisfies(contract, { ...shape, type: shape.format === 'integer-string' ? 'integer' : 'decimal' });
}

export type SchemaFindingKind = 'missing' | 'extra' | 'type' | 'nullability' | 'physicalType';

export interface SchemaFinding {
  kind: SchemaFindingKind;
  path: string;
  /** Pointer of the contract property, when the finding is about one. */
  pointer?: string;
  /** What the contract says and what the source showed. */
  expected?: string;
  observed?: string;
  message: string;
}

/**
 * The contract and the sample as drift shapes, compared with diffShapes: only what a contract can say
 * (logical type, required) is compared, and observed values that satisfy the contract's type agree.
 */
export function contractDrift(paths: ContractPath[], observed: Map<string, ObservedPath>, labels: { contract: string; sample: string }): SchemaDrift {
  const described = new Set(['', ...paths.filter((p) => p.property.properties?.length || p.property.items).map((p) => p.path), ...paths.filter((p) => p.path.endsWith('[]') && p.property.properties?.length).map((p) => p.path)]);
  const byPath = new Map(paths.map((p) => [p.path, p]));
  const expected: PathShape[] = paths.map(({ path, property }) => ({ path, type: property.logicalType ?? 'any', nullable: property.required !== true }));
  const actual: PathShape[] = [];
  for (const [path, seen] of observed) {
    const parent = parentPath(path);
    const wanted = byPath.get(path);
    if (!wanted && !described.has(parent)) continue;
    // Compare only what a contract can say: its logical type (when observed values satisfy it, they agree) and required.
    const logical = wanted?.property.logicalType;
    const type = !wanted ? logicalTypeOf(seen.shape.type as InferredType, seen.shape.branches) ?? seen.shape.type
      : !logical ? 'any'
      : satisfiesAsObserved(logical, seen.shape) ? logical
      : logicalTypeOf(seen.shape.type as InferredType, seen.shape.branches) ?? describeShape(seen.shape);
    actual.push({ path, type, nullable: wanted && wanted.property.required !== true ? true : seen.shape.nullable });
  }
  return diffShapes(expected, actual, { before: labels.contract, after: labels.sample });
}

/**
 * Contract vs what a sample showed. Missing fields, type changes and nulls in required fields are
 * violations; fields the contract does not describe are reported as extra. Only paths under parts
 * the contract describes count as extra (an `object` without properties is opaque).
 */
export function compareSchema(paths: ContractPath[], observed: Map<string, ObservedPath>, labels: { contract: string; sample: string }): SchemaFinding[] {
  const drift = contractDrift(paths, observed, labels);
  const byPath = new Map(paths.map((p) => [p.path, p]));
  const findings: SchemaFinding[] = [];
  for (const change of drift.fields) {
    const wanted = byPath.get(change.path);
    const seen = observed.get(change.path);
    const pointer = wanted?.pointer;
    const name = wanted ? quoteName(wanted) : `'${change.path}'`;
    if (change.change === 'removed') {
      findings.push({ kind: 'missing', path: change.path, pointer, expected: change.before?.type, message: `${name} is in the contract (${change.before?.type ?? 'any type'}) but not in the source: dropped or renamed upstream` });
      continue;
    }
    if (change.change === 'added') {
      findings.push({ kind: 'extra', path: change.path, observed: change.after?.type, message: `'${change.path}' is in the source (${change.after?.type}${change.after?.nullable ? ', nullable' : ''}) but not in the contract` });
      continue;
    }
    if (change.before && change.after && change.before.type !== change.after.type) {
      const native = seen?.nativeType ? ` (declared ${seen.nativeType})` : '';
      const evidence = seen?.inferred?.changes.filter((c) => c.kind === 'union' || c.kind === 'widened' || c.kind === 'typed').at(-1)?.note;
      findings.push({
        kind: 'type', path: change.path, pointer, expected: change.before.type, observed: change.after.type,
        message: `${name} type changed: the contract says ${change.before.type}, the source has ${change.after.type}${native}${evidence ? `; ${evidence}` : ''}`,
      });
    }
    if (change.before && change.after && !change.before.nullable && change.after.nullable) {
      const field = seen?.inferred;
      const counts = field ? `: ${field.nulls.toLocaleString('en-US')} null${field.missing ? ` and ${field.missing.toLocaleString('en-US')} missing` : ''} of ${field.count.toLocaleString('en-US')} values in ${labels.sample}` : ` in ${labels.sample}`;
      const first = field?.changes.find((c) => c.kind === 'nullable' || c.kind === 'missing')?.note;
      findings.push({
        kind: 'nullability', path: change.path, pointer, expected: 'required', observed: 'nullable',
        message: `${name} is required but nulls appeared${counts}${first ? ` (${first})` : ''}`,
      });
    }
  }
  // Declared column types: only when the contract names one and the source declares one.
  for (const { path, property, pointer } of paths) {
    const nativeType = observed.get(path)?.nativeType;
    if (!property.physicalType || !nativeType) continue;
    if (normalizeType(property.physicalType) !== normalizeType(nativeType)) {
      findings.push({ kind: 'physicalType', path, pointer, expected: property.physicalType, observed: nativeType, message: `${quoteName({ path })} physical type changed: the contract says ${property.physicalType}, the source declares ${nativeType}` });
    }
  }
  return findings;
}

function quoteName(entry: { path: string }): string {
  return `'${entry.path}'`;
}

function describeShape(shape: PathShape): string {
  return shape.branches ? `union(${shape.branches.join('|')})` : shape.type;
}

function parentPath(path: string): string {
  if (path.endsWith('[]') || path.endsWith('{}')) return path.slice(0, -2).replace(/\.$/, '');
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : path.slice(0, dot);
}

/** Case and spacing do not make a different type (`VARCHAR(2)` = `varchar (2)`). */
function normalizeType(type: string): string {
  return type.toLowerCase().replace(/\s+/g, ' ').replace(/\s*\(\s*/g, '(').replace(/\s*,\s*/g, ',').replace(/\s*\)/g, ')').trim();
}
