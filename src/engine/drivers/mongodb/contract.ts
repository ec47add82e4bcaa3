// The ODCS server of a MongoDB source. ODCS v3.1.0 has no mongodb server type: a custom server whose
// customProperties say serverType mongodb, the hosts (from the connection string, without
// credentials), database and collection, and where the credentials come from (references only).
import type { SourceDefinition } from '../../../shared/protocol.js';
import { CONTRACT_TODO as TODO, type ContractServer, type CredentialReference } from '../kit/contract.js';

export function mongodbContractServer(definition: SourceDefinition, entity: string, login: CredentialReference[]): ContractServer {
  const url = definition.url ?? '';
  const hosts = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]*)/i.exec(url)?.[1] || TODO;
  const dot = entity.indexOf('.');
  const database = dot > 0 ? entity.slice(0, dot) : typeof definition.database === 'string' ? definition.database : TODO;
  const collection = dot > 0 ? entity.slice(dot + 1) : entity;
  return {
    type: 'custom', environment: TODO,
    description: `MongoDB collection ${database}.${collection} of source '${definition.name}' (ODCS v3.1.0 has no mongodb server type). Credentials are not part of the contract: customProperties user and password name the environment variables that hold them.`,
    customProperties: [
      { property: 'serverType', value: 'mongodb' },
      { property: 'scheme', value: /^mongodb\+srv:/i.test(url) ? 'mongodb+srv' : 'mongodb' },
      { property: 'hosts', value: hosts }, { property: 'database', value: database }, { property: 'collection', value: collection },
      ...login,
    ],
  };
}
