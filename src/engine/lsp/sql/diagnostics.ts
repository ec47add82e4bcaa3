// Syntax errors in a SQL document from DuckDB's own parser, at their position. Each statement is
// parsed on a private in-memory DuckDB (never the workspace: nothing runs, nothing is bound):
// json_serialize_sql gives a SELECT's error with its offset; other statements (it serializes only
// SELECT) go through the parser alone, whose message marks the spot with a caret under the line.
import type { DuckDBConnection } from '@duckdb/node-api';
import { splitStatements, type SqlStatement } from '../../../shared/sqlText.js';
import { duckdbModule } from '../../drivers/kit/native.js';

export interface SqlProblem {
  /** Offsets in the whole document. */
  start: number;
  end: number;
  message: string;
}

let parser: Promise<DuckDBConnection> | undefined;

/** The parsing connection: an in-memory DuckDB that may read no file and load no extension. */
function parserConnection(): Promise<DuckDBConnection> {
  parser ??= (async () => {
    const { DuckDBInstance } = await duckdbModule();
    const instance = await DuckDBInstance.create(':memory:', { enable_external_access: 'false', autoload_known_extensions: 'false', autoinstall_known_extensions: 'false' });
    return instance.connect();
  })();
  return parser;
}

interface SerializeAnswer { error?: boolean; error_type?: string; error_message?: string; position?: string }

/** Where the caret of DuckDB's "LINE n: <text>\n<spaces>^" points, as an offset in `sql` (undefined: no caret). */
export function caretOffset(sql: string, message: string): number | undefined {
  const match = /LINE (\d+): (.*)\n( *)\^/.exec(message);
  if (!match) return undefined;
  const lineNo = Number(match[1]) - 1;
  const shown = match[2]!;
  const column = match[3]!.length - `LINE ${match[1]}: `.length;
  const lines = sql.split('\n');
  const line = lines[lineNo] ?? '';
  // DuckDB shows a long line as an excerpt starting with '...': find where the excerpt sits.
  const excerpt = shown.startsWith('...') ? shown.slice(3).replace(/\.\.\.$/, '') : shown;
  const shift = shown.startsWith('...') ? Math.max(0, line.indexOf(excerpt.slice(0, 20))) - 3 : 0;
  const lineStart = lines.slice(0, lineNo).reduce((sum, l) => sum + l.length + 1, 0);
  return lineStart + Math.max(0, Math.min(line.length, column + shift));
}

function firstLine(message: string): string {
  return message.replace(/^Failed to extract statements: /, '').split('\n')[0]!.trim();
}

/** The problem in one statement, or undefined when DuckDB parses it. */
async function statementProblem(connection: DuckDBConnection, statement: SqlStatement): Promise<SqlProblem | undefined> {
  const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [statement.text]);
  const answer = JSON.parse(String(reader.getRows()[0]?.[0] ?? '{}')) as SerializeAnswer;
  let offset: number | undefined;
  let message: string | undefined;
  if (answer.error && answer.error_type === 'parser') {
    offset = answer.position === undefined ? undefined : Number(answer.position);
    message = `Parser Error: ${answer.error_message ?? 'syntax error'}`;
  } else if (answer.error) {
    // Not a SELECT: the parser alone says whether it reads.
    try {
      await connection.extractStatements(statement.text);
      return undefined;
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      offset = caretOffset(statement.text, text.replace(/^Failed to extract statements: /, ''));
      message = firstLine(text);
    }
  } else {
    return undefined;
  }
  const at = Math.min(statement.text.length, offset ?? statement.text.length);
  const token = /^[\w$"']+|^\S/.exec(statement.text.slice(at))?.[0] ?? '';
  const start = statement.start + (offset === undefined ? Math.max(0, statement.text.length - 1) : at);
  return { start, end: Math.max(start + 1, statement.start + at + token.length), message: message ?? 'syntax error' };
}

/** Syntax problems of every statement in the document, at most one per statement. */
export async function sqlProblems(text: string): Promise<SqlProblem[]> {
  const connection = await parserConnection();
  const problems: SqlProblem[] = [];
  for (const statement of splitStatements(text)) {
    const problem = await statementProblem(connection, statement);
    if (problem) problems.push(problem);
  }
  return problems;
}
