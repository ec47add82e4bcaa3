// The ODCS server of a DynamoDB source. ODCS 3.1.0 has no DynamoDB server type: a custom server with
// the region (and the endpoint of a DynamoDB-compatible service), the table, and customProperties
// saying it is DynamoDB. No credentials.
import type { SourceDefinition } from '../../../shared/protocol.js';
import { CONTRACT_TODO as TODO, parsedUrl, type ContractServer } from '../kit/contract.js';

export function dynamoContractServer(definition: SourceDefinition, entity: string): ContractServer {
  const option = (name: string) => (typeof definition.options?.[name] === 'string' && definition.options[name] ? definition.options[name] as string : undefined);
  const url = parsedUrl(definition.url);
  const region = option('region') ?? (url?.hostname || TODO);
  // The origin alone: no user info, path or query of the configured URL reaches the contract.
  const origin = parsedUrl(option('endpoint') ?? url?.searchParams.get('endpoint') ?? undefined)?.origin;
  const table = entity.split('/')[0]!;
  return {
    type: 'custom', environment: TODO, region, ...(origin?.startsWith('http') ? { endpointUrl: origin } : {}), serviceName: 'dynamodb',
    description: `DynamoDB table '${table}' of source '${definition.name}' (ODCS has no dynamodb server type). Credentials come from the AWS credential chain, never from the contract.`,
    customProperties: [{ property: 'serverType', value: 'dynamodb' }, { property: 'table', value: table }],
  };
}
