// The ODCS server of a SPARQL endpoint. ODCS v3.1.0 has no RDF server type: a custom server whose
// customProperties say serverType sparql, the endpoint (origin and path, never credentials) and the
// class read; credentials as references only.
import type { SourceDefinition } from '../../../shared/protocol.js';
import { CONTRACT_TODO as TODO, publicLocation, type ContractServer, type CredentialReference } from '../kit/contract.js';
import { parseEntity } from './entity.js';

export function sparqlContractServer(definition: SourceDefinition, entity: string, login: CredentialReference[]): ContractServer {
  const parsed = parseEntity(entity);
  return {
    type: 'custom', environment: TODO,
    description: `SPARQL endpoint of source '${definition.name}': instances of ${parsed?.classIri ?? entity}${parsed?.triples ? ' as triples' : ', one row per subject'} (ODCS v3.1.0 has no RDF server type). Credentials are not part of the contract.`,
    customProperties: [
      { property: 'serverType', value: 'sparql' },
      { property: 'endpoint', value: publicLocation(definition.url, { 'sparql+http:': 'http:', 'sparql+https:': 'https:' }) ?? TODO },
      { property: 'class', value: parsed?.classIri ?? entity },
      { property: 'shape', value: parsed?.triples ? 'triples' : 'one row per subject' },
      ...login,
    ],
  };
}
