// The ODCS server of a Neo4j source. ODCS v3.1.0 has no graph server type: a custom server whose
// customProperties say serverType neo4j, the Bolt location (origin only, never credentials), the
// database, and the label or relationship type read; credentials as references only.
import type { SourceDefinition } from '../../../shared/protocol.js';
import { CONTRACT_TODO as TODO, publicLocation, type ContractServer, type CredentialReference } from '../kit/contract.js';
import { parseEntity } from './entity.js';

export function neo4jContractServer(definition: SourceDefinition, entity: string, login: CredentialReference[]): ContractServer {
  const parsed = parseEntity(entity);
  const database = typeof definition.database === 'string' ? definition.database : 'default';
  const what = !parsed ? entity : parsed.kind === 'nodes' ? (parsed.name ? `nodes labelled :${parsed.name}` : 'all nodes') : parsed.name ? `relationships of type :${parsed.name}` : 'all relationships';
  return {
    type: 'custom', environment: TODO,
    description: `Neo4j ${what} of source '${definition.name}' (ODCS v3.1.0 has no graph server type). Credentials are not part of the contract: customProperties user and password name the environment variables that hold them.`,
    customProperties: [
      { property: 'serverType', value: 'neo4j' },
      { property: 'location', value: publicLocation(definition.url) ?? TODO },
      { property: 'database', value: database },
      { property: 'entity', value: entity },
      ...(parsed?.name ? [{ property: parsed.kind === 'nodes' ? 'label' : 'relationshipType', value: parsed.name }] : []),
      ...login,
    ],
  };
}
