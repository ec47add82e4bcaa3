// The privacy gate every sample lands through. Records arrive in batches: each batch is scanned
// before it lands, the columns a class was detected in get their action from the policy, and the
// batch lands transformed. A column's action, once taken, holds for every later batch (and only
// grows stricter); values of earlier batches were not detected as sensitive and landed as they were.
// Rows DuckDB lands itself are scanned from a first read of the select, then landed through the
// same transforms written as SQL.
import { PRIVACY_ACTIONS, type PrivacyClass, type PrivacyColumn, type PrivacyFinding, type SamplePrivacy } from '../../shared/privacy.js';
import type { Field } from '../../shared/types.js';
import type { BatchProvenance } from '../inference/observe.js';
import { quoteIdent } from '../workspace/sql.js';
import { isInside, keysBelow, normalizePath, samePath } from '../../shared/privacy-path.js';
import { appliedPolicy, decideColumn, enclosingRule, hashes, needsDetection, nestedRules, ruleFor, stricter, suggestion, unmatchedRules, type PolicyLayers } from './policy.js';
import { nestedApplier, nestedLandedType, nestedSql, type NestedTransform } from './nested.js';
import { TEXT_PATTERNS } from './detectors.js';
import { PrivacyScanner } from './scan.js';
import { requireKey, transformer, transformOf, transformSql, type ColumnTransform } from './transform.js';

/** Classes maskText replaces wherever they appear. */
const SPAN_CLASSES = new Set<PrivacyClass>(TEXT_PATTERNS.map((p) => p.class));

interface Decided {
  column: PrivacyColumn;
  transform: ColumnTransform;
  apply: (value: unknown) => unknown;
}

/** A field inside a column's nested values that the policy transforms. */
interface NestedDecided {
  column: PrivacyColumn;
  keys: string[];
  transform: ColumnTransform;
}

/** A column's nested decisions, by normalized path, with the function applying them all. */
interface NestedColumn {
  paths: Map<string, NestedDecided>;
  apply: (value: unknown) => unknown;
}

export class PrivacyGate {
  private readonly scanner = new PrivacyScanner();
  private readonly decided = new Map<string, Decided>();
  /** Columns with fields inside them transformed (never a column decided whole: that covers them). */
  private readonly nested = new Map<string, NestedColumn>();
  /** Every column seen, for rules that name none of them. */
  private readonly columns = new Set<string>();
  /** Set by landUnseen: the findings come from the landed rows. */
  private unseen = false;

  constructor(private readonly layers: PolicyLayers, private readonly key: string | undefined) {
    // A policy that hashes needs its key before any row lands.
    if (hashes(layers)) requireKey(key);
  }

  /** Decides the columns that rules name before any value is seen (so their first rows land transformed too). */
  start(fields: readonly Field[]): boolean {
    let changed = false;
    for (const field of fields) {
      this.columns.add(field.name);
      changed = this.decide(field.name) || changed;
    }
    return changed;
  }

  /** Scans a batch about to land; true when a column's action changed (its landed type may change). */
  scan(columns: readonly string[], rows: readonly (readonly unknown[])[], provenance: BatchProvenance): boolean {
    this.scanner.observeRows(columns, rows, provenance);
    let changed = false;
    for (const column of columns) {
      this.columns.add(column);
      changed = this.decide(column) || changed;
    }
    return changed;
  }

  /**
   * For a read that runs once (a pipe), nothing can be scanned before it lands: under a policy that
   * needs detection, every text column no rule decides gets the span mask (sensitive spans only).
   */
  landUnseen(fields: readonly Field[]): void {
    if (!needsDetection(this.layers)) return;
    for (const f of fields) {
      if (this.decided.has(f.name) || !/^(VARCHAR|TEXT|JSON)/i.test(f.duckType)) continue;
      const column: PrivacyColumn = { field: f.name, action: 'mask', reason: 'read in one pass (a pipe), so not scanned before landing: its sensitive spans are masked' };
      this.decided.set(f.name, { column, transform: { action: 'mask-text' }, apply: transformer({ action: 'mask-text' }, this.key) });
      // The column's span mask covers the fields inside it (nothing of this read is parsed before landing).
      this.nested.delete(f.name);
      this.scanner.settle(f.name);
    }
    this.unseen = true;
  }

