// The Kinesis client (loaded lazily) over HTTP/1: the SDK's default HTTP/2 handler (for
// SubscribeToShard, which Headwater does not use) fails against moto and some proxies. The source's
// location, and SDK errors restated with the source, the stream and the cause (kit/aws.ts).
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { HeadwaterError } from '../../../shared/errors.js';
import type { ResolvedSource } from '../driver.js';
import { awsClientConfig, awsError, awsLocation, awsWhere, type AwsLocation } from '../kit/aws.js';
import { commonJsExports, lazyModule } from '../kit/lazy.js';
import { manifest } from './manifest.js';

export type KinesisModule = typeof import('@aws-sdk/client-kinesis');
type HttpModule = typeof import('@smithy/node-http-handler');
export const loadKinesis = lazyModule<KinesisModule>('@aws-sdk/client-kinesis', () => import('@aws-sdk/client-kinesis').then((m) => commonJsExports<KinesisModule>(m, 'KinesisClient')));
const loadHttp = lazyModule<HttpModule>('@smithy/node-http-handler', () => import('@smithy/node-http-handler').then((m) => commonJsExports<HttpModule>(m, 'NodeHttpHandler')));

export function locationOf(source: ResolvedSource): AwsLocation {
  const settings = manifest.settings(source);
  return awsLocation(source, manifest.title, settings, settings.stream);
}

export function whereOf(source: ResolvedSource): string {
  return awsWhere(source, locationOf(source));
}

export async function clientFor(source: ResolvedSource): Promise<KinesisClient> {
  const [{ KinesisClient }, { NodeHttpHandler }] = await Promise.all([loadKinesis(), loadHttp()]);
  const settings = manifest.settings(source);
  const config = awsClientConfig(source, manifest.title, settings, locationOf(source));
  return new KinesisClient({ ...config, requestHandler: new NodeHttpHandler({ connectionTimeout: Math.min(5000, settings.requestTimeoutMs), requestTimeout: settings.requestTimeoutMs }) });
}

export async function withClient<T>(source: ResolvedSource, use: (client: KinesisClient, api: KinesisModule) => Promise<T>): Promise<T> {
  const client = await clientFor(source);
  try {
    return await use(client, await loadKinesis());
  } finally {
    client.destroy();
  }
}

/** An SDK or network error restated with the source, where it is, what was being done and the cause. */
export function kinesisError(source: ResolvedSource, what: string, error: unknown, entity?: string): HeadwaterError {
  return awsError({
    source, title: 'Kinesis', where: whereOf(source), what, ...(entity ? { entity } : {}),
    notFound: { names: ['ResourceNotFoundException'], noun: entity?.includes('/') ? 'stream or shard' : 'stream' },
    permissions: 'kinesis:ListStreams, DescribeStreamSummary, ListShards, GetShardIterator, GetRecords',
  }, error);
}
