// Log line formats: detection from a file's first lines, and one parser per format that turns the
// first line of a record into who / what / when plus the rest as attributes. Maintained parsers are
// used where they exist (logfmt; nsyslog-parser for RFC 3164/5424 headers, priorities and structured
// data); access logs and application text lines are regular expressions (their formats are fixed
// one-liners, and the npm parsers for them are unmaintained and slower than one RegExp.exec).
import { HeadwaterError } from '../../../shared/errors.js';
import { lazyModule } from '../kit/lazy.js';
import { LOG_FORMATS } from './manifest.js';

export { LOG_FORMATS };
export type LogFormat = (typeof LOG_FORMATS)[number];

export const FORMAT_LABELS: Record<LogFormat, string> = {
  json: 'JSON lines', logfmt: 'logfmt', 'syslog-rfc5424': 'syslog (RFC 5424)', 'syslog-rfc3164': 'syslog (RFC 3164)',
  combined: 'access log (combined)', common: 'access log (common)', text: 'text (pattern)', lines: 'plain lines',
};

/** The first line of a record, parsed. Values are as written; time is normalised later. */
export interface LogEntry {
  time?: unknown;
  level?: string;
  service?: string;
  user?: string;
  agent?: string;
  host?: string;
  event?: string;
  message?: string;
  attributes: Record<string, unknown>;
}

/** Parses a record's first line; undefined when the line is not a record of this format (malformed). */
export type LineParser = (line: string) => LogEntry | undefined;

// Keys that carry who / what / when in JSON, logfmt and regex captures, most common first.
const ROLE_KEYS: Record<Exclude<keyof LogEntry, 'attributes'>, string[]> = {
  time: ['time', 'timestamp', '@timestamp', 'ts', 'datetime', 'date', 't', 'eventTime', 'event_time'],
  level: ['level', 'severity', 'lvl', 'levelname', 'log.level', 'loglevel', 'priority'],
  message: ['msg', 'message', '@message', 'text', 'log'],
  service: ['service', 'service.name', 'app', 'application', 'logger', 'component', 'source', 'program', 'name'],
  user: ['user', 'user_id', 'userId', 'username', 'user.name', 'user.id', 'uid', 'actor', 'principal'],
  agent: ['user_agent', 'userAgent', 'agent', 'ua', 'http_user_agent', 'user_agent.original'],
  host: ['host', 'hostname', 'host.name', 'client', 'client_ip', 'remote_addr', 'ip'],
  event: ['event', 'event_type', 'eventType', 'event.action', 'action', 'type', 'eventName', 'operation'],
};
const ROLES = Object.keys(ROLE_KEYS) as (keyof typeof ROLE_KEYS)[];

function text(value: unknown): string | undefined {
  if (value === null || value === undefined || value === '' || value === '-') return undefined;
  if (typeof value === 'object') {
    // `user: {id, name}` and the like: the most telling scalar inside.
    const inner = value as Record<string, unknown>;
    const picked = inner.name ?? inner.id ?? inner.username ?? inner.email;
    return picked === undefined ? JSON.stringify(value) : text(picked);
  }
  return String(value);
}

type Role = (typeof ROLES)[number];
interface RoleKey { role: Role; rank: number }
/** Flat keys, and dotted keys by their head (they match nested objects: `{"log": {"level": …}}`). */
const FLAT_KEYS = new Map<string, RoleKey>();
const NESTED_KEYS = new Map<string, (RoleKey & { tail: string })[]>();
for (const role of ROLES) {
  ROLE_KEYS[role].forEach((key, rank) => {
    FLAT_KEYS.set(key, { role, rank });
    if (key.includes('.')) {
      const [head, tail] = key.split('.', 2) as [string, string];
      NESTED_KEYS.set(head, [...(NESTED_KEYS.get(head) ?? []), { role, rank, tail }]);
    }
  });
}

const present = (value: unknown) => value !== undefined && value !== null && value !== '';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Takes who / what / when out of a flat or nested object; the remaining keys are attributes. One
 * pass over the record's own keys (JSON lines run through here once per line).
 */
export function entryFromFields(fields: Record<string, unknown>): LogEntry {
  const best: Partial<Record<Role, { rank: number; key: string; tail?: string; value: unknown }>> = {};
  for (const key in fields) {
    const value = fields[key];
    const flat = FLAT_KEYS.get(key);
    if (flat && present(value) && (best[flat.role]?.rank ?? Infinity) > flat.rank) best[flat.role] = { rank: flat.rank, key, value };
    const nested = NESTED_KEYS.get(key);
    if (nested && isObject(value)) {
      for (const n of nested) {
        const inner = value[n.tail];
        if (present(inner) && (best[n.role]?.rank ?? Infinity) > n.rank) best[n.role] = { rank: n.rank, key, tail: n.tail, value: inner };
      }
    }
  }
  const taken = new Set<string>();
  const takenInside = new Map<string, Set<string>>();
  const entry: LogEntry = { attributes: {} };
  for (const role of ROLES) {
    const pick = best[role];
    if (!pick) continue;
    if (pick.tail === undefined) taken.add(pick.key);
    else takenInside.set(pick.key, (takenInside.get(pick.key) ?? new Set()).add(pick.tail));
    if (role === 'time') entry.time = pick.value;
    else entry[role] = text(pick.value);
  }
  for (const key in fields) {
    if (taken.has(key)) continue;
    const inside = takenInside.get(key);
    if (!inside) {
      entry.attributes[key] = fields[key];
      continue;
    }
    const rest: Record<string, unknown> = {};
    let kept = 0;
    for (const [k, v] of Object.entries(fields[key] as Record<string, unknown>)) if (!inside.has(k)) { rest[k] = v; kept++; }
    if (kept) entry.attributes[key] = rest;
  }
  return entry;
}

