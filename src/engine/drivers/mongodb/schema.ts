// A collection's $jsonSchema validator as the schema the source declares (nativeSchema): bsonType
// (or JSON Schema `type`) to unified types, `required` to nullability, `properties` and `items` to
// children. What the validator leaves open (no bsonType) is JSON.
import type { Disagreement } from '../../../shared/drift.js';
import type { Field, FieldType } from '../../../shared/types.js';
import { duckTypeFor, widen } from '../kit/inference.js';
import type { ObservedField } from './fields.js';

const BSON_TYPES: Record<string, FieldType> = {
  objectId: 'string', string: 'string', int: 'integer', long: 'integer', double: 'float', decimal: 'decimal', number: 'float',
  bool: 'boolean', date: 'timestamptz', timestamp: 'struct', binData: 'binary', object: 'struct', array: 'list', null: 'null',
  regex: 'string', javascript: 'string', symbol: 'string', minKey: 'json', maxKey: 'json',
  // JSON Schema's own type names, which $jsonSchema accepts too.
  integer: 'integer', boolean: 'boolean',
};

/** Deepest nesting read from a validator (a self-referencing or hostile one stops here). */
const MAX_DEPTH = 32;

type JsonSchemaNode = Record<string, unknown>;

function typeNames(node: JsonSchemaNode): string[] {
  const declared = node.bsonType ?? node.type;
  if (typeof declared === 'string') return [declared];
  return Array.isArray(declared) ? declared.filter((t): t is string => typeof t === 'string') : [];
}

/** One field of a validator: its unified type, native type and children. */
export function validatorField(name: string, node: unknown, required: boolean, depth = 0): Field {
  const schema = (node !== null && typeof node === 'object' ? node : {}) as JsonSchemaNode;
  const names = typeNames(schema);
  const nonNull = names.filter((n) => n !== 'null');
  let type: FieldType = nonNull.length === 0 ? 'json' : BSON_TYPES[nonNull[0]!] ?? 'json';
  for (const other of nonNull.slice(1)) type = widen(type, BSON_TYPES[other] ?? 'json');
  if (nonNull.length > 1 && type === 'string' && nonNull.some((n) => BSON_TYPES[n] !== 'string')) type = 'union';
  const field: Field = { name, type, duckType: duckTypeFor(type), nullable: !required || names.includes('null'), ...(names.length ? { nativeType: names.join(' | ') } : {}) };
  if (depth >= MAX_DEPTH) return field;
  if (type === 'struct' && schema.properties && typeof schema.properties === 'object') {
    field.children = validatorFields(schema, depth + 1);
  } else if (type === 'list' && schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items)) {
    field.children = [validatorField('element', schema.items, true, depth + 1)];
  }
  if (Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === 'string')) field.enumValues = schema.enum as string[];
  return field;
}

/** The fields a $jsonSchema (or one of its object nodes) declares, in its properties' order. */
export function validatorFields(schema: JsonSchemaNode, depth = 0): Field[] {
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : []);
  return Object.entries(properties).map(([name, node]) => validatorField(name, node, required.has(name), depth));
}

/** BSON types a validator's `number` (and JSON Schema's `integer`/`boolean`) stands for. */
const ALIASES: Record<string, string[]> = { number: ['int', 'long', 'double', 'decimal'], integer: ['int', 'long'], boolean: ['bool'] };

/**
 * Where the documents read disagree with the collection's $jsonSchema validator (top-level fields):
 * a required field missing, a BSON type the validator does not allow, a field it does not declare
 * where it forbids others. Empty when they agree. A validator with validationLevel moderate or
 * action warn lets such documents in; these say how many did.
 */
export function validatorDisagreements(schema: Record<string, unknown>, observed: { documents: number; fields: ObservedField[] }): Disagreement[] {
  const declared = new Map(validatorFields(schema).map((f) => [f.name, f]));
  const seen = new Map(observed.fields.map((f) => [f.name, f]));
  const out: Disagreement[] = [];
  const of = `of ${observed.documents} documents`;
  for (const field of declared.values()) {
    const got = seen.get(field.name);
    const missing = observed.documents - (got?.present ?? 0);
    const declaredText = `$jsonSchema ${field.nativeType ?? 'any'}${field.nullable ? '' : ', required'}`;
    if (!field.nullable && missing > 0 && !(field.nativeType ?? '').split(' | ').includes('null')) {
      out.push({ field: field.name, kind: 'required-missing', declared: declaredText, observed: `missing from ${missing} ${of}`, note: `'${field.name}' is required by the validator but missing from ${missing} ${of}` });
    }
    if (!got || !field.nativeType) continue;
    const allowed = new Set(field.nativeType.split(' | ').flatMap((t) => ALIASES[t] ?? [t]));
    if (allowed.has('object')) allowed.add('dbPointer');
    const foreign = got.natives.filter((n) => !allowed.has(n) && !(n.startsWith('binData') && allowed.has('binData')));
    if (foreign.length) out.push({ field: field.name, kind: 'type-mismatch', declared: declaredText, observed: got.natives.join(' | '), note: `'${field.name}' is declared ${field.nativeType} but holds ${foreign.join(', ')}` });
  }
  if (schema.additionalProperties === false) {
    for (const extra of observed.fields.filter((f) => !declared.has(f.name))) {
      out.push({ field: extra.name, kind: 'undeclared-field', declared: 'additionalProperties: false', observed: `in ${extra.present} ${of}`, note: `'${extra.name}' is a field the validator forbids (additionalProperties: false), yet ${extra.present} ${of} hold it` });
    }
  }
  return out;
}
