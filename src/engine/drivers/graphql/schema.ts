// GraphQL introspection and sampling queries, with graphql-js: the schema is rebuilt from the
// introspection result (buildClientSchema), list fields are classified (Relay connection, offset
// arguments, plain list), and a depth-limited selection of their element type is generated.
import type { Field, FieldType } from '../../../shared/types.js';
import { duckTypeFor } from '../kit/inference.js';
import { lazyModule } from '../kit/lazy.js';

type GraphQL = typeof import('graphql');
type Schema = import('graphql').GraphQLSchema;
type ObjectType = import('graphql').GraphQLObjectType;
type GraphQLField = import('graphql').GraphQLField<unknown, unknown>;
type Argument = import('graphql').GraphQLArgument;

export const loadGraphql = lazyModule<GraphQL>('graphql', () => import('graphql'));

export type Paging =
  | { type: 'relay'; firstArg: string; afterArg: string }
  | { type: 'offset'; offsetArg: string; limitArg: string }
  | { type: 'single' };

export interface ListField {
  name: string;
  field: GraphQLField;
  element: ObjectType;
  paging: Paging;
  /** Arguments that need a value (non-null without a default), not counting the paging ones. */
  requiredArgs: string[];
}

const OFFSET_ARGS = ['offset', 'skip'];
const LIMIT_ARGS = ['limit', 'first', 'take', 'pageSize', 'page_size'];

function isRequired(g: GraphQL, arg: Argument): boolean {
  return g.isNonNullType(arg.type) && arg.defaultValue === undefined;
}

/** Relay connection: edges { node } and pageInfo { hasNextPage endCursor }. Returns the node type. */
function connectionNode(g: GraphQL, type: unknown): ObjectType | undefined {
  if (!g.isObjectType(type)) return undefined;
  const fields = type.getFields();
  const edges = fields.edges ? g.getNamedType(fields.edges.type) : undefined;
  if (!fields.pageInfo || !edges || !g.isObjectType(edges)) return undefined;
  const node = edges.getFields().node;
  const named = node ? g.getNamedType(node.type) : undefined;
  return named && g.isObjectType(named) ? named : undefined;
}

export function listFieldOf(g: GraphQL, name: string, field: GraphQLField): ListField | undefined {
  const type = g.getNullableType(field.type);
  const args = field.args;
  const argNames = args.map((a) => a.name);
  let element: ObjectType | undefined;
  let paging: Paging = { type: 'single' };
  const node = connectionNode(g, type);
  if (node && argNames.includes('first') && argNames.includes('after')) {
    element = node;
    paging = { type: 'relay', firstArg: 'first', afterArg: 'after' };
  } else if (g.isListType(type)) {
    const named = g.getNamedType(type);
    if (!g.isObjectType(named)) return undefined;
    element = named;
    const offsetArg = OFFSET_ARGS.find((a) => argNames.includes(a));
    const limitArg = LIMIT_ARGS.find((a) => argNames.includes(a));
    if (offsetArg && limitArg) paging = { type: 'offset', offsetArg, limitArg };
  }
  if (!element) return undefined;
  const pagingArgs = paging.type === 'relay' ? [paging.firstArg, paging.afterArg] : paging.type === 'offset' ? [paging.offsetArg, paging.limitArg] : [];
  return { name, field, element, paging, requiredArgs: args.filter((a) => isRequired(g, a) && !pagingArgs.includes(a.name)).map((a) => a.name) };
}

/** Scalars and enums of `type`, with nested objects down to `maxDepth`; fields that need arguments are skipped. */
export function selectionOf(g: GraphQL, type: ObjectType, maxDepth: number, depth = 1): string {
  const parts: string[] = [];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((a) => isRequired(g, a))) continue;
    const named = g.getNamedType(field.type);
    if (g.isLeafType(named)) parts.push(field.name);
    else if (g.isObjectType(named) && depth < maxDepth && !connectionNode(g, named)) {
      const inner = selectionOf(g, named, maxDepth, depth + 1);
      if (inner) parts.push(`${field.name} { ${inner} }`);
    }
  }
  return parts.join(' ');
}

/** The sampling query of a list field, with its paging and given arguments as variables. */
export function samplingQuery(g: GraphQL, list: ListField, given: Record<string, unknown>, maxDepth: number): string {
  const used = list.field.args.filter((a) => given[a.name] !== undefined
    || (list.paging.type === 'relay' && (a.name === list.paging.firstArg || a.name === list.paging.afterArg))
    || (list.paging.type === 'offset' && (a.name === list.paging.offsetArg || a.name === list.paging.limitArg)));
  const variables = used.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const args = used.map((a) => `${a.name}: $${a.name}`).join(', ');
  const selection = selectionOf(g, list.element, maxDepth);
  const body = list.paging.type === 'relay' ? `edges { cursor node { ${selection} } } pageInfo { hasNextPage endCursor }` : selection;
  return `query HeadwaterSample${variables ? `(${variables})` : ''} { ${list.name}${args ? `(${args})` : ''} { ${body} } }`;
}

export function queryFields(schema: Schema): Record<string, GraphQLField> {
  return schema.getQueryType()?.getFields() ?? {};
}

export function fieldsOfType(g: GraphQL, type: ObjectType, maxDepth: number, depth = 1): Field[] {
  const out: Field[] = [];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((a) => isRequired(g, a))) continue;
    const converted = fieldOf(g, field.name, field.type, maxDepth, depth);
    if (converted) out.push(converted);
  }
  return out;
}

function fieldOf(g: GraphQL, name: string, type: import('graphql').GraphQLOutputType, maxDepth: number, depth: number): Field | undefined {
  const nullable = !g.isNonNullType(type);
  const inner = g.getNullableType(type);
  if (g.isListType(inner)) {
    const element = fieldOf(g, 'element', inner.ofType, maxDepth, depth);
    return element ? { name, type: 'list', duckType: duckTypeFor('list'), nativeType: String(type), nullable, children: [element] } : undefined;
  }
  let fieldType: FieldType;
  let children: Field[] | undefined;
  let enumValues: string[] | undefined;
  if (g.isEnumType(inner)) {
    fieldType = 'string';
    enumValues = inner.getValues().map((v) => v.name);
  } else if (g.isScalarType(inner)) {
    fieldType = ({ Int: 'integer', Float: 'float', Boolean: 'boolean', String: 'string', ID: 'string' } as Record<string, FieldType>)[inner.name] ?? 'json';
  } else if (g.isObjectType(inner)) {
    if (depth >= maxDepth || connectionNode(g, inner)) return undefined;
    fieldType = 'struct';
    children = fieldsOfType(g, inner, maxDepth, depth + 1);
  } else {
    return undefined;
  }
  const field: Field = { name, type: fieldType, duckType: duckTypeFor(fieldType), nativeType: String(type), nullable };
  if (children) field.children = children;
  if (enumValues) field.enumValues = enumValues;
  return field;
}
