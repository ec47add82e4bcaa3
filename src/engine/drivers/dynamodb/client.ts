// The DynamoDB client (loaded lazily), the source's location, and SDK errors restated with the source,
// the table and the cause. Credentials go only to the endpoint they were configured with: a custom
// endpoint never gets the ambient AWS credential chain (environment, ~/.aws, instance roles).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadwaterError, redact } from '../../../shared/errors.js';
import type { ResolvedSource } from '../driver.js';
import { awsClientConfig, awsLocation, awsWhere } from '../kit/aws.js';
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

const CREDENTIAL_ERRORS = new Set(['UnrecognizedClientException', 'InvalidSignatureException', 'MissingAuthenticationTokenException', 'MissingAuthenticationToken',
  'ExpiredTokenException', 'InvalidClientTokenId', 'CredentialsProviderError', 'IncompleteSignatureException']);

/** An SDK or network error restated with the source, where it is, what was being done, and the cause. */
export function dynamoError(source: ResolvedSource, what: string, error: unknown, entity?: string): HeadwaterError {
  if (error instanceof HeadwaterError) return error;
  const e = error as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? 'Error';
  const data = { source: source.name, ...(entity ? { entity } : {}) };
  const say = (text: string) => redact(`DynamoDB source '${source.name}' at ${whereOf(source)}: ${text}`, source.secrets);
  const message = (e.message ?? '').split('\n')[0]!;
  const status = e.$metadata?.httpStatusCode;
  // An answer the SDK could not read (an HTML error page, an XML auth error from a compatible server): say what came back, not the parser's words.
  const unreadable = name === 'SyntaxError' || /Deserialization error/.test(e.message ?? '');
  if (unreadable && status === 403) return dynamoError(source, what, Object.assign(new Error('HTTP 403'), { name: 'UnrecognizedClientException' }), entity);
  if (unreadable) {
    return new HeadwaterError('source', say(`${what} failed: the endpoint answered${status ? ` HTTP ${status}` : ''} with a body that is not DynamoDB's JSON (is it a DynamoDB API, and can it serve this item?).`), data, { cause: error });
  }
  if (name === 'AbortError') return new HeadwaterError('cancelled', say(`${what} was cancelled.`), data, { cause: error });
  if (CREDENTIAL_ERRORS.has(name)) {
    return new HeadwaterError('connection', say(`the credentials were refused while ${what} (${name}).`), { ...data, hint: 'Check accessKeyId / secretAccessKey (as ${secret:NAME} or ${env:VAR}), the profile, or the AWS_* environment.' }, { cause: error });
  }
  if (name === 'AccessDeniedException') {
    return new HeadwaterError('connection', say(`access denied while ${what}.`), { ...data, hint: 'The credentials work but lack permission (dynamodb:ListTables, DescribeTable, DescribeTimeToLive, Scan, Query).' }, { cause: error });
  }
  if (name === 'ResourceNotFoundException') return new HeadwaterError('not_found', say(`${what}: ${entity ? `table '${entity.split('/')[0]}' does not exist` : 'not found'} (${message || name}).`), data, { cause: error });
  if (name === 'ValidationException') return new HeadwaterError('usage', say(`${what}: the request was refused: ${message}`), data, { cause: error });
  const network = e.code ?? (/(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH)/.exec(message)?.[1]);
  if (network || name === 'TimeoutError') {
    const why = network === 'ECONNREFUSED' ? 'connection refused (ECONNREFUSED)' : network === 'ENOTFOUND' ? 'host not found (ENOTFOUND)' : `${network ?? name}${message ? `: ${message}` : ''}`;
    return new HeadwaterError('connection', say(`cannot reach the endpoint while ${what}: ${why}.`), data, { cause: error });
  }
  if (['TypeError', 'RangeError', 'ReferenceError'].includes(name)) {
    // A fault of Headwater's, not of the source: the JS text says nothing to the user (the cause keeps it for the log).
    return new HeadwaterError('internal', say(`${what} failed inside Headwater's DynamoDB driver (${name}).`), { ...data, hint: 'Report it with the engine log.' }, { cause: error });
  }
  return new HeadwaterError('source', say(`${what} failed: ${name}${message && message !== name ? `: ${message}` : ''}`), data, { cause: error });
}
