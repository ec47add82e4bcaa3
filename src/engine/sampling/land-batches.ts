// The landing path for record batches: appended as they come, flushed at least every second (also
// while the source pauses), inferred on the way, unreadable records counted with where they were.
import type { Provenance } from '../../shared/types.js';
import type { BatchSampleStream, RecordBatch } from '../drivers/driver.js';
import { SchemaInferrer } from '../inference/index.js';
import { landingOver, PROGRESS_INTERVAL_MS, type Landed, type Landing, type LandingArgs } from './landed.js';

/** Appended rows are flushed (made durable and queryable) at least this often. */
const FLUSH_INTERVAL_MS = 1_000;
/**
 * ...and once this many wait: what a flush (one commit of the appender's rows) holds grows with its
 * rows, so a fast source flushing by time alone grew RSS with its speed (1M OpenSearch documents at
 * ~110k/s: peak 446-453 MB flushing each second, 346-375 MB every 20,000 rows, no more CPU).
 */
const FLUSH_ROWS = 20_000;
/** Unreadable records named in a sample's status, as evidence. */
const REJECTED_EXAMPLES = 10;

/** Record batches from the driver, appended as they come and flushed every second. */
export async function landBatches(stream: BatchSampleStream, landing: Landing, args: LandingArgs): Promise<Landed> {
  const { id, writer, limit } = landing;
  let bytes = 0;
  let rejected = 0;
  let lastProgress = 0;
  let lastFlush = Date.now();
  let failure: unknown;
  const rejectedAt: Provenance[] = [];
  let keptIn: string | undefined;
  let lastProvenance: Provenance | undefined;
  const inferrer = new SchemaInferrer();
  const iterator = stream.batches[Symbol.asyncIterator]();
  let unflushed = false;
  let reportedRows = 0;
  const progress = (now: number) => {
    lastProgress = now;
    reportedRows = writer.rowCount;
    args.onProgress?.({ rows: writer.rowCount, bytes, message: `${writer.rowCount.toLocaleString('en-US')} rows`, fraction: Math.min(1, writer.rowCount / limit) });
  };
  let flushedRows = 0;
  const flush = async () => {
    writer.flush();
    flushedRows = writer.rowCount;
    unflushed = false;
    lastFlush = Date.now();
    await args.workspace.updateProgress(id, writer.rowCount, bytes);
  };
  // A paused source's last rows are flushed on time; its progress must say so too, or a tail that
  // went quiet shows a count short of what landed.
  const idleFlush = async () => {
    if (unflushed) await flush();
    progress(Date.now());
  };
  try {
    // A copy the stop cut short still lands, for a bounded time after the stop.
    const over = () => landingOver(stream.landsAfterStop === true, landing.stoppedAt(), performance.now());
    while (!over() && writer.rowCount < limit) {
      // A source that pauses (a tail, a tap) still shows what it sent: rows waiting unflushed are
      // flushed on time even when no batch comes.
      let idleFlushed: Promise<unknown> | undefined;
      const idle = unflushed || reportedRows !== writer.rowCount ? setTimeout(() => { idleFlushed = idleFlush().then(() => undefined, (error: unknown) => error ?? new Error('flush failed')); }, Math.max(0, lastFlush + FLUSH_INTERVAL_MS - Date.now())) : undefined;
      let next: IteratorResult<RecordBatch>;
      try {
        next = await iterator.next();
      } finally {
        clearTimeout(idle);
      }
      const flushError = await idleFlushed;
      if (flushError) throw flushError;
      if (next.done) break;
      const batch = next.value;
      const { names, rows } = await appendBatch(landing, batch);
      if (rows.length) {
        lastProvenance = batch.provenance[rows.length - 1];
        unflushed = true;
      }
      inferrer.observeRows(names, rows, batch.provenance);
      bytes += batch.bytes;
      rejected += batch.rejected ?? 0;
      for (const at of batch.rejectedAt ?? []) if (rejectedAt.length < REJECTED_EXAMPLES) rejectedAt.push(at);
      keptIn ??= batch.rejectedKeptIn;
      const now = Date.now();
      if (now - lastFlush >= FLUSH_INTERVAL_MS || writer.rowCount - flushedRows >= FLUSH_ROWS) await flush();
      if (args.options.maxBytes && bytes >= args.options.maxBytes) landing.halt('byte budget');
      if (now - lastProgress >= PROGRESS_INTERVAL_MS) progress(now);
    }
  } catch (error) {
    failure = error;
  } finally {
    // Lets the driver release its cursor, file or connection.
    await iterator.return?.().catch(() => undefined);
  }
  const detail = rejected && rejectedAt.length
    ? `${rejected} unreadable records counted and ${keptIn ? `kept raw in ${keptIn}` : 'skipped'} (${rejectedAt.map(describeProvenance).join(', ')}${rejected > rejectedAt.length ? ', …' : ''})`
    : undefined;
  return { bytes, rejected, failure, stopMattered: true, inferred: inferrer.records > 0 ? inferrer.result() : undefined, rejectedDetail: detail, lastProvenance };
}

/** Appends what fits of a batch, through the privacy gate: scanned before it lands, so a column a class shows up in is transformed from this batch on. */
async function appendBatch(landing: Landing, batch: RecordBatch): Promise<{ names: string[]; rows: unknown[][] }> {
  const { writer, limit, privacy } = landing;
  if (batch.fields) await writer.evolve(privacy.landedFields(batch.fields));
  const room = limit - writer.rowCount;
  const names = writer.schema.map((f) => f.name);
  const raw = batch.rows.length > room ? batch.rows.slice(0, room) : batch.rows;
  if (privacy.scan(names, raw, batch.provenance)) await writer.evolve(privacy.landedFields(writer.schema));
  const rows = privacy.apply(names, raw);
  writer.append(rows, batch.provenance, new Date());
  return { names, rows };
}

/** `{line: 260}` → "line 260"; `{partition: 2, offset: 17}` → "partition 2 offset 17". */
function describeProvenance(provenance: Provenance): string {
  return Object.entries(provenance).map(([key, value]) => `${key} ${value}`).join(' ');
}