const LEVEL_WORDS: Record<string, string> = {
  trace: 'trace', debug: 'debug', dbg: 'debug', info: 'info', information: 'info', informational: 'info', notice: 'notice',
  warn: 'warn', warning: 'warn', err: 'error', error: 'error', severe: 'error', crit: 'fatal', critical: 'fatal',
  alert: 'fatal', emerg: 'fatal', emergency: 'fatal', fatal: 'fatal', panic: 'fatal',
};

/** Levels in one vocabulary (trace, debug, info, notice, warn, error, fatal); pino/bunyan numbers too. */
export function normaliseLevel(level: string | undefined): string | undefined {
  if (level === undefined) return undefined;
  const word = LEVEL_WORDS[level.trim().toLowerCase()];
  if (word) return word;
  const n = Number(level);
  if (Number.isInteger(n) && n >= 10 && n <= 60) return ['trace', 'debug', 'info', 'warn', 'error', 'fatal'][Math.floor(n / 10) - 1];
  return level.trim().toLowerCase();
}

// --- JSON lines and logfmt -------------------------------------------------------------------

function parseJsonLine(line: string): LogEntry | undefined {
  const trimmed = line.trimStart();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    return entryFromFields(value as Record<string, unknown>);
  } catch {
    return undefined;
  }
}

type LogfmtParse = (line: string) => Record<string, unknown>;

function logfmtParser(parse: LogfmtParse): LineParser {
  return (line) => {
    const fields = parse(line);
    // logfmt turns a bare word into `word=true`: a line without a single key=value pair is not logfmt.
    const pairs = Object.values(fields).filter((v) => v !== true).length;
    if (pairs === 0) return undefined;
    return entryFromFields(fields);
  };
}

// --- syslog ----------------------------------------------------------------------------------

interface SyslogEntry {
  type: 'RFC5424' | 'BSD' | 'UNKNOWN';
  level?: string;
  facility?: string;
  host?: string;
  appName?: string;
  pid?: string;
  messageid?: string;
  message?: string;
  structuredData?: Record<string, string>[];
}
type SyslogParse = (line: string, options: Record<string, boolean>) => SyslogEntry;

