// SQL completion: after a schema and a dot, its relations; after a relation or alias and a dot, its
// columns; after a struct column and a dot, its fields; where a relation is expected, relations
// (typed views first); elsewhere the columns of the relations the statement reads (of every typed view
// when it reads none yet), then functions, keywords and relations. Columns carry their type and null
// share; documentation comes with completionItem/resolve, so the list itself stays small.
import { CompletionItemKind, type CompletionItem } from 'vscode-languageserver/node';
import type { InferredField } from '../../../shared/inference.js';
import { cursorContext, type CursorContext } from './context.js';
import { nullShare, resolveRelation, type SqlCatalog, type SqlColumn, type SqlRelation } from './catalog.js';

/** What resolve needs to document an item (kept small: the catalog holds the rest). */
export type SqlItemData =
  | { kind: 'relation'; database: string; schema: string; name: string }
  | { kind: 'column'; database: string; schema: string; relation: string; column: string }
  | { kind: 'function'; name: string };

const SORT = { column: '0', field: '0', relation: '1', function: '2', keyword: '3' } as const;

/** Quoted when DuckDB would not read it back unquoted (upper case, spaces, a reserved word...). */
export function sqlName(name: string, reserved: ReadonlySet<string>): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) && !reserved.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

function percent(share: number | undefined): string {
  if (share === undefined) return '';
  return ` · ${share === 0 ? '0' : share < 0.001 ? '<0.1' : (share * 100).toFixed(share < 0.1 ? 1 : 0)}% null`;
}

export function columnDetail(column: SqlColumn): string {
  return `${column.type}${column.inferred ? percent(nullShare(column.inferred)) : ''}`;
}

function relationItem(relation: SqlRelation, qualified: boolean, reserved: ReadonlySet<string>, rank: number): CompletionItem {
  const name = sqlName(relation.name, reserved);
  const label = qualified ? name : `${sqlName(relation.schema, reserved)}.${name}`;
  const sample = relation.sample;
  return {
    label,
    kind: relation.kind.endsWith('view') ? CompletionItemKind.Interface : CompletionItemKind.Class,
    detail: `${relation.kind}${sample ? ` · ${sample.source}/${sample.entity} · ${sample.rowCount.toLocaleString('en-US')} rows` : ''}`,
    sortText: `${SORT.relation}${String(rank).padStart(2, '0')}${label}`,
    filterText: qualified ? relation.name : `${relation.schema}.${relation.name} ${relation.name}`,
    data: { kind: 'relation', database: relation.database, schema: relation.schema, name: relation.name } satisfies SqlItemData,
  };
}

const RELATION_RANK: Record<SqlRelation['kind'], number> = { 'typed view': 0, 'scratch table': 1, 'scratch view': 1, 'sample table': 2, catalog: 3, table: 4, view: 4 };

function columnItems(relations: SqlRelation[], reserved: ReadonlySet<string>): CompletionItem[] {
  const seen = new Set<string>();
  const items: CompletionItem[] = [];
  for (const relation of relations) {
    for (const column of relation.columns) {
      if (seen.has(column.name)) continue;
      seen.add(column.name);
      items.push({
        label: sqlName(column.name, reserved),
        kind: CompletionItemKind.Field,
        detail: columnDetail(column),
        labelDetails: { description: `${relation.schema}.${relation.name}` },
        sortText: `${SORT.column}${column.name.startsWith('_hw_') ? '1' : '0'}${column.name}`,
        filterText: column.name,
        data: { kind: 'column', database: relation.database, schema: relation.schema, relation: relation.name, column: column.name } satisfies SqlItemData,
      });
    }
  }
  return items;
}

function fieldItems(field: InferredField, reserved: ReadonlySet<string>): CompletionItem[] {
  return (field.fields ?? []).map((child) => ({
    label: sqlName(child.name, reserved),
    kind: CompletionItemKind.Field,
    detail: `${child.duckType}${percent(nullShare(child))}`,
    sortText: `${SORT.field}${child.name}`,
    documentation: `\`${child.path}\`: ${child.presence}`,
  }));
}

