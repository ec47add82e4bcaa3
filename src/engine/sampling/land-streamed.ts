// The landing path for a copy the driver writes while it reads (DuckDBSampleStream.partsWhileReading):
// each part lands as soon as it is complete (a driver's part queue may merge the parts waiting), and
// after a stop as far as the second it promises allows. A driver that names landingThreads (Kafka,
// InfluxDB) has its parts land with DuckDB on that many threads until the read ended: on one thread
// many small statements cost DuckDB about what one large one does (1 GB of Kafka records in 128
// statements: 5.1 s CPU, against 10 s on two threads), and the read keeps the other core.
import type { DuckDBSampleStream, StreamedPart } from '../drivers/driver.js';
import { LAND_AFTER_STOP_MS, messageOf, type Landed, type Landing, type LandingArgs } from './landed.js';
import { PRIVACY_SCAN_ROWS, throughPrivacy } from './land-select.js';

type Streamed = DuckDBSampleStream & { partsWhileReading: AsyncIterable<StreamedPart> };
type Next = () => Promise<StreamedPart | undefined>;
type Wrap = (select: string) => string;

interface Progress { rows: number; parts: number; afterStop: number }

/**
 * Lands the parts in order, in one transaction (a stop or a read error keeps the parts that
 * landed; a failed insert keeps none, as one statement would). Insertion order is not preserved
 * inside a statement, so DuckDB inserts in parallel: `_hw_provenance` says where each row came from.
 * After a stop the parts already written land until half of LAND_AFTER_STOP_MS after it (the first always).
 */
export async function landStreamed(stream: Streamed, landing: Landing, args: LandingArgs): Promise<Landed> {
  if (stream.landingThreads === undefined) return landParts(stream, landing, args);
  const threads = new ThreadLimit(landing);
  // Many short statements: the limits are set once around them (setting memory_limit costs DuckDB tens of ms each time).
  return landing.writer.underLandingLimit(async () => {
    await threads.narrow(stream.landingThreads!);
    try {
      return await landParts(stream, landing, args, threads);
    } finally {
      await threads.widen();
    }
  }, stream.landingMemoryLimit);
}

/** Landings holding DuckDB's `threads` (instance-wide) down, and its value before the first did. */
let narrowings = 0;
let threadsBefore = 0;

/** DuckDB's threads held down while parts land during the read (DuckDBSampleStream.landingThreads), back once the read ended. */
class ThreadLimit {
  private held = false;
  constructor(private readonly landing: Landing) {}

  async narrow(threads: number): Promise<void> {
    if (narrowings++ === 0) {
      threadsBefore = Number((await this.landing.writer.query(`SELECT current_setting('threads')`))[0]?.[0]);
      await this.landing.writer.query(`SET threads = ${Math.max(1, Math.floor(threads))}`);
    }
    this.held = true;
  }

  /** Gives the threads back (when no other landing holds them down). */
  async widen(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    if (--narrowings === 0 && threadsBefore > 0) await this.landing.writer.query(`SET threads = ${threadsBefore}`).catch(() => undefined);
  }
}

async function landParts(stream: Streamed, landing: Landing, args: LandingArgs, threads?: ThreadLimit): Promise<Landed> {
  const { writer } = landing;
  const parts = stream.partsWhileReading[Symbol.asyncIterator]();
  const done: Progress = { rows: 0, parts: 0, afterStop: 0 };
  let failure: unknown;
  let began = false;
  try {
    const first = await firstParts(parts, landing);
    await writer.query('BEGIN TRANSACTION');
    began = true;
    await writer.query('SET preserve_insertion_order = false');
    const wrap = await privacyWrapper(stream, first.held, landing);
    // A read that failed while the first parts were gathered fails after they landed.
    const next: Next = async () => first.held.shift() ?? (first.failed === undefined ? nextPart(parts) : Promise.reject(first.failed));
    const cut = await landEach(next, landing, args, done, wrap, stream, threads);
    for (const part of first.held) part.release?.();
    await writer.query('COMMIT');
    began = false;
    if (cut) args.log('info', `Sample ${landing.id}: the stop cut the copy short after ${done.parts} part(s)`);
  } catch (error) {
    failure = stream.readError?.(error) ?? error;
    if (began) await endTransaction(landing, done, error);
  } finally {
    await writer.query('RESET preserve_insertion_order').catch(() => undefined);
    stream.close();
  }
  return finished(stream, landing, args, done, failure);
}

