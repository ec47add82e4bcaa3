// Entity names of the sparql kind: a class IRI (its instances, one wide row per subject) or
// `triples:` and a class IRI (the same instances' triples, one row per triple).

export interface ClassEntity {
  classIri: string;
  triples: boolean;
}

const TRIPLES = 'triples:';

export function parseEntity(entity: string): ClassEntity | undefined {
  const triples = entity.startsWith(TRIPLES);
  const iri = (triples ? entity.slice(TRIPLES.length) : entity).trim().replace(/^<(.*)>$/, '$1');
  // An absolute IRI (RFC 3987: a scheme, then no space or character SPARQL's IRIREF forbids).
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|^`\\]*$/.test(iri)) return undefined;
  return { classIri: iri, triples };
}

export function triplesEntity(classIri: string): string {
  return `${TRIPLES}${classIri}`;
}

/** An IRI as SPARQL text; parseEntity already refused the characters IRIREF cannot hold. */
export function iriRef(iri: string): string {
  return `<${iri}>`;
}

/** The last segment of an IRI (after #, / or :), as a column or label name. */
export function localName(iri: string): string {
  const m = /[#/:]([^#/:]+)\/?$/.exec(iri);
  return m ? m[1]! : iri;
}
