// Quoting for the SQL text Headwater builds itself in the standard dialect (DuckDB, PostgreSQL): one
// implementation for the workspace and the drivers.

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
