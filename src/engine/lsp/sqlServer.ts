// SQL language features as the LSP server uses them, for `.sql` documents: completion (with resolve
// for documentation), hover and syntax diagnostics (lsp/sql/*). The workspace catalog is read once and
// kept until samples change (a sample landed, was deleted, or a query may have made a scratch table).
import type { CompletionItem, Diagnostic, Hover } from 'vscode-languageserver/node';
import { DiagnosticSeverity } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Engine } from '../engine.js';
import { readFunctions, readKeywords, readRelations, resolveRelation, type SqlCatalog } from './sql/catalog.js';
import { sqlCompletion, type SqlItemData } from './sql/complete.js';
import { sqlProblems } from './sql/diagnostics.js';
import { columnDoc, functionDoc, relationDoc, sqlHover } from './sql/hover.js';

/** SQL documents: the language id VS Code gives `.sql` files, or the extension for clients that send none. */
export function isSqlDocument(document: TextDocument): boolean {
  return document.languageId === 'sql' || /\.sql$/i.test(document.uri);
}

export class SqlFeatures {
  private catalog: Promise<SqlCatalog> | undefined;
  /** The last catalog read: answers while a newer one is being read, so a keystroke never waits on a re-read. */
  private settled: SqlCatalog | undefined;
  /** Functions and keywords do not change while the engine runs. */
  private builtins: Promise<Pick<SqlCatalog, 'functions' | 'keywords'>> | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly publish: (uri: string, diagnostics: Diagnostic[]) => void,
    private readonly log: (message: string) => void,
  ) {}

  /**
   * Samples or scratch tables may have changed: the catalog is read again now, in the background
   * (requests meanwhile get the one before). Resolves when the new one is in.
   */
  async invalidate(): Promise<void> {
    this.catalog = undefined;
    if (this.settled) await this.fresh().catch(() => undefined);
  }

  /** Reads the catalog ahead of the first completion (a SQL document opened). */
  prefetch(): void {
    void this.fresh().catch((error: unknown) => this.log(`SQL catalog: ${error instanceof Error ? error.message : String(error)}`));
  }

  /** The catalog, read once per change (a failure is not kept: the next request tries again). */
  private fresh(): Promise<SqlCatalog> {
    this.catalog ??= this.read().then((catalog) => {
      this.settled = catalog;
      return catalog;
    }, (error: unknown) => {
      this.catalog = undefined;
      throw error;
    });
    return this.catalog;
  }

  /** The newest catalog read; while a re-read runs, the one before it. */
  current(): Promise<SqlCatalog> {
    const reading = this.fresh();
    return this.settled ? Promise.resolve(this.settled) : reading;
  }

  private async read(): Promise<SqlCatalog> {
    const workspace = await this.engine.workspace();
    this.builtins ??= Promise.all([readFunctions(workspace.connection), readKeywords(workspace.connection)]).then(([functions, keywords]) => ({ functions, keywords }));
    const [relations, builtins] = await Promise.all([readRelations(workspace), this.builtins]);
    const schemas = new Set(relations.map((r) => r.schema.toLowerCase()));
    return { relations, schemas, ...builtins };
  }

  async completion(document: TextDocument, position: { line: number; character: number }): Promise<CompletionItem[]> {
    try {
      return sqlCompletion(await this.current(), document.getText(), document.offsetAt(position));
    } catch (error) {
      this.log(`SQL completion in ${document.uri}: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  }

  /** Documentation for an item chosen in the list (kept out of the list to keep it small). */
  async resolve(item: CompletionItem): Promise<CompletionItem> {
    const data = item.data as SqlItemData | undefined;
    if (!data) return item;
    const catalog = await this.current();
    if (data.kind === 'function') {
      const fn = catalog.functions.find((f) => f.name === data.name);
      return fn ? { ...item, documentation: functionDoc(fn) } : item;
    }
    const relation = resolveRelation(catalog, [data.database, data.schema, data.kind === 'relation' ? data.name : data.relation]);
    if (!relation) return item;
    if (data.kind === 'relation') return { ...item, documentation: relationDoc(relation) };
    const column = relation.columns.find((c) => c.name === data.column);
    return column ? { ...item, documentation: columnDoc(relation, column) } : item;
  }

  async hover(document: TextDocument, position: { line: number; character: number }): Promise<Hover | null> {
    try {
      const found = sqlHover(await this.current(), document.getText(), document.offsetAt(position));
      return found && { contents: found.contents, range: { start: document.positionAt(found.start), end: document.positionAt(found.end) } };
    } catch (error) {
      this.log(`SQL hover in ${document.uri}: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }

  async validate(document: TextDocument, current: () => TextDocument | undefined): Promise<void> {
    const version = document.version;
    const problems = await sqlProblems(document.getText());
    if (current()?.version !== version) return;
    this.publish(document.uri, problems.map((p) => ({
      severity: DiagnosticSeverity.Error,
      source: 'duckdb',
      message: p.message,
      range: { start: document.positionAt(p.start), end: document.positionAt(p.end) },
    })));
  }
}