/** Lands each part as it comes, until the parts end or the time after a stop is up; true when a stop cut it short. */
async function landEach(next: Next, landing: Landing, args: LandingArgs, done: Progress, wrap: Wrap, stream: Streamed, threads?: ThreadLimit): Promise<boolean> {
  const { landingMemoryLimit: memoryLimit, landingThreadsAfterRead: keepThreads } = stream;
  let cut = false;
  for (let part = await next(); part; part = await next()) {
    if (pastDeadline(landing, done)) {
      part.release?.();
      cut = true;
      continue;
    }
    if (landing.stop.signal.aborted) done.afterStop++;
    // What is left once the read ended (or stopped: the second after it is short) lands on every
    // thread, unless the driver keeps its landing threads (landingThreadsAfterRead).
    if ((part.readEnded || landing.stop.signal.aborted) && !keepThreads) await threads?.widen();
    done.rows += await landing.writer.insertSelect(wrap(part.select), undefined, memoryLimit);
    done.parts++;
    part.release?.();
    args.onProgress?.({ rows: done.rows, bytes: 0, message: `${done.rows.toLocaleString('en-US')} rows landed` });
  }
  return cut;
}

/** A failed insert rolls everything back (the transaction is spoiled); a failed read keeps what landed. */
async function endTransaction(landing: Landing, done: Progress, error: unknown): Promise<void> {
  const readFailed = (error as { readFailed?: boolean }).readFailed === true;
  if (readFailed) {
    await landing.writer.query('COMMIT').catch(() => undefined);
    return;
  }
  await landing.writer.query('ROLLBACK').catch(() => undefined);
  landing.writer.rowCount = 0;
  done.rows = 0;
}

/**
 * Once a stop is half of LAND_AFTER_STOP_MS old, no further part lands (one always does): the rest is
 * for the part landing then, which a transaction cannot interrupt, and the commit.
 */
function pastDeadline(landing: Landing, done: Progress): boolean {
  const stoppedAt = landing.stoppedAt();
  return stoppedAt !== undefined && done.parts > 0 && performance.now() - stoppedAt >= LAND_AFTER_STOP_MS / 2;
}

async function nextPart(parts: AsyncIterator<StreamedPart>): Promise<StreamedPart | undefined> {
  try {
    const next = await parts.next();
    return next.done ? undefined : next.value;
  } catch (error) {
    // The read failed: what landed is kept (endTransaction), the error is the sample's failure.
    throw Object.assign(error instanceof Error ? error : new Error(String(error)), { readFailed: true });
  }
}

/**
 * The parts written before landing starts: enough rows for the privacy scan (or all, or up to a stop).
 * A read that fails after some parts keeps them (`failed` is raised once they landed).
 */
async function firstParts(parts: AsyncIterator<StreamedPart>, landing: Landing): Promise<{ held: StreamedPart[]; failed?: unknown }> {
  const held: StreamedPart[] = [];
  let rows = 0;
  while (rows < PRIVACY_SCAN_ROWS && !(landing.stop.signal.aborted && held.length)) {
    let part: StreamedPart | undefined;
    try {
      part = await nextPart(parts);
    } catch (error) {
      if (!held.length) throw error;
      return { held, failed: error };
    }
    if (!part) break;
    held.push(part);
    rows += part.rows;
  }
  return { held };
}

/** Scans the first parts' rows for sensitive data, then gives each part's select as it lands (transformed by the policy). */
async function privacyWrapper(stream: Streamed, first: StreamedPart[], landing: Landing): Promise<(select: string) => string> {
  const { privacy, writer } = landing;
  if (!first.length) return (select) => select;
  const union = first.map((p) => `(${p.select})`).join(' UNION ALL ');
  await throughPrivacy({ ...stream, duckdbSelect: union }, writer, privacy);
  if (!privacy.transforms) return (select) => select;
  return (select) => privacy.wrapSelect(select, stream.fields);
}

async function finished(stream: Streamed, landing: Landing, args: LandingArgs, done: Progress, failure: unknown): Promise<Landed> {
  const { writer, stop } = landing;
  let rejected = 0;
  if (!failure) {
    try {
      rejected = (await stream.countRejected?.((sql) => writer.query(sql), done.rows)) ?? 0;
    } catch (error) {
      args.log('warn', `Sample ${landing.id}: could not count unreadable records: ${messageOf(error)}`);
    }
  }
  const reason = landing.stopReason();
  const stopped = stop.signal.aborted && reason !== undefined;
  const when = reason === 'cancelled' ? 'cancelled' : `stopped at the ${reason}`;
  const detail = stopped && !failure ? `${when} after ${writer.rowCount} rows (${done.afterStop} part(s) of the local copy landed after the stop)` : undefined;
  return { bytes: stream.bytesRead?.(writer.rowCount) ?? 0, rejected, failure, detail, stopMattered: stopped };
}