const RFC5424_HEAD = /^<(\d{1,3})>\d{1,2} (\S+) /;
const RFC3164_HEAD = /^(?:<(\d{1,3})>)?([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?) /;

function syslogParser(parse: SyslogParse, rfc: '5424' | '3164'): LineParser {
  const head = rfc === '5424' ? RFC5424_HEAD : RFC3164_HEAD;
  return (line) => {
    const m = head.exec(line);
    if (!m) return undefined;
    const parsed = parse(line, { generateTimestamp: false, cef: false, leef: false, fields: false });
    if (parsed.type === 'UNKNOWN') return undefined;
    const attributes: Record<string, unknown> = {};
    if (parsed.facility) attributes.facility = parsed.facility;
    if (parsed.pid && parsed.pid !== '-') attributes.pid = parsed.pid;
    const entry: LogEntry = {
      // The parser reads 3164 times in the machine's zone and the current year: the text is read in time.ts.
      time: m[2],
      level: parsed.level,
      service: text(parsed.appName),
      host: text(parsed.host),
      event: text(parsed.messageid),
      message: parsed.message ?? '',
      attributes,
    };
    // RFC 5424 structured data: who acted is often there.
    for (const element of parsed.structuredData ?? []) {
      const { $id, ...params } = element;
      attributes[$id ?? 'sd'] = params;
      entry.user ??= text(params.user ?? params.userId ?? params.uid ?? params.username);
    }
    return entry;
  };
}

// --- access logs -------------------------------------------------------------------------------

const QUOTED = '"((?:[^"\\\\]|\\\\.)*)"';
const COMMON = new RegExp(`^(\\S+) (\\S+) (\\S+) \\[([^\\]]+)\\] ${QUOTED} (\\d{3}) (\\d+|-)`);
const COMBINED = new RegExp(`${COMMON.source} ${QUOTED} ${QUOTED}`);

function accessParser(combined: boolean): LineParser {
  const pattern = combined ? COMBINED : COMMON;
  return (line) => {
    const m = pattern.exec(line);
    if (!m) return undefined;
    const request = m[5]!;
    const [method, target, protocol] = request.split(' ');
    const status = Number(m[6]);
    const attributes: Record<string, unknown> = { status, bytes: m[7] === '-' ? 0 : Number(m[7]) };
    if (method && target) Object.assign(attributes, { method, path: target, protocol });
    if (m[2] !== '-') attributes.ident = m[2];
    if (combined && m[8] && m[8] !== '-') attributes.referer = m[8];
    return {
      time: m[4],
      level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
      user: text(m[3]),
      agent: combined ? text(m[9]) : undefined,
      host: m[1],
      event: method && target ? `${method} ${target.split('?')[0]}` : undefined,
      message: request,
      attributes,
    };
  };
}

// --- text with a pattern ---------------------------------------------------------------------

/**
 * The usual application log line (log4j, logback, Python logging, Go, Rails...): a timestamp, an
 * optional [thread], a level, an optional logger and the message.
 */
export const DEFAULT_TEXT_PATTERN = String.raw`^\[?(?<time>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:\s?(?:Z|[+-]\d\d:?\d\d))?)\]?\s+(?:\[(?<thread>[^\]]*)\]\s+)?\[?(?<level>TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|SEVERE|FATAL|CRITICAL)\]?\s+(?:(?<service>[\w.$/-]+)\s*(?:-|:)\s+)?(?<message>.*)$`;

export function compilePattern(pattern: string, sourceName: string, option = 'pattern', namedGroups = true): RegExp {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch (cause) {
    throw new HeadwaterError('usage', `Log source '${sourceName}': the '${option}' option is not a valid regular expression: ${(cause as Error).message}`, { source: sourceName }, { cause });
  }
  if (namedGroups && !/\(\?<[A-Za-z_]\w*>/.test(pattern)) {
    throw new HeadwaterError('usage', `Log source '${sourceName}': the 'pattern' option needs named groups, e.g. (?<time>\\S+) (?<level>\\w+) (?<message>.*).`, { source: sourceName });
  }
  return regex;
}

function textParser(regex: RegExp): LineParser {
  return (line) => {
    const m = regex.exec(line);
    if (!m?.groups) return undefined;
    const groups: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(m.groups)) if (value !== undefined) groups[key] = value;
    return entryFromFields(groups);
  };
}

const parseLine: LineParser = (line) => ({ message: line, attributes: {} });

// --- detection -------------------------------------------------------------------------------

export interface Parsers {
  logfmt: LogfmtParse;
  syslog: SyslogParse;
}

/** logfmt and nsyslog-parser, loaded on first use. */
export const loadParsers = lazyModule<Parsers>('logfmt and nsyslog-parser', () => Promise.all([import('logfmt'), import('nsyslog-parser')]).then(([logfmt, syslog]) => ({
  logfmt: ((logfmt as unknown as { default?: { parse: LogfmtParse } }).default ?? (logfmt as unknown as { parse: LogfmtParse })).parse,
  syslog: ((syslog as unknown as { default?: SyslogParse }).default ?? syslog) as SyslogParse,
})));

export function parserFor(format: LogFormat, libraries: Parsers, pattern: RegExp): LineParser {
  switch (format) {
    case 'json': return parseJsonLine;
    case 'logfmt': return logfmtParser(libraries.logfmt);
    case 'syslog-rfc5424': return syslogParser(libraries.syslog, '5424');
    case 'syslog-rfc3164': return syslogParser(libraries.syslog, '3164');
    case 'combined': return accessParser(true);
    case 'common': return accessParser(false);
    case 'text': return textParser(pattern);
    case 'lines': return parseLine;
  }
}

/** Formats tried by detection, most specific first. */
const DETECTION_ORDER: LogFormat[] = ['json', 'syslog-rfc5424', 'syslog-rfc3164', 'combined', 'common', 'text', 'logfmt'];

/** The format most of the first lines parse as; `lines` when none fits at least half of them. */
export function detectFormat(head: string[], libraries: Parsers, pattern: RegExp): LogFormat {
  const lines = head.filter((l) => l.trim() && !isContinuation(l)).slice(0, 50);
  if (lines.length === 0) return 'lines';
  let best: LogFormat = 'lines';
  let bestHits = 0;
  for (const format of DETECTION_ORDER) {
    const parse = parserFor(format, libraries, pattern);
    const hits = lines.reduce((n, l) => n + (parse(l) ? 1 : 0), 0);
    if (hits > bestHits) {
      best = format;
      bestHits = hits;
    }
  }
  return bestHits * 2 >= lines.length ? best : 'lines';
}

/** Stack-trace and wrapped lines belong to the record above them. */
export function isContinuation(line: string): boolean {
  return /^[ \t]+\S/.test(line)
    || /^(Caused by|Suppressed): /.test(line)
    || /^\.\.\. \d+ (more|common frames omitted)/.test(line)
    || /^Traceback \(most recent call last\):/.test(line)
    || /^(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable)(?::|$)/.test(line)
    || /^[A-Z]\w*(?:Error|Exception): /.test(line);
}

/** Formats where a continuation line cannot occur: every line is a record or malformed. */
export function joinsLines(format: LogFormat): boolean {
  return format !== 'combined' && format !== 'common' && format !== 'lines';
}
