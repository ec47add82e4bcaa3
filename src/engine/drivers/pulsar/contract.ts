// The ODCS server of a Pulsar source. ODCS v3.1.0 has no pulsar server type: a custom server whose
// customProperties say serverType pulsar, the web service (origin only, no credentials) and the
// topic, and how it authenticates (never the token).
import type { SourceDefinition } from '../../../shared/protocol.js';
import { CONTRACT_TODO as TODO, publicLocation, type ContractServer } from '../kit/contract.js';
import { topicName } from './topics.js';

export function pulsarContractServer(definition: SourceDefinition, entity: string): ContractServer {
  let topic: string;
  try {
    topic = topicName(entity).full;
  } catch {
    topic = entity;
  }
  const token = typeof definition.token === 'string';
  return {
    type: 'custom', environment: TODO,
    description: `Pulsar topic ${topic} of source '${definition.name}' (ODCS v3.1.0 has no pulsar server type). ${token ? 'It authenticates with a token, which is not part of the contract.' : 'Credentials are not part of the contract.'}`,
    customProperties: [
      { property: 'serverType', value: 'pulsar' },
      { property: 'webServiceUrl', value: publicLocation(definition.url) ?? TODO },
      { property: 'topic', value: topic },
      { property: 'authentication', value: token ? 'token' : 'none' },
    ],
  };
}
