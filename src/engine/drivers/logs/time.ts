// Log timestamps to UTC. Logs write time in many shapes, often without a zone (syslog RFC 3164,
// most application logs) or without a year (RFC 3164): those are read in the source's `timezone`
// option (an IANA name or ±hh:mm, default UTC) and, for a missing year, the file's modification year.

const MONTHS: Record<string, number> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };

export interface TimeContext {
  /** Zone for timestamps that carry none: 'UTC', '+02:00', 'Europe/Berlin'. */
  timezone: string;
  /** When the file was last written, to give RFC 3164 timestamps (no year) a year. */
  reference: Date;
}

const ISO = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d{1,9}))?)?\s*(Z|z|UTC|GMT|[+-]\d\d(?::?\d\d)?)?$/;
const CLF = /^(\d\d)\/([A-Za-z]{3})\/(\d{4}):(\d\d):(\d\d):(\d\d)(?:\s+([+-]\d{4}))?$/;
const BSD = /^([A-Za-z]{3})\s+(\d{1,2})\s+(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/;

/** Offset in minutes east of UTC from `Z`, `+02`, `+0200`, `+02:00`. */
function offsetMinutes(zone: string): number {
  if (/^(z|utc|gmt)$/i.test(zone)) return 0;
  const m = /^([+-])(\d\d):?(\d\d)?$/.exec(zone);
  if (!m) return Number.NaN;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return m[1] === '-' ? -minutes : minutes;
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of an IANA zone at an instant, from Intl (no time zone database of our own). */
function ianaOffsetMinutes(zone: string, at: number): number {
  let format = zoneFormatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    zoneFormatters.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return Math.round((asUtc - Math.floor(at / 1000) * 1000) / 60_000);
}

/** Throws on a zone that is neither an offset nor an IANA name, so a typo in the options is reported. */
export function checkTimezone(zone: string): void {
  if (!Number.isNaN(offsetMinutes(zone))) return;
  ianaOffsetMinutes(zone, Date.now());
}

/** Wall-clock fields read in `zone` to epoch milliseconds. */
function wallToEpoch(fields: [number, number, number, number, number, number, number], zone: string): number {
  const wall = Date.UTC(...fields);
  const fixed = offsetMinutes(zone);
  if (!Number.isNaN(fixed)) return wall - fixed * 60_000;
  // Two steps settle the offset across a DST change.
  let offset = ianaOffsetMinutes(zone, wall);
  offset = ianaOffsetMinutes(zone, wall - offset * 60_000);
  return wall - offset * 60_000;
}

function fraction(digits: string | undefined): number {
  return digits ? Number(digits.slice(0, 3).padEnd(3, '0')) : 0;
}

/** Seconds, milliseconds, microseconds or nanoseconds since the epoch, told apart by magnitude. */
function fromEpoch(value: number): Date | undefined {
  if (!Number.isFinite(value) || value <= 0) return undefined;
  const ms = value < 1e11 ? value * 1000 : value < 1e14 ? value : value < 1e17 ? value / 1000 : value / 1e6;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** A log timestamp as an instant, or undefined when it is not one. */
export function parseLogTime(value: unknown, ctx: TimeContext): Date | undefined {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d{9,19}(\.\d+)?$/.test(text)) return fromEpoch(Number(text));
  let m = ISO.exec(text);
  if (m) {
    const fields: [number, number, number, number, number, number, number] = [Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), fraction(m[7])];
    const epoch = m[8] ? Date.UTC(...fields) - offsetMinutes(m[8]) * 60_000 : wallToEpoch(fields, ctx.timezone);
    return valid(epoch);
  }
  m = CLF.exec(text);
  if (m) {
    const month = MONTHS[m[2]!.toLowerCase()];
    if (month === undefined) return undefined;
    const fields: [number, number, number, number, number, number, number] = [Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]), 0];
    return valid(m[7] ? Date.UTC(...fields) - offsetMinutes(m[7]) * 60_000 : wallToEpoch(fields, ctx.timezone));
  }
  m = BSD.exec(text);
  if (m) {
    const month = MONTHS[m[1]!.toLowerCase()];
    if (month === undefined) return undefined;
    // No year: the file's year, or the year before when that would put the record after the file was written.
    let year = ctx.reference.getUTCFullYear();
    if (month > ctx.reference.getUTCMonth() + 1) year--;
    return valid(wallToEpoch([year, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), fraction(m[6])], ctx.timezone));
  }
  return undefined;
}

function valid(epoch: number): Date | undefined {
  return Number.isNaN(epoch) ? undefined : new Date(epoch);
}