  /** Scans rows that already landed (a read that ran once), for the report only: nothing is decided from them. */
  scanLanded(columns: readonly string[], rows: readonly (readonly unknown[])[], provenance: BatchProvenance): void {
    this.scanner.observeRows(columns, rows, provenance);
    for (const column of columns) this.columns.add(column);
  }

  /**
   * The batch as it lands: transformed columns replaced in place, column by column (the rows are the
   * landing's own, never read raw again, and a copy of every row cost as much as the transforms).
   */
  apply(columns: readonly string[], rows: unknown[][]): unknown[][] {
    for (let c = 0; c < columns.length; c++) {
      const apply = this.decided.get(columns[c]!)?.apply ?? this.nested.get(columns[c]!)?.apply;
      if (!apply) continue;
      for (const row of rows) row[c] = apply(row[c]);
    }
    return rows;
  }

  /** The fields as landed: a masked or hashed column holds text; one with fields inside it transformed, JSON (or text). */
  landedFields(fields: readonly Field[]): Field[] {
    return fields.map((f) => {
      const decided = this.decided.get(f.name);
      if (decided) return decided.column.action !== 'drop' ? { ...f, type: 'string', duckType: 'VARCHAR' } : { ...f };
      return this.nested.has(f.name) ? { ...f, ...nestedLandedType(f.duckType) } : { ...f };
    });
  }

  /** `select` (the fields in order, then whatever else it yields) with the decided transforms applied in SQL. */
  wrapSelect(select: string, fields: readonly Field[]): string {
    if (!this.transforms) return select;
    const aliases = fields.map((_, i) => `hw_c${i}`);
    const exprs = fields.map((f, i) => {
      const decided = this.decided.get(f.name);
      const ref = quoteIdent(aliases[i]!);
      const nested = this.nested.get(f.name);
      if (decided) return transformSql(decided.transform, ref, f.duckType, this.key);
      return nested ? nestedSql(ref, f.duckType, [...nested.paths.values()], this.key) : ref;
    });
    return `SELECT ${exprs.join(', ')}, * EXCLUDE (${aliases.map(quoteIdent).join(', ')}) FROM (${select}) AS hw_privacy(${aliases.map(quoteIdent).join(', ')})`;
  }

  /** Rows scanned so far. */
  get scanned(): number {
    return this.scanner.rows;
  }

  get transforms(): boolean {
    return this.decided.size > 0 || this.nested.size > 0;
  }

  /** What the catalog records: the policy, the findings, the columns transformed and the warnings. */
  result(): SamplePrivacy {
    const findings = this.scanner.findings();
    return {
      policy: appliedPolicy(this.layers),
      scanned: this.scanner.rows,
      findings,
      // A nested field a rule names but no value of the sample held transformed nothing.
      columns: [...this.decided.values()].map((d) => d.column).concat([...this.nested.values()].flatMap((n) => [...n.paths.values()].filter((d) => this.scanner.seen(d.column.field)).map((d) => d.column))),
      warnings: this.warnings(findings),
    };
  }

