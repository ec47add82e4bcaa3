// SQLite driver (kind `sqlite`): a local database file, always opened read-only and closed after
// each operation.
import { statSync } from 'node:fs';
import type { BrowseNode, Schema } from '../../../shared/types.js';
import type { Description, Driver } from '../driver.js';
import { columnsOf, declaredFields, estimateRows, findRelation, foreignKeysOf, listRelations, selectedColumns } from './catalog.js';
import { quoteIdent, sqliteFile, withDatabase } from './database.js';
import { sampleSqlite } from './sample.js';
import { fitBatch } from './types.js';
import { formatBytes } from '../../../shared/format.js';

export { openReadOnly, sqliteFile } from './database.js';

/** Rows read to type columns that declare no type. */
const PEEK_ROWS = 200;

const driver: Driver = {
  kind: 'sqlite',

  async describe(source): Promise<Description> {
    let file: string;
    try {
      file = sqliteFile(source);
      return await withDatabase(source, (db) => {
        const { version } = db.prepare('SELECT sqlite_version() AS version').get() as { version: string };
        const relations = listRelations(db);
        const tables = relations.filter((r) => r.kind === 'table').length;
        const views = relations.length - tables;
        const bytes = statSync(file).size;
        return { reachable: true, version: `SQLite ${version}`, detail: `${file} (${formatBytes(bytes)}, ${tables} tables, ${views} views)` };
      });
    } catch (error) {
      return { reachable: false, detail: error instanceof Error ? error.message : String(error) };
    }
  },

  async browse(source, path): Promise<BrowseNode[]> {
    return withDatabase(source, (db) => {
      if (path.length === 0) {
        return listRelations(db).map((relation): BrowseNode => {
          const notes = [relation.virtual ? 'virtual' : undefined, relation.withoutRowid ? 'WITHOUT ROWID' : undefined, relation.strict ? 'STRICT' : undefined].filter(Boolean);
          const node: BrowseNode = {
            id: relation.name, label: relation.name, kind: relation.kind, sampleable: true, expandable: true, entity: relation.name,
          };
          const estimate = estimateRows(db, relation);
          if (estimate !== undefined) node.estimatedRows = estimate;
          if (notes.length) node.detail = notes.join(', ');
          return node;
        });
      }
      if (path.length !== 1) return [];
      const relation = findRelation(db, path[0]!, source.name);
      const columns = columnsOf(db, relation.name);
      const foreignKeys = relation.kind === 'table' ? foreignKeysOf(db, relation.name) : [];
      const fields = declaredFields(columns, relation);
      return selectedColumns(columns).map((column, i): BrowseNode => {
        const parts = [column.declared || '(no declared type)'];
        if (column.pk > 0) parts.push('PK');
        if (!fields[i]!.nullable) parts.push('NOT NULL');
        for (const fk of foreignKeys.filter((f) => f.from === column.name)) parts.push(`FK -> ${fk.table}${fk.to ? `.${fk.to}` : ''}`);
        return { id: column.name, label: column.name, kind: 'column', sampleable: false, expandable: false, detail: parts.join(' ') };
      });
    });
  },

  async nativeSchema(source, entity): Promise<Schema | undefined> {
    return withDatabase(source, (db) => {
      const relation = findRelation(db, entity, source.name);
      const columns = columnsOf(db, relation.name);
      const fields = declaredFields(columns, relation);
      // Columns without a declared type are typed from a few rows, as SQLite itself would store them.
      const untyped = fields.map((f, i) => (f.type === 'null' ? i : -1)).filter((i) => i >= 0);
      if (untyped.length) {
        const names = untyped.map((i) => quoteIdent(fields[i]!.name)).join(', ');
        const rows = db.prepare(`SELECT ${names} FROM main.${quoteIdent(relation.name)} LIMIT ${PEEK_ROWS}`).raw(true).safeIntegers(true).all() as unknown[][];
        const peeked = untyped.map((i) => fields[i]!);
        fitBatch(peeked, rows, 0);
        untyped.forEach((fieldIndex, k) => {
          fields[fieldIndex] = peeked[k]!;
        });
      }
      return { fields };
    });
  },

  sample: sampleSqlite,
};


export default driver;
