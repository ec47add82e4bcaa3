// The landing path for a DuckDB-native read: one INSERT … SELECT on the sample's own connection.
import type { DuckDBSampleStream } from '../drivers/driver.js';
import type { PrivacyGate } from '../privacy/gate.js';
import type { SampleWriter } from '../workspace/landing.js';
import { PROVENANCE_COLUMN } from '../drivers/driver.js';
import { SAMPLES_SCHEMA } from '../workspace/catalog.js';
import { quoteIdent } from '../workspace/sql.js';
import { parseProvenance } from './infer.js';
import { messageOf, PROGRESS_INTERVAL_MS, type Landed, type Landing, type LandingArgs } from './landed.js';

const INTERRUPT_RETRY_MS = 50;
/** Rows of a DuckDB-native read scanned for sensitive data before it lands. */
export const PRIVACY_SCAN_ROWS = 20_000;

/**
 * One INSERT … SELECT on the sample's own connection: DuckDB reads and lands the rows without JS.
 * It lands whole or not at all, so a stop during it (cancel or time budget) interrupts it and leaves
 * a partial sample with no rows (or, for a copy in parts, the parts landed after the stop); that is not an error. A plan whose types came from the first rows
 * is landed again with its wider plan when a row did not fit them.
 */
export async function landSelect(first: DuckDBSampleStream, landing: Landing, args: LandingArgs): Promise<Landed> {
  const { writer, stop } = landing;
  const read: SelectRead = { stream: first, rejected: 0, opened: [first] };
  // A local copy is read to the end: interrupting it would throw away what the driver already read.
  const stopInterrupting = first.landsAfterStop ? () => undefined : interruptOnStop(writer, stop);
  const progress = readProgress(writer, args.onProgress);
  try {
    // A stop while the driver copied the source only cut the copy short: it still lands, as partial.
    const cutShort = first.landsAfterStop === true && stop.signal.aborted;
    if (stop.signal.aborted && !cutShort) throw new Error('stopped before the read began');
    const rows = await landWithFallbacks(read, landing, args);
    // Landed whole: a stop from here on changes nothing.
    stopInterrupting();
    if (read.stream.readsOnce && rows > 0) await scanLanded(read.stream, landing).catch((error: unknown) => args.log('warn', `Sample ${landing.id}: could not scan the landed rows for sensitive data: ${messageOf(error)}`));
    const notes: string[] = [];
    if (read.rejected) notes.push(`${read.rejected} unreadable records counted and skipped`);
    if (args.options.maxBytes && landing.readBeforeLanding() === 0) notes.push('the byte budget does not apply: DuckDB read the source natively');
    return { bytes: read.stream.bytesRead?.(rows) ?? 0, rejected: read.rejected, detail: notes.length && !cutShort ? notes.join('; ') : undefined, stopMattered: cutShort, query: read.stream.query };
  } catch (error) {
    stopInterrupting();
    return selectFailed(error, read, landing);
  } finally {
    if (progress) clearInterval(progress);
    stopInterrupting();
    for (const each of read.opened) each.close();
  }
}

/** The read so far: the stream landing now, what it set aside, and every stream opened (each is closed at the end). */
interface SelectRead {
  stream: DuckDBSampleStream;
  rejected: number;
  opened: DuckDBSampleStream[];
}

/**
 * Keeps interrupting the statement once the read is stopped, until the returned function is called:
 * DuckDB drops an interrupt that arrives before the statement starts executing.
 */
export function interruptOnStop(writer: SampleWriter, stop: AbortController): () => void {
  let interrupting: ReturnType<typeof setInterval> | undefined;
  const onStop = () => {
    writer.interrupt();
    interrupting ??= setInterval(() => writer.interrupt(), INTERRUPT_RETRY_MS);
  };
  stop.signal.addEventListener('abort', onStop, { once: true });
  return () => {
    stop.signal.removeEventListener('abort', onStop);
    if (interrupting) clearInterval(interrupting);
  };
}

/** The share of the read DuckDB reports, as progress, while it reads. */
function readProgress(writer: SampleWriter, onProgress: LandingArgs['onProgress']): ReturnType<typeof setInterval> | undefined {
  if (!onProgress) return undefined;
  return setInterval(() => {
    const fraction = writer.progress();
    if (fraction !== undefined) onProgress({ rows: 0, bytes: 0, message: `reading (${Math.round(fraction * 100)}%)`, fraction });
  }, PROGRESS_INTERVAL_MS);
}

/**
 * Lands the read; when it fails, the plan the driver recovers with instead; when rows did not fit the
 * first rows' types, the wider plan. Returns the rows landed.
 */