  private warnings(findings: PrivacyFinding[]): string[] {
    const out: string[] = unmatchedRules(this.layers, [...this.columns]).map((rule) => `the privacy rule ${rule} of source '${this.layers.source}' names no column of this sample, no field inside one and no detected class`);
    for (const column of this.columns) {
      if (this.decided.has(column)) continue;
      for (const { item } of nestedRules(this.layers, column)) {
        if (!this.scanner.seen(item) && [...PRIVACY_ACTIONS].some((a) => this.layers.own?.[a]?.includes(item))) out.push(`the privacy rule naming ${item} of source '${this.layers.source}' names no field inside \`${column}\` of this sample (paths are case-sensitive: user.email, items[].card)`);
      }
    }
    for (const finding of findings) {
      const decided = this.coveredBy(finding.field);
      // A span-masked column of a one-pass read still holds what no span pattern masks (phones, names...).
      if (decided && !(this.unseen && decided.transform.action === 'mask-text' && !SPAN_CLASSES.has(finding.class))) continue;
      // A keep on an enclosing field (`keep: [payload]`) covers what is inside it.
      if (enclosingRule(this.layers, finding.field)?.action === 'keep') continue;
      const { uncovered, column } = decideColumn(finding.field, [finding.class], this.layers);
      if (uncovered.includes(finding.class)) out.push(`${finding.summary}, landed as it is; to mask it, add ${suggestion(this.layers, finding.field, finding.class)}`);
      else if (column && this.unseen) out.push(`${finding.summary}, landed as it is: this read (a pipe) lands in one pass, so the policy's ${column.reason} could not apply before landing; name the column in a rule (${column.action}: [${finding.field}]) to transform it on such reads`);
    }
    return out;
  }

  /** The decision that transforms the field at `path`: its column's, its own, or an enclosing field's. */
  private coveredBy(path: string): Decided | NestedDecided | undefined {
    const whole = this.decided.get(path);
    if (whole) return whole;
    for (const [column, nested] of this.nested) {
      if (!keysBelow(path, column)) continue;
      for (const [at, decided] of nested.paths) if (samePath(at, path) || isInside(path, at)) return decided;
    }
    for (const [column, decided] of this.decided) if (keysBelow(path, column)) return decided;
    return undefined;
  }

  private decide(column: string): boolean {
    const changed = this.decideWhole(column);
    // A column decided whole (or kept whole by a rule) covers every field inside it.
    if (this.decided.has(column) || ruleFor(this.layers, column) === 'keep') return changed;
    return this.decideNested(column) || changed;
  }

  private decideWhole(column: string): boolean {
    const before = this.decided.get(column);
    const next = stricter(before?.column, decideColumn(column, this.scanner.classesOf(column), this.layers).column);
    if (!next || next === before?.column) return false;
    const transform = transformOf(next, this.scanner.isFreeText(column));
    this.decided.set(column, { column: next, transform, apply: transformer(transform, this.key) });
    this.nested.delete(column);
    // Masked text still masks every pattern and a masked, hashed or dropped value hides whatever it held.
    this.scanner.settle(column);
    return true;
  }

  /** Fields inside the column that rules name or a class was detected in, the outermost first (a transformed field covers what it holds). */
  private decideNested(column: string): boolean {
    const candidates = [...nestedRules(this.layers, column).map((r) => r.item), ...this.scanner.nestedWithClasses(column)]
      .sort((a, b) => normalizePath(a).length - normalizePath(b).length);
    const nested = this.nested.get(column) ?? { paths: new Map<string, NestedDecided>(), apply: (v: unknown) => v };
    let changed = false;
    for (const path of candidates) {
      const at = normalizePath(path);
      const keys = keysBelow(path, column);
      if (!keys || [...nested.paths.keys()].some((p) => isInside(at, p))) continue;
      if (enclosingRule(this.layers, path)?.action === 'keep') continue;
      const before = nested.paths.get(at);
      const next = stricter(before?.column, decideColumn(path, this.scanner.classesOf(path), this.layers).column);
      if (!next || next === before?.column) continue;
      // Named as the data names it (`items[].card`) once seen, else as the rule wrote it.
      nested.paths.set(at, { column: { ...next, field: this.scanner.pathAs(path) }, keys, transform: transformOf(next, this.scanner.isFreeText(path)) });
      for (const inner of [...nested.paths.keys()]) if (isInside(inner, at)) nested.paths.delete(inner);
      this.scanner.settle(path, true);
      changed = true;
    }
    if (!changed) return false;
    nested.apply = nestedApplier([...nested.paths.values()] as NestedTransform[], this.key);
    this.nested.set(column, nested);
    return true;
  }
}
