// A --where for a relation the workspace's own DuckDB reads (a .duckdb table, a lakehouse table): it
// runs inside the workspace, so it may read nothing but the relation. DuckDB's own parser checks it
// (json_serialize_sql): `SELECT * FROM hw_relation WHERE <it>` must parse to that one SELECT with
// only its WHERE added (no UNION, LIMIT, GROUP BY… smuggled after it), with no subquery in it and no
// function that reads the engine's state or environment. Table and file functions cannot appear in
// an expression at all (DuckDB binds them only in FROM). Words inside the condition are not
// refused as such: `a IS DISTINCT FROM b` is a condition like any other.
import type { DuckDBConnection } from '@duckdb/node-api';
import { HeadwaterError } from '../../../../shared/errors.js';
import { checkedPredicate } from '../relational/where.js';

/** Scalar functions that read outside the relation: settings, variables, environment, sequences, the random seed. */
const OUTSIDE_FUNCTIONS = new Set(['getenv', 'current_setting', 'getvariable', 'nextval', 'currval', 'setseed', 'current_database', 'current_catalog', 'current_schemas']);

const PROBE = 'SELECT * FROM hw_relation';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The tree with parse positions dropped, so two parses compare by structure alone. */
function shape(node: Json): Json {
  if (Array.isArray(node)) return node.map(shape);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).filter(([key]) => key !== 'query_location').map(([key, value]) => [key, shape(value)]));
}

/** The first expression node in `node` for which `found` gives a cause. */
function firstCause(node: Json, found: (n: { [key: string]: Json }) => string | undefined): string | undefined {
  if (Array.isArray(node)) {
    for (const child of node) {
      const cause = firstCause(child, found);
      if (cause) return cause;
    }
    return undefined;
  }
  if (node === null || typeof node !== 'object') return undefined;
  return found(node) ?? firstCause(Object.values(node), found);
}

function refusal(node: { [key: string]: Json }): string | undefined {
  if (node.class === 'SUBQUERY') return 'holds a subquery, which reads outside the table';
  if (node.class === 'FUNCTION' && typeof node.function_name === 'string' && OUTSIDE_FUNCTIONS.has(node.function_name.toLowerCase())) {
    return `calls ${node.function_name}(), which reads outside the table`;
  }
  return undefined;
}

async function parsed(connection: DuckDBConnection, sql: string): Promise<{ [key: string]: Json }> {
  const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [sql]);
  return JSON.parse(String(reader.getRowsJS()[0]![0])) as { [key: string]: Json };
}

/**
 * The predicate, trimmed and parenthesised, when DuckDB parses it as one condition over the relation
 * that reads nothing else; else a usage error naming the source, entity and cause. `connection` is
 * a scratch DuckDB (parsing binds nothing, so it needs no table).
 */
export async function checkedDuckPredicate(connection: DuckDBConnection, predicate: string, where: { source: string; entity: string }): Promise<string> {
  // The text checks first (one expression, no comment that could hide what follows it, no ';').
  const text = checkedPredicate(predicate, 'postgres', where);
  const fail = (cause: string) => new HeadwaterError('usage', `Source '${where.source}', entity '${where.entity}': the --where filter ${cause}; nothing was read.`, {
    source: where.source, entity: where.entity, hint: 'Give one condition over the table\'s columns, e.g. --where "year = 2024 AND amount > 100".',
  });
  const tree = await parsed(connection, `${PROBE} WHERE ${text}`);
  if (tree.error === true) throw fail(`is not a DuckDB condition (${String(tree.error_message ?? tree.error_type)})`);
  const statements = Array.isArray(tree.statements) ? tree.statements : [];
  const node = (statements[0] as { node?: { [key: string]: Json } } | undefined)?.node;
  const bare = await parsed(connection, PROBE);
  const expected = (bare.statements as { node: Json }[])[0]!.node;
  if (statements.length !== 1 || !node?.where_clause || JSON.stringify(shape({ ...node, where_clause: null })) !== JSON.stringify(shape(expected))) {
    throw fail('adds more than a condition to the statement (a UNION, ORDER BY, LIMIT, GROUP BY… after it)');
  }
  const cause = firstCause(node.where_clause, refusal);
  if (cause) throw fail(cause);
  // Parenthesised: the condition stays one operand whatever the statement puts around it.
  return `(${text})`;
}

/**
 * The top-level AND terms of a condition checkedDuckPredicate accepted, each as SQL DuckDB prints
 * it back (json_deserialize_sql): a file pruner may use the terms that name only partition columns.
 * One term when the condition is not an AND.
 */
export async function duckConjuncts(connection: DuckDBConnection, checked: string): Promise<string[]> {
  const tree = await parsed(connection, `${PROBE} WHERE ${checked}`);
  const node = (tree.statements as { node: { [key: string]: Json } }[])[0]!.node;
  let condition = node.where_clause as { [key: string]: Json };
  // The checked text is parenthesised, which the parser keeps as no node of its own.
  if (condition.class !== 'CONJUNCTION' || condition.type !== 'CONJUNCTION_AND' || !Array.isArray(condition.children)) return [checked];
  const terms: string[] = [];
  for (const child of condition.children) {
    condition = child as { [key: string]: Json };
    const one = { ...tree, statements: [{ ...(tree.statements as Json[])[0] as { [key: string]: Json }, node: { ...node, where_clause: condition } }] };
    const reader = await connection.runAndReadAll('SELECT json_deserialize_sql($1::JSON)', [JSON.stringify(one)]);
    const sql = String(reader.getRowsJS()[0]![0]);
    const prefix = `${PROBE} WHERE `;
    if (!sql.startsWith(prefix)) return [checked];
    terms.push(sql.slice(prefix.length));
  }
  return terms;
}
