// What GetQueueAttributes says about a queue, in the shape the driver uses: type, approximate counts,
// visibility timeout, retention, deduplication and the redrive policy with its dead-letter queue;
// and the tree's detail and tooltip for it. Attributes only: nothing here receives a message.
import type { SQSClient } from '@aws-sdk/client-sqs';
import { formatAge } from '../../streams/semantics.js';
import type { SqsModule } from './client.js';

export interface Redrive {
  deadLetterArn: string;
  deadLetterQueue: string;
  maxReceiveCount: number;
}

export interface QueueInfo {
  name: string;
  url: string;
  fifo: boolean;
  visible: number;
  inFlight: number;
  delayed: number;
  visibilityTimeoutSeconds: number;
  retentionSeconds: number;
  delaySeconds: number;
  contentBasedDeduplication: boolean;
  /** FIFO high throughput: messageGroup / queue. */
  deduplicationScope?: string;
  redrive?: Redrive;
  /** Queues allowed to use this one as their dead-letter queue (RedriveAllowPolicy). */
  redriveAllow?: string;
}

/** The queue name of a queue URL (its last path segment). */
export function queueName(url: string): string {
  return decodeURIComponent(url.replace(/\/+$/, '').split('/').pop() ?? url);
}

const int = (value: string | undefined, fallback = 0): number => {
  const n = Number(value);
  return Number.isFinite(n) ? n : fallback;
};

function redriveOf(text: string | undefined): Redrive | undefined {
  if (!text) return undefined;
  try {
    const policy = JSON.parse(text) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    const arn = typeof policy.deadLetterTargetArn === 'string' ? policy.deadLetterTargetArn : '';
    const max = Number(policy.maxReceiveCount);
    if (!arn || !Number.isFinite(max)) return undefined;
    return { deadLetterArn: arn, deadLetterQueue: arn.split(':').pop() ?? arn, maxReceiveCount: max };
  } catch {
    return undefined;
  }
}

export function queueInfo(url: string, attributes: Record<string, string | undefined>): QueueInfo {
  const name = queueName(url);
  const redrive = redriveOf(attributes.RedrivePolicy);
  let redriveAllow: string | undefined;
  try {
    redriveAllow = attributes.RedriveAllowPolicy ? (JSON.parse(attributes.RedriveAllowPolicy) as { redrivePermission?: string }).redrivePermission : undefined;
  } catch {
    redriveAllow = undefined;
  }
  return {
    name, url,
    fifo: attributes.FifoQueue === 'true' || name.endsWith('.fifo'),
    visible: int(attributes.ApproximateNumberOfMessages),
    inFlight: int(attributes.ApproximateNumberOfMessagesNotVisible),
    delayed: int(attributes.ApproximateNumberOfMessagesDelayed),
    visibilityTimeoutSeconds: int(attributes.VisibilityTimeout, 30),
    retentionSeconds: int(attributes.MessageRetentionPeriod, 345_600),
    delaySeconds: int(attributes.DelaySeconds),
    contentBasedDeduplication: attributes.ContentBasedDeduplication === 'true',
    ...(attributes.DeduplicationScope ? { deduplicationScope: attributes.DeduplicationScope } : {}),
    ...(redrive ? { redrive } : {}),
    ...(redriveAllow ? { redriveAllow } : {}),
  };
}

export async function describeQueue(client: SQSClient, api: SqsModule, url: string, signal?: AbortSignal): Promise<QueueInfo> {
  const answer = await client.send(new api.GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }), signal ? { abortSignal: signal } : {});
  return queueInfo(url, answer.Attributes ?? {});
}

/** The URL of a queue by name; QueueDoesNotExist when there is none. */
export async function queueUrl(client: SQSClient, api: SqsModule, name: string, signal?: AbortSignal): Promise<string> {
  const answer = await client.send(new api.GetQueueUrlCommand({ QueueName: name }), signal ? { abortSignal: signal } : {});
  if (!answer.QueueUrl) throw Object.assign(new Error(`no URL for queue ${name}`), { name: 'QueueDoesNotExist' });
  return answer.QueueUrl;
}

export function queueDetail(q: QueueInfo): string {
  const parts = [
    q.fifo ? 'FIFO' : 'standard',
    `${q.visible} visible, ${q.inFlight} in flight, ${q.delayed} delayed (approximate)`,
    `visibility ${formatAge(q.visibilityTimeoutSeconds * 1000)}`,
    `retention ${formatAge(q.retentionSeconds * 1000)}`,
  ];
  if (q.fifo) parts.push(q.contentBasedDeduplication ? 'content-based dedup' : 'dedup by id');
  if (q.redrive) parts.push(`DLQ ${q.redrive.deadLetterQueue} after ${q.redrive.maxReceiveCount} receives`);
  return parts.join(', ');
}

const STANDARD = [
  '**Model:** queue (a message is gone once a consumer deletes it)',
  '**Ordering:** best effort: messages may arrive in another order than sent',
  '**Delivery:** at least once: a message may be delivered twice; consumers must be idempotent',
];
const FIFO = [
  '**Model:** FIFO queue (a message is gone once a consumer deletes it)',
  '**Ordering:** strict within a message group; a group waits while one of its messages is in flight',
  '**Delivery:** exactly once within the 5-minute deduplication window (by deduplication id or, with content-based deduplication, a SHA-256 of the body)',
];

export function queueTooltip(q: QueueInfo): string {
  return [
    ...(q.fifo ? FIFO : STANDARD),
    `**Retention:** ${formatAge(q.retentionSeconds * 1000)}; no replay: a deleted message is gone`,
    `**Visibility timeout:** ${formatAge(q.visibilityTimeoutSeconds * 1000)} (a received message is hidden this long unless deleted)`,
    q.redrive
      ? `**Redrive:** after ${q.redrive.maxReceiveCount} receives a message moves to \`${q.redrive.deadLetterQueue}\``
      : '**Redrive:** none (a message that keeps failing stays until retention ends)',
    '**Peek:** `--peek` receives with a visibility timeout of 0 and never deletes, but every receive raises the message\'s receive count (refused when that could reach maxReceiveCount, unless `--yes`).',
  ].join('  \n');
}