async function landWithFallbacks(read: SelectRead, landing: Landing, args: LandingArgs): Promise<number> {
  const { writer, stop } = landing;
  let rows: number;
  try {
    rows = await landOnce(read.stream, writer, landing.privacy);
  } catch (error) {
    const other = stop.signal.aborted ? undefined : read.stream.recover?.(error);
    if (!other) throw error;
    read.opened.push(other);
    await writer.reset(other.fields);
    read.stream = other;
    rows = await landOnce(read.stream, writer, landing.privacy);
  }
  read.rejected = await countRejected(read.stream, rows, landing, args);
  if (read.rejected > 0 && read.stream.widen) {
    const wider = await read.stream.widen();
    read.opened.push(wider);
    args.log('info', `Sample ${landing.id}: ${read.rejected} row(s) did not fit the types of the first rows; reading again with types from every row`);
    await writer.reset(wider.fields);
    read.stream = wider;
    rows = await landOnce(read.stream, writer, landing.privacy);
    read.rejected = await countRejected(read.stream, rows, landing, args);
  }
  return rows;
}

/** Lands one stream: its setup, the select, its teardown, then what the source side says about how it ended. */
async function landOnce(each: DuckDBSampleStream, writer: SampleWriter, privacy: PrivacyGate): Promise<number> {
  let rows: number;
  try {
    for (const sql of each.setup ?? []) await writer.query(sql);
    const select = await throughPrivacy(each, writer, privacy);
    rows = await writer.insertSelect(select, each.provenanceByPosition, each.landingMemoryLimit);
    if (each.keepFirst !== undefined && rows > each.keepFirst) rows = await writer.keepFirst(each.keepFirst);
  } finally {
    for (const sql of each.teardown ?? []) await writer.query(sql).catch(() => undefined);
  }
  await each.finished?.();
  return rows;
}

/**
 * The select as it lands: its first rows are scanned (read, not landed), then the policy's transforms
 * wrap it, so DuckDB lands transformed values only. Scanned once per sample, however many reads it takes.
 */
export async function throughPrivacy(each: DuckDBSampleStream, writer: SampleWriter, privacy: PrivacyGate): Promise<string> {
  if (each.readsOnce) privacy.landUnseen(each.fields);
  else if (privacy.scanned === 0) {
    const names = each.fields.map((f) => f.name);
    const first = await writer.query(`SELECT * FROM (${each.duckdbSelect}) LIMIT ${PRIVACY_SCAN_ROWS}`);
    const at = each.provenanceByPosition;
    privacy.scan(names, first.map((row) => row.slice(0, names.length)), (i) => (at !== undefined ? { [at]: i + 1 } : parseProvenance(first[i]?.[names.length])));
  }
  if (!privacy.transforms) return each.duckdbSelect;
  await writer.reset(privacy.landedFields(each.fields));
  return privacy.wrapSelect(each.duckdbSelect, each.fields);
}

/** A read that ran once was not scanned before it landed: its first landed rows are, for the report. */
async function scanLanded(each: DuckDBSampleStream, landing: Landing): Promise<void> {
  const names = each.fields.map((f) => f.name);
  const first = await landing.writer.query(`SELECT ${[...names, PROVENANCE_COLUMN].map(quoteIdent).join(', ')} FROM ${quoteIdent(SAMPLES_SCHEMA)}.${quoteIdent(landing.id)} ORDER BY rowid LIMIT ${PRIVACY_SCAN_ROWS}`);
  landing.privacy.scanLanded(names, first.map((row) => row.slice(0, names.length)), (i) => parseProvenance(first[i]?.[names.length]));
}

/** Rows the driver says did not fit; a count that fails is logged and taken as 0. */
async function countRejected(stream: DuckDBSampleStream, rows: number, landing: Landing, args: LandingArgs): Promise<number> {
  try {
    return (await stream.countRejected?.((sql) => landing.writer.query(sql), rows)) ?? 0;
  } catch (error) {
    args.log('warn', `Sample ${landing.id}: could not count unreadable records: ${messageOf(error)}`);
    return 0;
  }
}

/** A stop during the read leaves a partial sample (with a first read's rows, when one landed); anything else is the read's failure. */
function selectFailed(error: unknown, read: SelectRead, landing: Landing): Landed {
  const { writer, stop } = landing;
  const reason = landing.stopReason();
  if (stop.signal.aborted && reason) {
    const when = reason === 'cancelled' ? 'cancelled' : `stopped at the ${reason}`;
    const kept = writer.rowCount > 0 ? `; kept the ${writer.rowCount} rows of a first read, which set aside ${read.rejected} rows that did not fit its types` : ': 0 rows';
    return { bytes: 0, rejected: writer.rowCount > 0 ? read.rejected : 0, detail: `${when} during a DuckDB-native read, which lands all of its rows or none${kept}`, stopMattered: true };
  }
  return { bytes: 0, rejected: 0, failure: read.stream.readError?.(error) ?? error, stopMattered: true };
}