/** The relations a statement reads, resolved; those it names that do not exist are left out. */
export function readRelations(catalog: SqlCatalog, context: CursorContext): SqlRelation[] {
  return context.refs.map((ref) => resolveRelation(catalog, ref.parts)).filter((r): r is SqlRelation => r !== undefined);
}

/** Items after `qualifier.`: a schema's relations, a relation's or alias's columns, or a struct column's fields. */
function qualifiedItems(catalog: SqlCatalog, context: CursorContext, reserved: ReadonlySet<string>): CompletionItem[] {
  const q = context.qualifier.map((p) => p.toLowerCase());
  const last = q[q.length - 1]!;
  if (q.length === 1 && catalog.schemas.has(last)) {
    return catalog.relations.filter((r) => r.schema.toLowerCase() === last).map((r) => relationItem(r, true, reserved, RELATION_RANK[r.kind]));
  }
  const aliased = context.refs.find((r) => r.alias?.toLowerCase() === last && q.length === 1);
  const relation = resolveRelation(catalog, aliased ? aliased.parts : context.qualifier);
  if (relation) return columnItems([relation], reserved);
  // `user.` where user is a struct column of a relation the statement reads.
  for (const read of readRelations(catalog, context)) {
    const column = read.columns.find((c) => c.name.toLowerCase() === last);
    if (column?.inferred?.type === 'struct' && /^STRUCT/i.test(column.type)) return fieldItems(column.inferred, reserved);
  }
  return [];
}

interface FixedItems {
  reserved: ReadonlySet<string>;
  relations: CompletionItem[];
  /** Schemas, functions and keywords. */
  rest: CompletionItem[];
  /** Columns of every typed view, for a statement that reads no relation yet. */
  typedColumns: CompletionItem[];
}

/** Items that depend on the catalog only, built once per catalog read. */
const fixedItems = new WeakMap<SqlCatalog, FixedItems>();

function itemsOf(catalog: SqlCatalog): FixedItems {
  let fixed = fixedItems.get(catalog);
  if (fixed) return fixed;
  const reserved = new Set(catalog.keywords.filter((k) => k.reserved).map((k) => k.name));
  const functions = catalog.functions.map((f): CompletionItem => ({
    label: f.name,
    kind: CompletionItemKind.Function,
    detail: f.signatures[0],
    sortText: `${SORT.function}${f.name}`,
    data: { kind: 'function', name: f.name } satisfies SqlItemData,
  }));
  const keywords = catalog.keywords.map((k): CompletionItem => ({ label: k.name.toUpperCase(), kind: CompletionItemKind.Keyword, sortText: `${SORT.keyword}${k.name}` }));
  const schemas = [...catalog.schemas].map((s): CompletionItem => ({ label: s, kind: CompletionItemKind.Module, sortText: `${SORT.relation}99${s}` }));
  fixed = {
    reserved,
    relations: catalog.relations.map((r) => relationItem(r, false, reserved, RELATION_RANK[r.kind])),
    rest: [...schemas, ...functions, ...keywords],
    typedColumns: columnItems(catalog.relations.filter((r) => r.kind === 'typed view'), reserved),
  };
  fixedItems.set(catalog, fixed);
  return fixed;
}

/** Completion items at `offset` of `text`. */
export function sqlCompletion(catalog: SqlCatalog, text: string, offset: number): CompletionItem[] {
  const context = cursorContext(text, offset);
  const fixed = itemsOf(catalog);
  if (context.qualifier.length) return qualifiedItems(catalog, context, fixed.reserved);
  if (context.wantsRelation) return fixed.relations;
  const read = readRelations(catalog, context);
  const columns = read.length ? columnItems(read, fixed.reserved) : fixed.typedColumns;
  return [...columns, ...fixed.relations, ...fixed.rest];
}
