// Detection per field over record batches: per column and per key inside nested values (`user.email`,
// `items[].card`), how many values are (or hold) each sensitive class, with a few masked examples and
// where they came from. Memory is bounded by fields and classes, never by records. JSON text (a JSON
// column read as text) is searched key by key.
import type { PrivacyClass, PrivacyExample, PrivacyFinding } from '../../shared/privacy.js';
import type { Provenance } from '../../shared/types.js';
import type { BatchProvenance } from '../inference/observe.js';
import { count, percent } from '../inference/words.js';
import { classByName, classesInText, classifyValue, isBirthDate, isPaymentCard, isPersonNameShape, isStreetAddressShape, mayBeSensitive } from './detectors.js';
import { maskText, maskValue, valueText } from './transform.js';
import { normalizePath } from '../../shared/privacy-path.js';

const EXAMPLES = 3;
const EXAMPLE_CHARS = 80;

interface ClassCount {
  whole: number;
  text: number;
  examples: PrivacyExample[];
}

/**
 * One field: a top-level column, or a key inside its nested values (`user.email`, `items[].card`).
 * Leaves inside an array count as held in the field's value (`text`): the field's whole value is the list.
 */
interface PathScan {
  /** As findings name it: `user.email`, `items[].card`. */
  path: string;
  /** Non-null values scanned. */
  values: number;
  byName: ReturnType<typeof classByName>;
  classes: Map<PrivacyClass, ClassCount>;
  /** Set once the policy transforms the field whatever it holds: from then on its values are only counted for the report. */
  settled: boolean;
  /** Non-null values seen, scanned or not. */
  seen: number;
  /** Keys seen inside its values (objects), created as they first appear. */
  children?: Map<string, PathScan>;
  /** The column's tree: its count of fields bounds the tree. */
  root: { paths: number };
}

/** Fields tracked inside one column; leaves under keys beyond them count in their nearest tracked field. */
const PATHS_PER_COLUMN = 512;

/** A settled column is scanned in full up to this many values, then one value in SETTLED_STRIDE (its shares are then estimates over the values scanned). */
const SETTLED_FULL = 10_000;
const SETTLED_STRIDE = 32;

const NOUN: Record<PrivacyClass, string> = {
  'email': 'an email', 'phone': 'a phone number', 'payment-card': 'a payment card number', 'iban': 'an IBAN', 'us-ssn': 'a US SSN',
  'ip-address': 'an IP address', 'date-of-birth': 'a date of birth', 'street-address': 'a street address', 'person-name': "a person's name",
  'secret': 'a secret (credential or token)',
};

/** The class a value of a column with name evidence has, when its shape agrees. */
function namedClass(byName: PathScan['byName'], value: unknown): PrivacyClass | undefined {
  if (byName === 'date-of-birth') return isBirthDate(value) ? byName : undefined;
  if (typeof value !== 'string') return undefined;
  if (byName === 'street-address') return isStreetAddressShape(value) ? byName : undefined;
  if (byName === 'person-name') return isPersonNameShape(value) ? byName : undefined;
  return undefined;
}

/** What one value is (`whole`) or holds (`text`). */
export function classifyAny(value: unknown, byName: PathScan['byName']): { whole?: PrivacyClass; text?: PrivacyClass[] } {
  const named = byName ? namedClass(byName, value) : undefined;
  if (named) return { whole: named };
  if (typeof value === 'string') {
    if (!mayBeSensitive(value) || isIsoDateTime(value)) return NOTHING;
    const whole = classifyValue(value);
    if (whole) return { whole };
    const text = classesInText(value);
    return text.length ? { text } : NOTHING;
  }
  if (typeof value === 'number' || typeof value === 'bigint') return isCardNumber(value) ? { whole: 'payment-card' } : NOTHING;
  if (typeof value === 'object' && value !== null && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    const text: PrivacyClass[] = [];
    nestedClasses(value, text, { leaves: NESTED_LEAVES }, 0);
    return text.length ? { text } : NOTHING;
  }
  return NOTHING;
}

const NOTHING: { whole?: PrivacyClass; text?: PrivacyClass[] } = Object.freeze({});

/**
 * An ISO-8601 date-time (`2023-11-14T22:13:20.000Z`): its digits pass mayBeSensitive, yet no
 * detector can match it (no `@`, no letters but T and Z, digit runs of at most four, and the T
 * breaks the phone and card shapes), so one regex spares the whole detector chain for every time
 * value of a document store (about 0.6 µs a value). privacy-detectors.test.ts checks the claim.
 * Name evidence (a birth date) is looked at before this.
 */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/;
export function isIsoDateTime(text: string): boolean {
  return text.length >= 16 && text.length <= 35 && text.charCodeAt(10) === 84 && ISO_DATE_TIME.test(text);
}
/** Leaves and depth of one nested value that are searched. */
const NESTED_LEAVES = 256;
const NESTED_DEPTH = 16;

/** Card numbers stored as integers (13 digits or more). */
function isCardNumber(value: number | bigint): boolean {
  if (typeof value === 'number' && !(Number.isSafeInteger(value) && value >= 1e12)) return false;
  const digits = value.toString();
  return digits.length >= 13 && isPaymentCard(digits);
}

