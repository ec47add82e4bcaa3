// The workspace DuckDB database (.headwater/workspace.duckdb): one table per sample in schema
// `samples`, plus the catalog `headwater.samples` with the provenance of each (DESIGN.md, "Sample").
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { HeadwaterError } from '../../shared/errors.js';
import type { Field, QueryResult, SampleCursor, SampleInfo, SampleMethod, SampleStatus, SampleStrategy, Schema, TypedView } from '../../shared/types.js';
import type { RestEndpointProfile } from '../../shared/rest.js';
import type { Disagreement } from '../../shared/drift.js';
import { EXPORT_FORMATS, type ExportParams, type ExportResult } from '../../shared/protocol.js';
import type { SamplePrivacy } from '../../shared/privacy.js';
import type { InferredSchema } from '../inference/types.js';
import { duckdbModule } from '../drivers/kit/native.js';
import { readerToResult } from './cells.js';
import { ensureCatalog, SAMPLES_SCHEMA } from './catalog.js';
import { extensionDirectory, type OpenedDuckDB } from './duckdb.js';
import { SampleWriter, type NewSample } from './landing.js';
import { exportMemoryLimit, queryMemoryLimit, underMemoryLimit } from './memory.js';
import { openWorkspaceDatabase, workspaceDatabasePath } from './opening.js';
import { SampleSandbox } from './sandbox.js';
import { quoteIdent, quoteLiteral, sampleIdBase } from './sql.js';
import { runStatement } from './statement.js';
import { assertOneSelect, copyTo, exportSelect, exportTarget, finishPartial, partialPath } from './export.js';
import { attachScratch, openUserConnection, refusedText, userQuery } from './user-sql.js';
import { keepSelect, removeStaleResults, ResultStore } from './results.js';
import type { ProgressReport } from './progress.js';
import { createTypedView, dropTypedView, labelTypedView, syncTypedViews } from './typed-views.js';

export { SAMPLES_SCHEMA };

export class Workspace {
  private constructor(
    readonly dir: string,
    readonly databasePath: string,
    private readonly db: OpenedDuckDB,
    private readonly api: typeof import('@duckdb/node-api'),
    /** Why the workspace is open read-only (its file may not be written), when it is. */
    readonly readOnly: string | undefined,
    /** What opening repaired in a catalog damaged by SQL, one sentence each. */
    readonly repairs: readonly string[],
    /** The workspace database's name in DuckDB (user SQL may not write to it). */
    readonly databaseName: string,
    /** Where the scratch database is (a path), or why it lives in memory only. */
    readonly scratch: { path: string } | { memoryOnly: string },
  ) {}

  private resultStore: ResultStore | undefined;
  /** Query results kept whole for the results view's pages (results.ts). */
  get results(): ResultStore {
    return (this.resultStore ??= new ResultStore(this.db.instance, dirname(this.databasePath)));
  }

  /** Extensions asked for, by name: each is loaded once. */
  private readonly extensions = new Map<string, Promise<string | undefined>>();

