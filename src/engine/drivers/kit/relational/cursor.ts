// Incremental extraction: which column orders new and changed rows (the cursor), read from the
// catalog. An updated_at-like timestamp catches inserts and updates; a monotonic integer key catches
// inserts only; either is worth much more with an index that leads with it (an index range read
// instead of a scan per extraction). The drivers describe their columns, this decides.
import { HeadwaterError } from '../../../../shared/errors.js';
import type { Extraction, FieldType } from '../../../../shared/types.js';
import type { DriverContext, DriverSampleOptions } from '../../driver.js';

export interface CursorColumn {
  name: string;
  type: FieldType;
  nullable: boolean;
  /** 'sequence': a single-column integer key fed by a sequence/identity/auto_increment; 'key': a single-column integer key without one. */
  monotonic?: 'sequence' | 'key';
  /** An index whose leading column is this one. */
  index?: string;
}

const UPDATED = /^(last_?)?(updated|modified|changed|update|modify|change)(_?(at|on|date|time|ts|timestamp|datetime|utc))?$|^(mtime|row_?version|last_?modified|modified_?date|date_?modified|date_?updated)$/i;
const CREATED = /^(created|inserted|insert|create)(_?(at|on|date|time|ts|timestamp|datetime|utc))?$|^(ctime|date_?created)$/i;
const ORDERABLE = new Set<FieldType>(['integer', 'decimal', 'float', 'date', 'timestamp', 'timestamptz', 'string', 'uuid']);
const TIME_TYPES = new Set<FieldType>(['timestamp', 'timestamptz', 'date']);

/** The extraction method the columns support, with the cursor the user chose or else the best one found. */
export function detectExtraction(columns: CursorColumn[], chosen?: string, where?: { source: string; entity: string }): Extraction {
  if (chosen) {
    const column = columns.find((c) => c.name === chosen) ?? columns.find((c) => c.name.toLowerCase() === chosen.toLowerCase());
    if (!column || !ORDERABLE.has(column.type)) {
      throw new HeadwaterError('usage', `${where ? `Source '${where.source}', entity '${where.entity}': ` : ''}${column ? `column '${chosen}' (${column.type}) cannot order rows as a cursor` : `there is no column '${chosen}' to use as the cursor`}.`, {
        ...(where ? { source: where.source, entity: where.entity } : {}),
        hint: `Columns that can be cursors: ${columns.filter((c) => ORDERABLE.has(c.type)).map((c) => c.name).join(', ') || 'none'}.`,
      });
    }
    return extraction(column, 'chosen', `${column.name} was chosen as the cursor`);
  }
  const updated = columns.filter((c) => TIME_TYPES.has(c.type) && UPDATED.test(c.name));
  const keys = columns.filter((c) => c.monotonic && c.type === 'integer');
  const created = columns.filter((c) => TIME_TYPES.has(c.type) && CREATED.test(c.name));
  const indexedUpdate = updated.find((c) => c.index);
  if (indexedUpdate) return extraction(indexedUpdate, 'updated timestamp', `${indexedUpdate.name} looks like an update timestamp: inserted and updated rows sort after the last high-water mark`);
  const key = keys.find((c) => c.monotonic === 'sequence') ?? keys[0];
  if (key) {
    const why = key.monotonic === 'sequence' ? 'an integer key fed by a sequence' : 'an integer key (no sequence seen: assumed to grow)';
    const unindexed = updated[0] ? `; ${updated[0].name} would also catch updates but no index leads with it` : '';
    return extraction(key, 'monotonic key', `${key.name} is ${why}: new rows sort after the last high-water mark, updates are not seen${unindexed}`);
  }
  if (updated[0]) return extraction(updated[0], 'updated timestamp', `${updated[0].name} looks like an update timestamp: inserted and updated rows sort after the last high-water mark`);
  const indexedCreate = created.find((c) => c.index) ?? created[0];
  if (indexedCreate) return extraction(indexedCreate, 'created timestamp', `${indexedCreate.name} looks like a creation timestamp: new rows sort after the last high-water mark, updates are not seen`);
  return { method: 'full', reason: 'no monotonic integer key and no updated_at-like timestamp column: only full extraction' };
}

function extraction(column: CursorColumn, kind: NonNullable<Extraction['cursorKind']>, why: string): Extraction {
  const notes = [why];
  notes.push(column.index ? `index ${column.index} leads with it` : `no index leads with ${column.name}: each incremental read scans the table`);
  if (column.nullable) notes.push(`rows whose ${column.name} is NULL are never extracted`);
  return { method: 'incremental', cursor: column.name, cursorKind: kind, ...(column.index ? { index: column.index } : {}), reason: notes.join('; ') };
}

/** "incremental on updated_at (index orders_updated_idx)" / "full". */
export function extractionLabel(extraction: Extraction): string {
  if (extraction.method === 'full') return 'full extraction';
  return `incremental on ${extraction.cursor} (${extraction.cursorKind}${extraction.index ? `, index ${extraction.index}` : ', no index'})`;
}

/**
 * Where an incremental read starts: the cursor column then the key's columns (ties broken), and the
 * high-water mark of the last read when it covers them. Refuses a full-only table; logs the choice.
 */
export function incrementalStart(
  title: string, extraction: Extraction, key: { columns: string[] } | undefined,
  options: Pick<DriverSampleOptions, 'resume'>, ctx: Pick<DriverContext, 'log'>, where: { source: string; entity: string },
): { lead: string[]; start?: string[] } {
  if (extraction.method === 'full' || !extraction.cursor) {
    throw new HeadwaterError('usage', `${title} source '${where.source}', entity '${where.entity}': no cursor for an incremental read (${extraction.reason}).`, {
      source: where.source, entity: where.entity, hint: 'Name one with --cursor <column> (a column that grows with each insert or update).',
    });
  }
  ctx.log('info', `${where.source}/${where.entity}: ${extractionLabel(extraction)}: ${extraction.reason}.`);
  const lead = [extraction.cursor, ...(key?.columns ?? []).filter((c) => c !== extraction.cursor)];
  if (lead.length === 1 && !key) ctx.log('warn', `${where.source}/${where.entity}: no key to break ties on ${extraction.cursor}: rows sharing the last high-water value may be missed if a sample stops between them.`);
  const mark = options.resume?.column === extraction.cursor ? options.resume.highWater : undefined;
  if (!mark || !lead.every((c) => c in mark)) return { lead };
  return { lead, start: lead.map((c) => String(mark[c])) };
}