function addOnce(found: PrivacyClass[], cls: PrivacyClass): void {
  if (!found.includes(cls)) found.push(cls);
}

/** The classes the leaves of a nested value are or hold, a bounded number of leaves deep. */
function nestedClasses(value: unknown, found: PrivacyClass[], budget: { leaves: number }, depth: number): void {
  if (budget.leaves <= 0 || depth > NESTED_DEPTH || value === null || value === undefined) return;
  if (typeof value === 'string') {
    budget.leaves--;
    if (!mayBeSensitive(value) || isIsoDateTime(value)) return;
    const whole = classifyValue(value);
    if (whole) addOnce(found, whole);
    else for (const cls of classesInText(value)) addOnce(found, cls);
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    budget.leaves--;
    if (isCardNumber(value)) addOnce(found, 'payment-card');
  } else if (Array.isArray(value)) {
    for (const item of value) nestedClasses(item, found, budget, depth + 1);
  } else if (typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    // for-in, not Object.values: no array per object (this runs on every nested value landed).
    for (const name in value) if (Object.hasOwn(value, name)) nestedClasses((value as Record<string, unknown>)[name], found, budget, depth + 1);
  }
}

/** Text that is a JSON object or array (a JSON column read as text): searched key by key. */
function parsedJson(text: string): unknown {
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  // '{' … '}' or '[' … ']'
  if (!((first === 123 && last === 125) || (first === 91 && last === 93))) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export class PrivacyScanner {
  private readonly columns = new Map<string, PathScan>();
  /** Nested fields settled before they were seen (a rule names them). */
  private readonly settledPaths = new Set<string>();
  rows = 0;

  observeRows(columns: readonly string[], rows: readonly (readonly unknown[])[], provenance: BatchProvenance): void {
    const scans = columns.map((name) => this.column(name));
    this.provenance = provenance;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      this.row = r;
      for (let c = 0; c < scans.length; c++) {
        const value = row[c];
        if (value === null || value === undefined) continue;
        this.leaves = NESTED_LEAVES;
        let json: unknown;
        // The first character is tested here: a call per text value costs more than the test.
        if (typeof value === 'string' && (value.charCodeAt(0) === 123 || value.charCodeAt(0) === 91) && (json = parsedJson(value)) !== undefined) this.observe(scans[c]!, json, value, false, 0);
        else this.observe(scans[c]!, value, value, false, 0);
      }
    }
    this.provenance = undefined;
    this.rows += rows.length;
  }

  // The row being scanned and the leaves its value may still have searched: fields, not arguments or
  // closures, so that nothing is allocated per value (this runs on every value landed).
  private provenance: BatchProvenance | undefined;
  private row = 0;
  private leaves = 0;

  /**
   * One value of a field: a leaf is classified, an object's keys are fields of their own, an array's
   * items are held in this field. `shown` is what an example shows (the column's value, for a column).
   */
  private observe(scan: PathScan, value: unknown, shown: unknown, inArray: boolean, depth: number): void {
    if (value === null || value === undefined || this.leaves <= 0 || depth > NESTED_DEPTH) return;
    if (!inArray) {
      // Detection decides what lands raw, so unsettled fields are scanned in full; a settled field
      // lands transformed anyway and is only sampled for its figures.
      if (scan.settled && scan.seen++ >= SETTLED_FULL && scan.seen % SETTLED_STRIDE !== 0) return;
      scan.values++;
    }
    if (Array.isArray(value)) {
      for (const item of value) this.observe(scan, item, item, true, depth + 1);
    } else if (typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array)) {
      // for-in, not Object.entries: no array per object.
      for (const name in value) {
        if (!Object.hasOwn(value, name)) continue;
        const item = (value as Record<string, unknown>)[name];
        const child = this.child(scan, name, inArray);
        this.observe(child ?? scan, item, item, child ? false : true, depth + 1);
      }
    } else {
      this.leaves--;
      const found = classifyAny(value, scan.byName);
      if (found.whole) this.count(scan, found.whole, inArray ? 'text' : 'whole', shown);
      if (found.text) for (const cls of found.text) this.count(scan, cls, 'text', shown);
    }
  }

  /** The field of key `name` inside `scan`'s values; undefined once the column tracks as many fields as it may. */
  private child(scan: PathScan, name: string, inArray: boolean): PathScan | undefined {
    let child = scan.children?.get(name);
    if (child) return child;
    if (scan.root.paths >= PATHS_PER_COLUMN) return undefined;
    scan.root.paths++;
    const path = `${scan.path}${inArray ? '[]' : ''}.${name}`;
    child = { path, values: 0, byName: classByName(name), classes: new Map(), settled: this.settledPaths.size > 0 && this.settledPaths.has(normalizePath(path)), seen: 0, root: scan.root };
    (scan.children ??= new Map()).set(name, child);
    return child;
  }

  /** The policy transforms the field at `path` (a column or a nested path) from now on, whatever it holds (see SETTLED_FULL). */
  settle(path: string, nested = false): void {
    const scan = nested ? this.find(path) : this.column(path);
    if (!scan) {
      // Settled when it first shows up.
      this.settledPaths.add(normalizePath(path));
      return;
    }
    if (!scan.settled) {
      scan.settled = true;
      scan.seen = scan.values;
    }
  }

  /** Whether a value of the sample held the field at `path` (a column, or a key inside one). */
  seen(path: string): boolean {
    return this.find(path) !== undefined;
  }

  /** The path as the data names it (`items[].card` for `items.card`), once seen. */
  pathAs(path: string): string {
    return this.find(path)?.path ?? path;
  }

  /** Classes found so far in a field (a column's own values, or a nested path's). */
  classesOf(path: string): PrivacyClass[] {
    return [...(this.find(path)?.classes.keys() ?? [])];
  }

  /** The nested fields of a column a class was found in, as paths (`user.email`). */
  nestedWithClasses(column: string): string[] {
    const out: string[] = [];
    const walk = (scan: PathScan) => {
      for (const child of scan.children?.values() ?? []) {
        if (child.classes.size) out.push(child.path);
        walk(child);
      }
    };
    const root = this.columns.get(column);
    if (root) walk(root);
    return out;
  }

  /** True when the field's findings are mostly inside free text (or list items) rather than whole values. */
  isFreeText(path: string): boolean {
    let whole = 0;
    let text = 0;
    for (const c of this.find(path)?.classes.values() ?? []) {
      whole += c.whole;
      text += c.text;
    }
    return text > whole;
  }

  findings(): PrivacyFinding[] {
    const out: PrivacyFinding[] = [];
    const walk = (scan: PathScan) => {
      for (const [cls, c] of scan.classes) out.push(findingOf(scan, cls, c));
      for (const child of scan.children?.values() ?? []) walk(child);
    };
    for (const scan of this.columns.values()) walk(scan);
    return out.sort((a, b) => b.share - a.share || a.field.localeCompare(b.field));
  }

  /** The field at a path as findings name it: a column, or a nested path below one. */
  private find(path: string): PathScan | undefined {
    const column = this.columns.get(path);
    if (column) return column;
    for (const [name, root] of this.columns) {
      if (!root.children || !path.startsWith(name) || (path[name.length] !== '.' && path[name.length] !== '[')) continue;
      const found = findBelow(root, path);
      if (found) return found;
    }
    return undefined;
  }

  private column(name: string): PathScan {
    let scan = this.columns.get(name);
    if (!scan) {
      scan = { path: name, values: 0, byName: classByName(name), classes: new Map(), settled: false, seen: 0, root: { paths: 0 } };
      this.columns.set(name, scan);
    }
    return scan;
  }

  private count(scan: PathScan, cls: PrivacyClass, within: 'whole' | 'text', value: unknown): void {
    let c = scan.classes.get(cls);
    if (!c) {
      c = { whole: 0, text: 0, examples: [] };
      scan.classes.set(cls, c);
    }
    c[within]++;
    if (c.examples.length < EXAMPLES) {
      const text = valueText(value);
      const masked = within === 'whole' ? maskValue(text) : maskText(text);
      c.examples.push({ provenance: this.provenance ? provenanceAt(this.provenance, this.row) : {}, masked: masked.length > EXAMPLE_CHARS ? `${masked.slice(0, EXAMPLE_CHARS)}…` : masked });
    }
  }
}

