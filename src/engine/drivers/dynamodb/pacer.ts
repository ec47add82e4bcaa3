// The read budget of a sample, in read capacity units per second. Each request waits until what was
// consumed so far plus what it is expected to cost fits the budget since the read began, so the
// consumed capacity DynamoDB reports, over the read's duration, stays at or under the budget (as
// long as a page costs no more than expected: page sizes are chosen from the cost of the last one).

/** A Scan or Query page costs at least this much (one 4 KB read, eventually consistent). */
export const MIN_PAGE_UNITS = 0.5;
const MAX_PAGE_ITEMS = 1000;

export class ReadPacer {
  private started: number | undefined;
  consumed = 0;
  requests = 0;
  /** RCU per item read, from the last page (or the table's average item size before the first). */
  private unitsPerItem: number;

  constructor(readonly unitsPerSecond: number, averageItemBytes: number | undefined, private readonly now: () => number = () => performance.now()) {
    // Eventually consistent reads cost half a unit per 4 KB read.
    this.unitsPerItem = Math.max(averageItemBytes ?? 1024, 1) / 8192;
  }

  /** Items to ask for in the next page: about one second of budget (the first: half a unit), at most `wanted`. */
  pageItems(wanted: number, requestsAtOnce = 1): number {
    // The first page is the smallest that costs anything (the cost per item is a guess until then), so rows come soon.
    const units = this.requests === 0 ? Math.min(MIN_PAGE_UNITS, this.unitsPerSecond) : this.unitsPerSecond;
    const perSecond = Math.floor(units / requestsAtOnce / this.unitsPerItem);
    return Math.max(1, Math.min(MAX_PAGE_ITEMS, wanted, perSecond));
  }

  /** What a page of `items` is expected to cost; before any page came back, at least one unit (what a compatible server may charge for any page). */
  estimate(items: number): number {
    return Math.max(this.requests === 0 ? 1 : MIN_PAGE_UNITS, items * this.unitsPerItem);
  }

  /** Milliseconds to wait before sending requests expected to cost `units`. */
  delayFor(units: number): number {
    const now = this.now();
    this.started ??= now;
    return Math.max(0, this.started + ((this.consumed + units) / this.unitsPerSecond) * 1000 - now);
  }

  /** A page came back: its consumed capacity (or the estimate when the endpoint reported none) and how many items it read. */
  record(units: number | undefined, scanned: number, estimated: number): void {
    const spent = units ?? estimated;
    this.consumed += spent;
    this.requests++;
    if (scanned > 0) this.unitsPerItem = Math.max(spent / scanned, 1e-6);
  }

  /** Seconds since the first request. */
  elapsed(): number {
    return this.started === undefined ? 0 : (this.now() - this.started) / 1000;
  }

  /** "consumed 12.5 RCU in 2.6 s (4.8 RCU/s; budget 5 RCU/s)". */
  report(): string {
    const seconds = this.elapsed();
    const rate = seconds > 0 ? this.consumed / seconds : 0;
    return `consumed ${round(this.consumed)} RCU in ${round(seconds)} s over ${this.requests} request${this.requests === 1 ? '' : 's'} (${round(rate)} RCU/s; budget ${this.unitsPerSecond} RCU/s)`;
  }
}

const round = (n: number): number => Math.round(n * 100) / 100;
