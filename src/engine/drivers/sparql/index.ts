// SPARQL endpoint driver (kind `sparql`): classes (with instance counts) > predicates (with the kinds
// of their objects: IRI, blank node, literal datatypes, language tags; several kinds are a union),
// named graphs; the native schema of a class's wide rows; samples in sample.ts. Only SELECT is sent.
import type { BrowseNode, Field, FieldType, Schema } from '../../../shared/types.js';
import type { Description, Driver, DriverContext, ResolvedSource } from '../driver.js';
import { describeKind, families, listClasses, namedGraphs, predicatesOf, type ObjectKind, type PredicateInfo } from './catalog.js';
import { endpointOf, select } from './client.js';
import { localName, parseEntity, triplesEntity } from './entity.js';
import { TRIPLE_FIELDS } from './rows.js';
import { sampleSparql, unknownClass } from './sample.js';

const XSD = 'http://www.w3.org/2001/XMLSchema#';
const TYPES: Record<string, FieldType> = {
  integer: 'integer', int: 'integer', long: 'integer', short: 'integer', byte: 'integer', nonNegativeInteger: 'integer', positiveInteger: 'integer',
  decimal: 'decimal', double: 'float', float: 'float', boolean: 'boolean', date: 'date', dateTime: 'timestamp', dateTimeStamp: 'timestamptz', time: 'time', string: 'string',
};

const TOOLTIP = [
  '**Reads**: SELECT queries only, one at a time, with the server-side timeout asked for.',
  '**Order**: subject IRI order (ORDER BY ?s), paged with LIMIT/OFFSET.',
  '**Lands as**: one row per subject (a JSON column per predicate), or with triples:<class> one row per triple.',
].join('\n\n');

function kindType(kind: ObjectKind): FieldType {
  if (kind.kind !== 'literal') return 'string';
  if (kind.lang) return 'string';
  return TYPES[(kind.datatype ?? '').replace(XSD, '')] ?? 'string';
}

/** A predicate as a field of the wide row: one kind's type, or a union of its kinds (IRI | xsd:string...). */
function predicateField(p: PredicateInfo, name: string, subjects: number): Field {
  const kinds = p.kinds.map(describeKind);
  const nullable = p.subjects < subjects;
  const multi = p.triples > p.subjects;
  const note = `${p.iri}: ${kinds.join(' | ')}${multi ? ' · several per subject' : ''}`;
  if (families(p).length > 1) {
    const examples = p.kinds.map((k) => `${describeKind(k)} e.g. on ${k.example}`).join('; ');
    return { name, type: 'union', duckType: 'JSON', nativeType: `union: ${note} (${examples})`, nullable, children: p.kinds.map((k) => ({ name: describeKind(k), type: kindType(k), duckType: 'JSON', nativeType: describeKind(k), nullable: true })) };
  }
  return { name, type: kindType(p.kinds[0]!), duckType: 'JSON', nativeType: note, nullable };
}

async function browse(source: ResolvedSource, path: string[], ctx: DriverContext): Promise<BrowseNode[]> {
  const endpoint = endpointOf(source, ctx);
  if (path.length === 0) {
    const [classes, graphs] = [await listClasses(endpoint), await namedGraphs(endpoint)];
    return [
      { id: 'classes', label: 'Classes', kind: 'group', sampleable: false, expandable: true, detail: `${classes.length} class${classes.length === 1 ? '' : 'es'} with instances` },
      { id: 'graphs', label: 'Named graphs', kind: 'group', sampleable: false, expandable: true, detail: `${graphs.length} named graph${graphs.length === 1 ? '' : 's'}` },
    ];
  }
  if (path[0] === 'graphs') {
    return path.length > 1 ? [] : (await namedGraphs(endpoint)).map((g) => ({ id: g.iri, label: g.iri, kind: 'group', sampleable: false, expandable: false, detail: `${g.triples.toLocaleString('en-US')} triples` }));
  }
  if (path[0] !== 'classes' || path.length > 2) return [];
  if (path.length === 1) {
    return (await listClasses(endpoint)).map((c) => ({
      id: c.iri, label: localName(c.iri), kind: 'table', sampleable: true, expandable: true, entity: c.iri, estimatedRows: c.instances,
      detail: `${c.iri} · ${c.instances.toLocaleString('en-US')} instances · as triples: ${triplesEntity(c.iri)}`, tooltip: TOOLTIP,
    }));
  }
  return (await predicatesOf(endpoint, path[1]!)).map((p) => {
    const kinds = p.kinds.map(describeKind).join(' | ');
    return { id: p.iri, label: localName(p.iri), kind: 'column', sampleable: false, expandable: false, detail: `${families(p).length > 1 ? 'union: ' : ''}${kinds} · ${p.iri} · on ${p.subjects.toLocaleString('en-US')} subjects` };
  });
}

const driver: Driver = {
  kind: 'sparql',

  async describe(source, ctx): Promise<Description> {
    try {
      const endpoint = endpointOf(source, ctx);
      const { bindings, server } = await select(endpoint, 'SELECT ?s WHERE { ?s ?p ?o } LIMIT 1', 'a one-triple probe');
      return { reachable: true, ...(server ? { version: server } : {}), detail: [endpoint.client.publicUrl(endpoint.url), bindings.length ? 'answers SELECT' : 'answers SELECT (no triples in the default graph)', 'SPARQL 1.1 protocol, JSON results'].join(' · ') };
    } catch (error) {
      return { reachable: false, detail: error instanceof Error ? error.message : String(error) };
    }
  },

  browse,

  /** The wide row's columns as the predicates' object kinds declare them; a predicate with several kinds is a union. */
  async nativeSchema(source, entity, ctx): Promise<Schema | undefined> {
    const parsed = parseEntity(entity);
    if (!parsed) throw unknownClass(source, entity, 'not an absolute IRI');
    if (parsed.triples) return { fields: TRIPLE_FIELDS.map((f) => ({ ...f })) };
    const endpoint = endpointOf(source, ctx);
    const predicates = await predicatesOf(endpoint, parsed.classIri);
    if (!predicates.length) throw unknownClass(source, entity, 'the endpoint has no instance of this class');
    const subjects = Math.max(...predicates.map((p) => p.subjects));
    const names = new Set(['subject']);
    const fields: Field[] = [{ name: 'subject', type: 'string', duckType: 'VARCHAR', nativeType: 'IRI', nullable: false }];
    for (const p of predicates) {
      let name = localName(p.iri).replace(/[^A-Za-z0-9_]/g, '_') || 'p';
      for (let n = 2; names.has(name); n++) name = `${localName(p.iri)}_${n}`;
      names.add(name);
      fields.push(predicateField(p, name, subjects));
    }
    return { fields };
  },

  sample: sampleSparql,
};

export default driver;
