// What the endpoint says about its data, by SELECT: classes with instance counts, each class's
// predicates with the kinds of their objects (IRI, blank node, literal of a datatype or language),
// and named graphs with their triple counts.
import { iriRef } from './entity.js';
import { num, select, type Endpoint } from './client.js';

const XSD = 'http://www.w3.org/2001/XMLSchema#';
const RDF_LANG_STRING = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#langString';

export interface ClassInfo {
  iri: string;
  instances: number;
}

/** One kind of object a predicate has: "IRI", "blank node", "literal xsd:integer", "literal @en". */
export interface ObjectKind {
  kind: 'iri' | 'bnode' | 'literal';
  datatype?: string;
  lang?: string;
  triples: number;
  /** A subject whose object is of this kind. */
  example: string;
}

export interface PredicateInfo {
  iri: string;
  kinds: ObjectKind[];
  /** Subjects of the class that have it (of how many). */
  subjects: number;
  triples: number;
}

export async function listClasses(endpoint: Endpoint): Promise<ClassInfo[]> {
  const { bindings } = await select(endpoint, `SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n) ?class LIMIT ${endpoint.settings.maxClasses}`, 'the classes (?s a ?class)');
  return bindings.filter((b) => b.class?.type === 'uri').map((b) => ({ iri: b.class!.value, instances: num(b.n) }));
}

export async function classCount(endpoint: Endpoint, classIri: string, where?: string): Promise<number> {
  const { bindings } = await select(endpoint, `SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ${iriRef(classIri)} .${where ? ` ${where}` : ''} }`, `the instance count of ${classIri}`);
  return num(bindings[0]?.n);
}

export async function namedGraphs(endpoint: Endpoint): Promise<{ iri: string; triples: number }[]> {
  const { bindings } = await select(endpoint, 'SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g LIMIT 1000', 'the named graphs');
  return bindings.filter((b) => b.g).map((b) => ({ iri: b.g!.value, triples: num(b.n) }));
}

/** The predicates of a class's instances, each with its object kinds (one aggregate query). */
export async function predicatesOf(endpoint: Endpoint, classIri: string): Promise<PredicateInfo[]> {
  const query = `SELECT ?p ?kind ?dt ?lang (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?subjects) (SAMPLE(?s) AS ?example) WHERE {
  ?s a ${iriRef(classIri)} . ?s ?p ?o .
  BIND(IF(isIRI(?o), "iri", IF(isBlank(?o), "bnode", "literal")) AS ?kind)
  BIND(IF(isLiteral(?o), STR(DATATYPE(?o)), "") AS ?dt)
  BIND(IF(isLiteral(?o), LANG(?o), "") AS ?lang)
} GROUP BY ?p ?kind ?dt ?lang ORDER BY ?p ?kind ?dt ?lang`;
  const { bindings } = await select(endpoint, query, `the predicates of ${classIri}`);
  const byIri = new Map<string, PredicateInfo>();
  for (const b of bindings) {
    if (!b.p) continue;
    const info = byIri.get(b.p.value) ?? { iri: b.p.value, kinds: [], subjects: 0, triples: 0 };
    byIri.set(b.p.value, info);
    const kind = (b.kind?.value ?? 'literal') as ObjectKind['kind'];
    const lang = b.lang?.value || undefined;
    const datatype = b.dt?.value && !(lang && b.dt.value === RDF_LANG_STRING) ? b.dt.value : undefined;
    info.kinds.push({ kind, ...(datatype ? { datatype } : {}), ...(lang ? { lang } : {}), triples: num(b.n), example: b.example?.value ?? '' });
    info.triples += num(b.n);
    // Subjects per kind overlap; the largest is a floor of the predicate's subjects.
    info.subjects = Math.max(info.subjects, num(b.subjects));
  }
  return [...byIri.values()];
}

/** "IRI", "blank node", "xsd:integer", "string @en". */
export function describeKind(kind: ObjectKind): string {
  if (kind.kind === 'iri') return 'IRI';
  if (kind.kind === 'bnode') return 'blank node';
  if (kind.lang) return `string @${kind.lang}`;
  return kind.datatype ? kind.datatype.replace(XSD, 'xsd:') : 'literal';
}

/** The families of a predicate's objects: IRIs, blank nodes, and literals by datatype; more than one is a union. */
export function families(p: PredicateInfo): string[] {
  return [...new Set(p.kinds.map((k) => (k.kind === 'literal' ? (k.lang ? 'string' : k.datatype ?? 'literal') : k.kind)))];
}
