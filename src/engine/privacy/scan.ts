// Detection per field over record batches: per top-level column, how many values are (or hold) each
// sensitive class, with a few masked examples and where they came from. Memory is bounded by columns
// and classes, never by records. Nested values are searched as their JSON text.
import type { PrivacyClass, PrivacyExample, PrivacyFinding } from '../../shared/privacy.js';
import type { Provenance } from '../../shared/types.js';
import type { BatchProvenance } from '../inference/observe.js';
import { count, percent } from '../inference/words.js';
import { classByName, classesInText, classifyValue, isBirthDate, isPaymentCard, isPersonNameShape, isStreetAddressShape, mayBeSensitive } from './detectors.js';
import { maskText, maskValue, valueText } from './transform.js';

const EXAMPLES = 3;
const EXAMPLE_CHARS = 80;

interface ClassCount {
  whole: number;
  text: number;
  examples: PrivacyExample[];
}

interface ColumnScan {
  /** Non-null values scanned. */
  values: number;
  byName: ReturnType<typeof classByName>;
  classes: Map<PrivacyClass, ClassCount>;
  /** Set once the policy transforms the column whatever it holds: from then on its values are only counted for the report. */
  settled: boolean;
  /** Non-null values seen, scanned or not. */
  seen: number;
}

/** A settled column is scanned in full up to this many values, then one value in SETTLED_STRIDE (its shares are then estimates over the values scanned). */
const SETTLED_FULL = 10_000;
const SETTLED_STRIDE = 32;

const NOUN: Record<PrivacyClass, string> = {
  'email': 'an email', 'phone': 'a phone number', 'payment-card': 'a payment card number', 'iban': 'an IBAN', 'us-ssn': 'a US SSN',
  'ip-address': 'an IP address', 'date-of-birth': 'a date of birth', 'street-address': 'a street address', 'person-name': "a person's name",
  'secret': 'a secret (credential or token)',
};

/** The class a value of a column with name evidence has, when its shape agrees. */
function namedClass(byName: ColumnScan['byName'], value: unknown): PrivacyClass | undefined {
  if (byName === 'date-of-birth') return isBirthDate(value) ? byName : undefined;
  if (typeof value !== 'string') return undefined;
  if (byName === 'street-address') return isStreetAddressShape(value) ? byName : undefined;
  if (byName === 'person-name') return isPersonNameShape(value) ? byName : undefined;
  return undefined;
}

/** What one value is (`whole`) or holds (`text`). */
export function classifyAny(value: unknown, byName: ColumnScan['byName']): { whole?: PrivacyClass; text?: PrivacyClass[] } {
  const named = byName ? namedClass(byName, value) : undefined;
  if (named) return { whole: named };
  if (typeof value === 'string') {
    if (!mayBeSensitive(value)) return NOTHING;
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
    if (!mayBeSensitive(value)) return;
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

export class PrivacyScanner {
  private readonly columns = new Map<string, ColumnScan>();
  rows = 0;

  observeRows(columns: readonly string[], rows: readonly (readonly unknown[])[], provenance: BatchProvenance): void {
    const scans = columns.map((name) => this.column(name));
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      for (let c = 0; c < scans.length; c++) {
        const value = row[c];
        if (value === null || value === undefined) continue;
        const scan = scans[c]!;
        // Detection decides what lands raw, so unsettled columns are scanned in full; a settled
        // column lands transformed anyway and is only sampled for its figures.
        if (scan.settled && scan.seen++ >= SETTLED_FULL && scan.seen % SETTLED_STRIDE !== 0) continue;
        scan.values++;
        const found = classifyAny(value, scan.byName);
        if (found.whole) this.count(scan, found.whole, 'whole', value, () => provenanceAt(provenance, r));
        if (found.text) for (const cls of found.text) this.count(scan, cls, 'text', value, () => provenanceAt(provenance, r));
      }
    }
    this.rows += rows.length;
  }

  /** The policy transforms `column` from now on, whatever it holds (see SETTLED_FULL). */
  settle(column: string): void {
    const scan = this.column(column);
    if (!scan.settled) {
      scan.settled = true;
      scan.seen = scan.values;
    }
  }

  /** Classes found so far in a column. */
  classesOf(column: string): PrivacyClass[] {
    return [...(this.columns.get(column)?.classes.keys() ?? [])];
  }

  /** True when the column's findings are mostly inside free text rather than whole values. */
  isFreeText(column: string): boolean {
    let whole = 0;
    let text = 0;
    for (const c of this.columns.get(column)?.classes.values() ?? []) {
      whole += c.whole;
      text += c.text;
    }
    return text > whole;
  }

  findings(): PrivacyFinding[] {
    const out: PrivacyFinding[] = [];
    for (const [field, scan] of this.columns) {
      for (const [cls, c] of scan.classes) {
        const within = c.whole >= c.text ? 'whole' : 'text';
        const n = c.whole + c.text;
        const share = scan.values ? n / scan.values : 0;
        out.push({
          field, class: cls, count: n, values: scan.values, share, within,
          confidence: confidenceOf(share, n, within, scan.byName === cls),
          examples: c.examples,
          summary: `${percent(share)} of \`${field}\` values ${within === 'whole' ? 'are' : 'hold'} ${NOUN[cls]} (${count(n)} of ${count(scan.values)})`,
        });
      }
    }
    return out.sort((a, b) => b.share - a.share || a.field.localeCompare(b.field));
  }

  private column(name: string): ColumnScan {
    let scan = this.columns.get(name);
    if (!scan) {
      scan = { values: 0, byName: classByName(name), classes: new Map(), settled: false, seen: 0 };
      this.columns.set(name, scan);
    }
    return scan;
  }

  private count(scan: ColumnScan, cls: PrivacyClass, within: 'whole' | 'text', value: unknown, provenance: () => Provenance): void {
    let c = scan.classes.get(cls);
    if (!c) {
      c = { whole: 0, text: 0, examples: [] };
      scan.classes.set(cls, c);
    }
    c[within]++;
    if (c.examples.length < EXAMPLES) {
      const text = valueText(value);
      const masked = within === 'whole' ? maskValue(text) : maskText(text);
      c.examples.push({ provenance: provenance(), masked: masked.length > EXAMPLE_CHARS ? `${masked.slice(0, EXAMPLE_CHARS)}…` : masked });
    }
  }
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
