// The ODCS server of an SQS source. ODCS 3.1.0 has no SQS server type: a custom server with the
// region (and the endpoint of an SQS-compatible service), the queue, and customProperties saying it is
// SQS and which kind of queue (a FIFO queue's name ends in .fifo). No credentials.
import type { SourceDefinition } from '../../../shared/protocol.js';
import { CONTRACT_TODO as TODO, parsedUrl, type ContractServer } from '../kit/contract.js';

export function sqsContractServer(definition: SourceDefinition, entity: string): ContractServer {
  const option = (name: string) => (typeof definition.options?.[name] === 'string' && definition.options[name] ? definition.options[name] as string : undefined);
  const url = parsedUrl(definition.url);
  const region = option('region') ?? (url?.hostname || TODO);
  // The origin alone: no user info, path or query of the configured URL reaches the contract.
  const origin = parsedUrl(option('endpoint') ?? url?.searchParams.get('endpoint') ?? undefined)?.origin;
  const fifo = entity.endsWith('.fifo');
  return {
    type: 'custom', environment: TODO, region, ...(origin?.startsWith('http') ? { endpointUrl: origin } : {}), serviceName: 'sqs',
    description: `SQS ${fifo ? 'FIFO' : 'standard'} queue '${entity}' of source '${definition.name}' (ODCS has no sqs server type). Credentials come from the AWS credential chain, never from the contract.`,
    customProperties: [{ property: 'serverType', value: 'sqs' }, { property: 'queue', value: entity }, { property: 'queueType', value: fifo ? 'fifo' : 'standard' }],
  };
}
