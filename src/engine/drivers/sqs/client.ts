// The SQS client (loaded lazily), the source's location, and SDK errors restated with the source, the
// queue and the cause (kit/aws.ts).
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { HeadwaterError } from '../../../shared/errors.js';
import type { ResolvedSource } from '../driver.js';
import { awsClientConfig, awsError, awsLocation, awsWhere, type AwsLocation } from '../kit/aws.js';
import { commonJsExports, lazyModule } from '../kit/lazy.js';
import { manifest } from './manifest.js';

export type SqsModule = typeof import('@aws-sdk/client-sqs');
export const loadSqs = lazyModule<SqsModule>('@aws-sdk/client-sqs', () => import('@aws-sdk/client-sqs').then((m) => commonJsExports<SqsModule>(m, 'SQSClient')));

export function locationOf(source: ResolvedSource): AwsLocation {
  const settings = manifest.settings(source);
  return awsLocation(source, manifest.title, settings, settings.queue);
}

export function whereOf(source: ResolvedSource): string {
  return awsWhere(source, locationOf(source));
}

export async function clientFor(source: ResolvedSource): Promise<SQSClient> {
  const { SQSClient } = await loadSqs();
  const settings = manifest.settings(source);
  const config = awsClientConfig(source, manifest.title, settings, locationOf(source));
  return new SQSClient({ ...config, requestHandler: { connectionTimeout: Math.min(5000, settings.requestTimeoutMs), requestTimeout: settings.requestTimeoutMs + settings.waitSeconds * 1000 } });
}

export async function withClient<T>(source: ResolvedSource, use: (client: SQSClient, api: SqsModule) => Promise<T>): Promise<T> {
  const client = await clientFor(source);
  try {
    return await use(client, await loadSqs());
  } finally {
    client.destroy();
  }
}

const NOT_FOUND = ['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'NonExistentQueue', 'QueueDeletedRecently'];

/** An SDK or network error restated with the source, where it is, what was being done and the cause. */
export function sqsError(source: ResolvedSource, what: string, error: unknown, entity?: string): HeadwaterError {
  return awsError({
    source, title: 'SQS', where: whereOf(source), what, ...(entity ? { entity } : {}),
    notFound: { names: NOT_FOUND, noun: 'queue' },
    permissions: 'sqs:ListQueues, GetQueueUrl, GetQueueAttributes, ListDeadLetterSourceQueues, and ReceiveMessage for --peek',
  }, error);
}
