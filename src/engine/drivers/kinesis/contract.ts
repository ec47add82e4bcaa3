// The ODCS server of a Kinesis source: ODCS 3.1.0 has a kinesis server type (region, format); the
// stream and the endpoint of a Kinesis-compatible service go in customProperties. No credentials.
import type { SourceDefinition } from '../../../shared/protocol.js';
import { CONTRACT_TODO as TODO, parsedUrl, type ContractServer } from '../kit/contract.js';

export function kinesisContractServer(definition: SourceDefinition, entity: string): ContractServer {
  const option = (name: string) => (typeof definition.options?.[name] === 'string' && definition.options[name] ? definition.options[name] as string : undefined);
  const url = parsedUrl(definition.url);
  const region = option('region') ?? (url?.hostname || TODO);
  // The origin alone: no user info, path or query of the configured URL reaches the contract.
  const origin = parsedUrl(option('endpoint') ?? url?.searchParams.get('endpoint') ?? undefined)?.origin;
  const stream = entity.split('/')[0]!;
  return {
    type: 'kinesis', environment: TODO, region, format: 'json',
    description: `Kinesis data stream '${stream}' of source '${definition.name}'. Credentials come from the AWS credential chain, never from the contract.`,
    customProperties: [{ property: 'stream', value: stream }, ...(origin?.startsWith('http') ? [{ property: 'endpointUrl', value: origin }] : [])],
  };
}
