// The DynamoDB client (loaded lazily), the source's location, and SDK errors restated with the source,
// the table and the cause. Credentials go only to the endpoint they were configured with: a custom
// endpoint never gets the ambient AWS credential chain (environment, ~/.aws, instance roles).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadwaterError, redact } from '../../../shared/errors.js';
import type { ResolvedSource } from '../driver.js';
import { awsClientConfig, awsError, awsLocation, awsWhere } from '../kit/aws.js';
import { commonJsExports, lazyModule } from '../kit/lazy.js';
import { manifest } from './manifest.js';

export type DynamoModule = typeof import('@aws-sdk/client-dynamodb');
export const loadDynamo = lazyModule<DynamoModule>('@aws-sdk/client-dynamodb', () => import('@aws-sdk/client-dynamodb').then((m) => commonJsExports<DynamoModule>(m, 'DynamoDBClient')));

export interface Location {
  region: string;
  endpoint?: string;
  /** One table the source is limited to. */
  table?: string;
}

/** dynamodb://REGION[/TABLE][?endpoint=URL], with the options taking precedence (the kit's AWS location). */
export function locationOf(source: ResolvedSource): Location {
  const settings = manifest.settings(source);
  const { name, ...where } = awsLocation(source, 'DynamoDB', settings, settings.table);
  return { ...where, ...(name ? { table: name } : {}) };
}

/** Where the source is, for messages: the endpoint (without credentials) or the AWS region. */
export function whereOf(source: ResolvedSource): string {
  return awsWhere(source, locationOf(source));
}

export async function clientFor(source: ResolvedSource): Promise<DynamoDBClient> {
  const { DynamoDBClient } = await loadDynamo();
  const settings = manifest.settings(source);
  const location = locationOf(source);
  return new DynamoDBClient({
    ...awsClientConfig(source, 'DynamoDB', settings, location),
    requestHandler: { connectionTimeout: Math.min(5000, settings.requestTimeoutMs), requestTimeout: settings.requestTimeoutMs },
  });
}

export async function withClient<T>(source: ResolvedSource, use: (client: DynamoDBClient, api: DynamoModule) => Promise<T>): Promise<T> {
  const client = await clientFor(source);
  try {
    return await use(client, await loadDynamo());
  } finally {
    client.destroy();
  }
}

/** An SDK or network error restated with the source, where it is, what was being done, and the cause (the kit's AWS errors). */
export function dynamoError(source: ResolvedSource, what: string, error: unknown, entity?: string): HeadwaterError {
  const e = error as { name?: string; message?: string };
  if (e.name === 'ValidationException') {
    const message = (e.message ?? '').split('\n')[0]!;
    return new HeadwaterError('usage', redact(`DynamoDB source '${source.name}' at ${whereOf(source)}: ${what}: the request was refused: ${message}`, source.secrets), { source: source.name, ...(entity ? { entity } : {}) }, { cause: error });
  }
  return awsError({
    source, title: 'DynamoDB', where: whereOf(source), what, ...(entity ? { entity } : {}),
    notFound: { names: ['ResourceNotFoundException'], noun: entity?.includes('/') ? 'table or index' : 'table' },
    permissions: 'dynamodb:ListTables, DescribeTable, DescribeTimeToLive, Scan, Query',
  }, error);
}