  /** Opens (creating if needed) `<dir>/.headwater/workspace.duckdb`; read-only when the file may only be read. */
  static async open(dir: string): Promise<Workspace> {
    const databasePath = workspaceDatabasePath(dir);
    const api = await duckdbModule();
    const { db, readOnly } = await openWorkspaceDatabase(databasePath);
    try {
      // With the workspace's lock held: results kept by an engine that died are gone (results.ts).
      if (!readOnly) removeStaleResults(dirname(databasePath));
      // DuckDB would cache up to 80% of RAM, and its allocator keeps freed memory until 128 MB are
      // free: the engine hands memory back instead of growing (memory.ts has the measured limits).
      await db.connection.run(`SET memory_limit = ${quoteLiteral(queryMemoryLimit())}; SET allocator_flush_threshold = '8MB'`);
      const repairs = readOnly ? [] : await ensureCatalog(db.connection);
      const { databaseName, scratch } = await attachScratch(db.connection, databasePath);
      const workspace = new Workspace(dir, databasePath, db, api, readOnly, repairs, databaseName, scratch);
      if (!readOnly) {
        await workspace.recoverInterrupted();
        for (const { id, typed } of await syncTypedViews(db.connection)) await workspace.storeTyped(id, typed);
      }
      return workspace;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  get connection(): DuckDBConnection {
    return this.db.connection;
  }

  /**
   * Loads a DuckDB extension for every connection of the workspace (LOAD is instance-wide), once.
   * Resolves to undefined when it loaded, else to why not (not installed, built for another DuckDB...).
   */
  loadExtension(name: string): Promise<string | undefined> {
    let outcome = this.extensions.get(name);
    if (!outcome) {
      outcome = this.db.connection.run(`LOAD ${name}`).then(
        () => undefined,
        (error: unknown) => `DuckDB's ${name} extension is not in ${extensionDirectory()} (${(error instanceof Error ? error.message : String(error)).split('\n')[0]})`,
      );
      this.extensions.set(name, outcome);
    }
    return outcome;
  }

  close(): void {
    this.resultStore?.closeSync();
    this.db.close();
    if (!this.readOnly) removeStaleResults(dirname(this.databasePath));
  }

  /** Samples left 'running' were cut short by an engine that died: keep their rows, mark them partial. */
  private async recoverInterrupted(): Promise<void> {
    const running = await this.all(`SELECT id, table_name FROM headwater.samples WHERE status = 'running'`);
    for (const row of running) {
      const table = String(row.table_name);
      const exists = await this.all(`SELECT 1 FROM duckdb_tables() WHERE schema_name = $1 AND table_name = $2`, [SAMPLES_SCHEMA, table]);
      const count = exists.length ? Number((await this.all(`SELECT count(*) AS n FROM ${SAMPLES_SCHEMA}.${quoteIdent(table)}`))[0]?.n ?? 0) : 0;
      await this.connection.run(
        `UPDATE headwater.samples SET status = 'partial', row_count = $1, status_detail = 'the engine stopped during sampling; rows that landed before it stopped are kept', finished_at = coalesce(finished_at, now()) WHERE id = $2`,
        [count, String(row.id)],
      );
    }
  }

  private async nextSampleId(source: string, entity: string): Promise<string> {
    const base = sampleIdBase(source, entity);
    // Tables count too: one left by a damaged catalog must not be landed on.
    const rows = await this.all(`SELECT id FROM headwater.samples WHERE id LIKE $1 UNION SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = $2 AND table_name LIKE $1`, [`${base}_%`, SAMPLES_SCHEMA]);
    let max = 0;
    for (const row of rows) {
      const n = Number(String(row.id).slice(base.length + 1));
      if (Number.isInteger(n) && n > max) max = n;
    }
    return `${base}_${max + 1}`;
  }

  /** Registers a running sample and opens its writer. */
  async beginSample(sample: NewSample): Promise<{ id: string; writer: SampleWriter }> {
    this.assertWritable('sampling');
    const id = await this.nextSampleId(sample.source, sample.entity);
    await this.connection.run(
      `INSERT INTO headwater.samples (id, table_name, source, source_kind, entity, method, strategy, query, status, engine_pid, started_at, schema, schema_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'running', $9, now(), $10, $11)`,
      [id, id, sample.source, sample.sourceKind, sample.entity, sample.method, sample.strategy, sample.query, process.pid, JSON.stringify({ fields: sample.fields }), schemaHash(sample.fields)],
    );
    // Each sample lands on its own connection, so queries and page reads run beside it undisturbed.
    const landing = await this.db.instance.connect();
    try {
      const writer = await SampleWriter.create(this.api, landing, SAMPLES_SCHEMA, id, sample.fields, sample.compression);
      return { id, writer };
    } catch (error) {
      landing.closeSync();
      await this.finishSample(id, { status: 'failed', detail: error instanceof Error ? error.message : String(error), rowCount: 0, bytes: 0, rejected: 0, fields: sample.fields });
      throw error;
    }
  }

  async updateProgress(id: string, rowCount: number, bytes: number): Promise<void> {
    await this.connection.run(`UPDATE headwater.samples SET row_count = $1, bytes = $2 WHERE id = $3`, [rowCount, bytes, id]);
  }

  /** `query` replaces the one recorded at the start when the sample ended up read another way. */
  async finishSample(id: string, result: { status: SampleStatus; detail?: string; rowCount: number; bytes: number; rejected: number; fields: Field[]; query?: string; inferred?: InferredSchema; cursor?: SampleCursor; rest?: RestEndpointProfile; disagreements?: Disagreement[]; privacy?: SamplePrivacy }): Promise<SampleInfo> {
    await this.connection.run(
      `UPDATE headwater.samples SET status = $1, status_detail = $2, row_count = $3, bytes = $4, rejected = $5, schema = $6, schema_hash = $7, query = coalesce($8, query), inferred = $9, cursor_state = $10, privacy = coalesce($12, privacy), finished_at = now() WHERE id = $11`,
      [result.status, result.detail ?? null, result.rowCount, result.bytes, result.rejected, JSON.stringify({ fields: result.fields, ...(result.rest ? { rest: result.rest } : {}), ...(result.disagreements?.length ? { disagreements: result.disagreements } : {}) }), schemaHash(result.fields), result.query ?? null, result.inferred ? JSON.stringify(result.inferred) : null, result.cursor ? JSON.stringify(result.cursor) : null, id, result.privacy ? JSON.stringify(result.privacy) : null],
    );
    if (result.status !== 'failed' && result.status !== 'running') await this.refreshTypedView(id, result.inferred);
    return this.getSample(id);
  }

  /** Makes the sample's typed view again from this schema and records what it casts (typed-views.ts). */
  private async refreshTypedView(id: string, inferred: InferredSchema | undefined): Promise<void> {
    const exists = await this.all(`SELECT 1 FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = $1 AND table_name = $2`, [SAMPLES_SCHEMA, id]);
    if (!exists.length) return;
    const label = (await this.all(`SELECT label FROM headwater.samples WHERE id = $1`, [id]))[0]?.label;
    await this.storeTyped(id, await createTypedView(this.connection, id, inferred, typeof label === 'string' ? label : undefined));
  }

  private async storeTyped(id: string, typed: TypedView): Promise<void> {
    await this.connection.run(`UPDATE headwater.samples SET typed = $1 WHERE id = $2`, [JSON.stringify(typed), id]);
  }

  /** The cursor of the latest sample of this source and entity that recorded a high-water mark, if any. */
  async lastCursor(source: string, entity: string): Promise<{ sampleId: string; cursor: SampleCursor } | undefined> {
    const rows = await this.all(
      `SELECT id, cursor_state FROM headwater.samples
       WHERE source = $1 AND entity = $2 AND cursor_state IS NOT NULL AND status IN ('complete', 'partial')
       ORDER BY started_at DESC, id DESC LIMIT 1`,
      [source, entity],
    );
    const row = rows[0];
    if (!row || typeof row.cursor_state !== 'string') return undefined;
    const cursor = JSON.parse(row.cursor_state) as SampleCursor;
    return cursor.highWater ? { sampleId: String(row.id), cursor } : undefined;
  }

  async listSamples(): Promise<SampleInfo[]> {
    const rows = await this.all(`SELECT * FROM headwater.samples ORDER BY started_at DESC, id DESC`);
    return rows.map(toSampleInfo);
  }

  async getSample(id: string): Promise<SampleInfo> {
    const rows = await this.all(`SELECT * FROM headwater.samples WHERE id = $1 OR table_name = $1 OR $1 = '${SAMPLES_SCHEMA}.' || table_name`, [id]);
    const row = rows[0];
    if (!row) throw new HeadwaterError('not_found', `No sample '${id}' in ${this.databasePath}.`, { hint: "List samples with 'headwater samples'." });
    return toSampleInfo(row);
  }

  /** The schema inferred from what the sample landed, with its evidence (none for samples taken before inference existed). */
  async inferredSchema(id: string): Promise<InferredSchema | undefined> {
    const sample = await this.getSample(id);
    const row = (await this.all(`SELECT inferred FROM headwater.samples WHERE id = $1`, [sample.id]))[0];
    return typeof row?.inferred === 'string' ? (JSON.parse(row.inferred) as InferredSchema) : undefined;
  }

  async storeInferred(id: string, inferred: InferredSchema): Promise<void> {
    if (this.readOnly) return; // a cache: inferred again next time
    await this.connection.run(`UPDATE headwater.samples SET inferred = $1 WHERE id = $2`, [JSON.stringify(inferred), id]);
    await this.refreshTypedView(id, inferred);
  }

  async schemaOf(id: string): Promise<Schema> {
    return (await this.getSample(id)).schema;
  }

  /** A page of a sample's rows, in landing order unless sorted. */
  async rows(id: string, offset: number, limit: number, orderBy?: { column: string; descending: boolean }): Promise<QueryResult> {
    const sample = await this.getSample(id);
    const table = `${SAMPLES_SCHEMA}.${quoteIdent(sample.id)}`;
    const safeLimit = Math.max(0, Math.min(limit, 10_000));
    const safeOffset = Math.max(0, Math.floor(offset));
    const sql = orderBy
      ? `SELECT * FROM ${table} ORDER BY ${quoteIdent(orderBy.column)} ${orderBy.descending ? 'DESC' : 'ASC'} NULLS LAST, rowid LIMIT ${safeLimit} OFFSET ${safeOffset}`
      // rowid ranges are contiguous in an append-only table and let DuckDB skip straight to the page.
      : `SELECT * FROM ${table} WHERE rowid >= ${safeOffset} AND rowid < ${safeOffset + safeLimit} ORDER BY rowid`;
    const result = readerToResult(await this.connection.runAndReadAll(sql), safeLimit);
    return { ...result, totalRows: sample.rowCount };
  }

  /** A read-only, locked-down copy of these samples, for SQL written by someone else (sandbox.ts). */
  async sandbox(sampleIds: readonly string[], statementMs?: number): Promise<SampleSandbox> {
    const tables = await Promise.all(sampleIds.map(async (id) => (await this.getSample(id)).id));
    return SampleSandbox.create(this.db.instance, tables, statementMs);
  }

  /**
   * Runs one statement of user SQL, streaming: rows beyond maxRows are never produced. Samples and
   * the catalog are read-only to it; its own tables go to the scratch database (user-sql.ts).
   */
  async query(sql: string, maxRows = 10_000, signal?: AbortSignal, keep?: { onProgress?: ProgressReport }): Promise<QueryResult> {
    // Its own connection: closing it ends the streamed result and its transaction.
    const connection = await openUserConnection(this.db.instance, this.databaseName);
    try {
      // `keep`: a SELECT's whole result is kept for paging, its first maxRows returned (results.ts).
      const kept = keep && await keepSelect(this.results, connection, this.databaseName, sql, { firstRows: maxRows, signal, onProgress: keep.onProgress, typeName: (t) => this.api.StatementType[t] ?? String(t) });
      if (kept) return kept;
      return await userQuery(connection, this.databaseName, sql, (check) => runStatement(connection, sql, { maxRows, signal, check }));
    } catch (cause) {
      throw this.queryError(cause);
    } finally {
      connection.closeSync();
    }
  }

  /** Writes a whole sample, or the whole result of one SELECT, to a file (export.ts). */
  async export(params: ExportParams, control: { signal?: AbortSignal; onProgress?: (p: { message: string; rows?: number; fraction?: number }) => void } = {}): Promise<ExportResult> {
    const started = Date.now();
    const format = params.format;
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new HeadwaterError('usage', `Unknown export format '${String(format)}'; one of ${EXPORT_FORMATS.join(', ')}.`);
    if (Boolean(params.sampleId) === Boolean(params.sql)) throw new HeadwaterError('usage', 'Export a sample or the result of one SELECT: give exactly one of them.');
    const path = exportTarget(params.out, this.dir, params.force ?? false);
    if (format === 'xlsx') {
      const missing = await this.loadExtension('excel');
      if (missing) throw new HeadwaterError('usage', `Excel export is not available: ${missing}; extensions are never downloaded.`, { hint: 'Export as csv or parquet, or install the excel extension for this DuckDB version into that folder.' });
    }
    const table = params.sampleId ? (await this.getSample(params.sampleId)).table : undefined;
    const connection = await openUserConnection(this.db.instance, this.databaseName);
    const file = partialPath(path);
    let ok = false;
    try {
      if (params.sql) {
        const refused = refusedText(params.sql);
        if (refused) throw new HeadwaterError('usage', refused);
        await assertOneSelect(connection, params.sql, (t) => this.api.StatementType[t] ?? String(t));
      }
      const select = exportSelect(table ? { table } : { sql: params.sql ?? '' });
      const copy = () => copyTo({
        connection, select, format, file, signal: control.signal, onProgress: control.onProgress,
        runCopy: (sql, signal) => userQuery(connection, this.databaseName, sql, async (check) => Number((await runStatement(connection, sql, { maxRows: 1, signal, check })).rows[0]?.[0] ?? 0), params.sql ?? ''),
      });
      // A sample is a scan into a streaming writer: bounded memory. A query's joins and sorts keep the query limit.
      const rows = table ? await underMemoryLimit(this.connection, exportMemoryLimit(), copy) : await copy();
      ok = true;
      return { path, format, rows, bytes: statSync(file).size, elapsedMs: Date.now() - started };
    } catch (cause) {
      throw this.queryError(cause);
    } finally {
      connection.closeSync();
      finishPartial(file, path, ok);
    }
  }

  /** A failed user statement as the user should read it. */
  queryError(cause: unknown): HeadwaterError {
    if (cause instanceof HeadwaterError) return cause;
    const message = cause instanceof Error ? cause.message : String(cause);
    const readOnly = this.readOnly && /read-only mode/.test(message) ? ` (the workspace is open read-only: ${this.readOnly})` : '';
    return new HeadwaterError('usage', `Query failed: ${message}${readOnly}`, { hint: "Sample tables live in schema 'samples'; list them with 'headwater samples'." }, { cause });
  }

  /** Removes a sample: its table and its catalog row, together. */
  async deleteSample(id: string): Promise<SampleInfo> {
    const sample = await this.getSample(id);
    this.assertWritable('deleting a sample');
    if (sample.status === 'running' && (await this.all(`SELECT engine_pid FROM headwater.samples WHERE id = $1`, [sample.id]))[0]?.engine_pid === process.pid) {
      throw new HeadwaterError('usage', `The sample ${sample.id} is still being taken; stop it first, then delete it.`);
    }
    await this.connection.run('BEGIN TRANSACTION');
    try {
      await dropTypedView(this.connection, sample.id);
      await this.connection.run(`DROP TABLE IF EXISTS ${SAMPLES_SCHEMA}.${quoteIdent(sample.id)}`);
      await this.connection.run(`DELETE FROM headwater.samples WHERE id = $1`, [sample.id]);
      await this.connection.run('COMMIT');
    } catch (error) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
    return sample;
  }

  /** Gives a sample a label of its own (shown beside its id); an empty label removes it. */
  async renameSample(id: string, label: string): Promise<SampleInfo> {
    const sample = await this.getSample(id);
    this.assertWritable('renaming a sample');
    const clean = label.replace(/\s+/g, ' ').trim();
    if (clean.length > 200) throw new HeadwaterError('usage', `A sample label has at most 200 characters (this one has ${clean.length}).`);
    await this.connection.run(`UPDATE headwater.samples SET label = $1 WHERE id = $2`, [clean || null, sample.id]);
    if (sample.typed) await labelTypedView(this.connection, sample.id, clean || undefined);
    return this.getSample(sample.id);
  }

  private assertWritable(what: string): void {
    if (this.readOnly) throw new HeadwaterError('usage', `The workspace ${this.databasePath} is open read-only (${this.readOnly}): ${what} writes to it.`, { hint: 'Make the file writable, or pass --workspace <a folder you can write>.' });
  }

  private async all(sql: string, params: (string | number | null)[] = []): Promise<Record<string, unknown>[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  }
}

export function schemaHash(fields: Field[]): string {
  // FNV-1a over the names and types: stable, tiny, and enough to tell schemas apart in the catalog.
  let hash = 0x811c9dc5;
  const text = fields.map((f) => `${f.name}:${f.duckType}:${f.nullable ? 'n' : ''}`).join('|');
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

function iso(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  return value instanceof Date ? value.toISOString() : String(value);
}

function toSampleInfo(row: Record<string, unknown>): SampleInfo {
  const schema = typeof row.schema === 'string' ? (JSON.parse(row.schema) as Schema) : { fields: [] };
  return {
    id: String(row.id),
    table: `${SAMPLES_SCHEMA}.${String(row.table_name)}`,
    rejected: Number(row.rejected ?? 0),
    source: String(row.source),
    sourceKind: String(row.source_kind),
    entity: String(row.entity),
    method: String(row.method) as SampleMethod,
    strategy: String(row.strategy) as SampleStrategy,
    query: String(row.query),
    rowCount: Number(row.row_count),
    bytes: Number(row.bytes),
    schemaHash: String(row.schema_hash ?? ''),
    status: String(row.status) as SampleStatus,
    statusDetail: row.status_detail === null ? undefined : String(row.status_detail),
    ...(typeof row.label === 'string' && row.label ? { label: row.label } : {}),
    startedAt: iso(row.started_at) ?? '',
    finishedAt: iso(row.finished_at),
    schema,
    ...(typeof row.cursor_state === 'string' ? { cursor: JSON.parse(row.cursor_state) as SampleCursor } : {}),
    ...(typeof row.privacy === 'string' ? { privacy: JSON.parse(row.privacy) as SamplePrivacy } : {}),
    ...(typeof row.typed === 'string' ? { typed: JSON.parse(row.typed) as TypedView } : {}),
  };
}