/** The field below `scan` whose path is `path` (array markers aside, `[]` or `[*]` or none). */
function findBelow(scan: PathScan, path: string): PathScan | undefined {
  const want = normalizePath(path);
  const stack = [...(scan.children?.values() ?? [])];
  while (stack.length) {
    const each = stack.pop()!;
    const have = normalizePath(each.path);
    if (have === want) return each;
    if (want.startsWith(have) && want[have.length] === '.') stack.push(...(each.children?.values() ?? []));
  }
  return undefined;
}

function findingOf(scan: PathScan, cls: PrivacyClass, c: ClassCount): PrivacyFinding {
  const within = c.whole >= c.text ? 'whole' : 'text';
  const n = c.whole + c.text;
  const share = scan.values ? n / scan.values : 0;
  return {
    field: scan.path, class: cls, count: n, values: scan.values, share, within,
    confidence: confidenceOf(share, n, within, scan.byName === cls),
    examples: c.examples,
    summary: `${percent(share)} of \`${scan.path}\` values ${within === 'whole' ? 'are' : 'hold'} ${NOUN[cls]} (${count(n)} of ${count(scan.values)})`,
  };
}

function provenanceAt(provenance: BatchProvenance, index: number): Provenance {
  return typeof provenance === 'function' ? provenance(index) : provenance[index] ?? {};
}

/** High when most values agree and there are enough of them; text findings and name-only evidence stay below high until common. */
export function confidenceOf(share: number, n: number, within: 'whole' | 'text', byName: boolean): PrivacyFinding['confidence'] {
  if (n >= 30 && share >= 0.5 && (within === 'whole' || byName || share >= 0.8)) return 'high';
  if (n >= 3 || share >= 0.2) return 'medium';
  return 'low';
}
