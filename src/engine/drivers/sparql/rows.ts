// What a class sample lands as. Wide (the class IRI as entity): one row per subject, `subject` then
// one JSON column per predicate, named after its local name, holding the object (a list when the
// subject has several); columns are added as pages bring new predicates. Triples (`triples:` + IRI):
// one row per triple, subject, predicate, object (IRI or lexical form), object_kind, datatype, lang.
// Literals become JS values by datatype (numbers exact or as text, booleans); IRIs stay text and
// blank nodes read `_:label`.
import type { Field, Provenance } from '../../../shared/types.js';
import type { RecordBatch } from '../driver.js';
import { approxRowBytes } from '../kit/batch-stream.js';
import type { Binding, Term } from './client.js';
import { localName } from './entity.js';

const XSD = 'http://www.w3.org/2001/XMLSchema#';
const INTEGERS = new Set(['integer', 'int', 'long', 'short', 'byte', 'nonNegativeInteger', 'positiveInteger', 'negativeInteger', 'nonPositiveInteger', 'unsignedLong', 'unsignedInt', 'unsignedShort', 'unsignedByte'].map((t) => XSD + t));
const FLOATS = new Set(['double', 'float'].map((t) => XSD + t));

/** An RDF term as a JS value (see the header). */
export function termValue(term: Term): unknown {
  if (term.type === 'uri') return term.value;
  if (term.type === 'bnode') return `_:${term.value}`;
  const dt = term.datatype;
  if (dt && INTEGERS.has(dt) && /^[+-]?\d+$/.test(term.value.trim())) {
    const big = BigInt(term.value.trim());
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  if (dt && (FLOATS.has(dt) || dt === `${XSD}decimal`)) {
    const n = Number(term.value);
    // A decimal that a double cannot hold exactly stays text.
    return Number.isFinite(n) && (dt !== `${XSD}decimal` || String(n) === term.value.trim().replace(/^\+/, '')) ? n : term.value;
  }
  if (dt === `${XSD}boolean`) return term.value === 'true' || term.value === '1';
  return term.value;
}

export const TRIPLE_FIELDS: Field[] = ['subject', 'predicate', 'object', 'object_kind', 'datatype', 'lang'].map((name) => ({ name, type: 'string', duckType: 'VARCHAR', nullable: ['datatype', 'lang'].includes(name) }));

/** Groups a page's ?s ?p ?o bindings by subject, in page order. */
export function bySubject(bindings: Binding[]): Map<string, Binding[]> {
  const out = new Map<string, Binding[]>();
  for (const b of bindings) {
    if (!b.s) continue;
    const key = b.s.type === 'bnode' ? `_:${b.s.value}` : b.s.value;
    const list = out.get(key) ?? [];
    list.push(b);
    out.set(key, list);
  }
  return out;
}

export function tripleBatch(subjects: Map<string, Binding[]>, offset: number): RecordBatch {
  const rows: unknown[][] = [];
  const provenance: Provenance[] = [];
  let index = 0;
  let bytes = 0;
  for (const [subject, list] of subjects) {
    for (const b of list) {
      const o = b.o!;
      const kind = o.type === 'uri' ? 'iri' : o.type === 'bnode' ? 'bnode' : 'literal';
      const row = [subject, b.p?.value ?? null, o.type === 'bnode' ? `_:${o.value}` : o.value, kind, kind === 'literal' ? o.datatype ?? (o['xml:lang'] ? null : `${XSD}string`) : null, o['xml:lang'] ?? null];
      rows.push(row);
      provenance.push({ subject, offset: offset + index });
      bytes += approxRowBytes(row);
    }
    index++;
  }
  return { rows, provenance, bytes };
}

/** Wide rows: a column per predicate, added as predicates appear. */
export class WideShaper {
  readonly fields: Field[] = [{ name: 'subject', type: 'string', duckType: 'VARCHAR', nativeType: 'IRI', nullable: false }];
  private readonly columns = new Map<string, number>();
  private readonly names = new Set(['subject']);

  private columnOf(predicate: string): { index: number; added: boolean } {
    const held = this.columns.get(predicate);
    if (held !== undefined) return { index: held, added: false };
    let name = localName(predicate).replace(/[^A-Za-z0-9_]/g, '_') || 'p';
    for (let n = 2; this.names.has(name); n++) name = `${localName(predicate)}_${n}`;
    this.names.add(name);
    this.fields.push({ name, type: 'json', duckType: 'JSON', nativeType: predicate, nullable: true });
    this.columns.set(predicate, this.fields.length - 1);
    return { index: this.fields.length - 1, added: true };
  }

  batch(subjects: Map<string, Binding[]>, offset: number): RecordBatch {
    let added = false;
    const values: Map<number, unknown[]>[] = [];
    for (const list of subjects.values()) {
      const row = new Map<number, unknown[]>();
      for (const b of list) {
        if (!b.p || !b.o) continue;
        const column = this.columnOf(b.p.value);
        added ||= column.added;
        const held = row.get(column.index) ?? [];
        held.push(termValue(b.o));
        row.set(column.index, held);
      }
      values.push(row);
    }
    const rows: unknown[][] = [];
    const provenance: Provenance[] = [];
    let bytes = 0;
    [...subjects.keys()].forEach((subject, i) => {
      const row: unknown[] = [subject, ...this.fields.slice(1).map((_f, c) => {
        const held = values[i]!.get(c + 1);
        if (held === undefined) return null;
        // JSON columns take JSON text for strings (the landing passes text through as JSON).
        return held.length === 1 ? (typeof held[0] === 'string' ? JSON.stringify(held[0]) : held[0]) : held;
      })];
      rows.push(row);
      provenance.push({ subject, offset: offset + i });
      bytes += approxRowBytes(row);
    });
    return { rows, provenance, bytes, ...(added ? { fields: this.fields.map((f) => ({ ...f })) } : {}) };
  }
}
