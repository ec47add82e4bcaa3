// The landing path for a copy the driver writes while it reads (DuckDBSampleStream.partsWhileReading).
// When the driver can merge its parts (mergeParts), they are gathered while the read runs and land
// in one statement once it ended: one large INSERT costs DuckDB about half the CPU of many small ones
// into the same table (DuckDB alone landing the spool of 1M ~1 KB Kafka records: 6.4 s CPU against
// 10-12 s for 8 to 124 statements in one transaction), more than landing while reading saved. A stop
// lands the parts one by one instead, as far as the second it promises allows; so does a read under a
// time budget, where what lands by the budget matters more than the CPU. Without mergeParts each part
// lands as soon as it is complete. A driver that names landingThreads (Kafka) has its parts land as
// they come with DuckDB on that many threads until the read ended: on one thread many small
// statements cost DuckDB about what one large one does (1 GB of Kafka records in 128 statements:
// 5.1 s CPU, against 10 s on two threads), and the read keeps the other core, so the landing overlaps it.
import type { DuckDBSampleStream, StreamedPart } from '../drivers/driver.js';
import { LAND_AFTER_STOP_MS, messageOf, type Landed, type Landing, type LandingArgs } from './landed.js';
import { interruptOnStop, PRIVACY_SCAN_ROWS, throughPrivacy } from './land-select.js';

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
    const gather = stream.mergeParts && stream.landingThreads === undefined && args.options.maxSeconds === undefined;
    const rest = gather ? await landGathered(stream, next, landing, args, done, wrap) : next;
    const cut = await landEach(rest, landing, args, done, wrap, stream, threads);
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

/**
 * Gathers every part until the read ends, then lands them in one statement. Returns what is left to
 * land part by part: nothing then; after a stop (while gathering, or during that statement, which the
 * stop interrupts), the parts gathered and those still to come. A read that fails lands what it gathered, then fails.
 */
async function landGathered(stream: Streamed, next: Next, landing: Landing, args: LandingArgs, done: Progress, wrap: Wrap): Promise<Next> {
  const gathered: StreamedPart[] = [];
  const partByPart: Next = async () => gathered.shift() ?? next();
  let readFailure: unknown;
  let rows = 0;
  for (;;) {
    if (landing.stop.signal.aborted) return partByPart;
    let part: StreamedPart | undefined;
    try {
      part = await next();
    } catch (error) {
      if (!gathered.length) throw error;
      readFailure = error;
    }
    if (!part) break;
    gathered.push(part);
    rows += part.rows;
    args.onProgress?.({ rows: 0, bytes: 0, message: `${rows.toLocaleString('en-US')} rows read` });
  }
  if (!gathered.length) return async () => undefined;
  if (landing.stop.signal.aborted) return partByPart;
  const { writer } = landing;
  const stopInterrupting = interruptOnStop(writer, landing.stop);
  try {
    done.rows += await writer.insertSelect(wrap(stream.mergeParts!(gathered).select), undefined, stream.landingMemoryLimit);
    done.parts += gathered.length;
    stopInterrupting();
    // An interrupt that came as the statement ended spoils the transaction (DuckDB then turns COMMIT
    // into a silent ROLLBACK): a stop during the statement is checked with one more statement.
    if (landing.stop.signal.aborted) await writer.query('SELECT 1');
  } catch (error) {
    stopInterrupting();
    if (!landing.stop.signal.aborted) throw error;
    // Interrupted by the stop: the transaction is spoiled; the parts land one by one in a new one.
    await writer.query('ROLLBACK');
    writer.rowCount = 0;
    done.rows = 0;
    done.parts = 0;
    await writer.query('BEGIN TRANSACTION');
    return partByPart;
  } finally {
    stopInterrupting();
  }
  for (const part of gathered) part.release?.();
  if (readFailure !== undefined) throw readFailure;
  args.onProgress?.({ rows: done.rows, bytes: 0, message: `${done.rows.toLocaleString('en-US')} rows landed` });
  return async () => undefined;
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
