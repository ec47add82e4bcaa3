// A peek at an SQS queue: ReceiveMessage with a visibility timeout of 0 (each message is visible
// again at once) and never a DeleteMessage or ChangeMessageVisibility, so every message stays where it
// was. It is not free: each receive raises the receive count of what it returns, and once a count
// reaches the redrive policy's maxReceiveCount the next receive moves the message to the dead-letter
// queue. So a peek whose receives could get there is refused with the numbers (unless --yes), and
// one that sees a count close to it stops. A message returned again (VT 0 makes that likely) lands
// once; FIFO messages land in the order SQS delivers them, which keeps each group's order.
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { HeadwaterError } from '../../../shared/errors.js';
import type { Field, Provenance } from '../../../shared/types.js';
import type { DriverContext, RecordBatch, ResolvedSource } from '../driver.js';
import { decodePayload, PAYLOAD_FIELDS, payloadCells } from '../../streams/payload.js';
import { pause } from '../kit/pause.js';
import type { SqsModule } from './client.js';
import type { QueueInfo } from './queues.js';

/** Messages one receive returns at most (SQS's limit). */
const PER_RECEIVE = 10;
/** Receives in a row that bring nothing new before a peek ends (one may miss messages: SQS samples its servers). */
const IDLE_RECEIVES = 2;

export const MESSAGE_FIELDS: Field[] = [
  { name: 'message_id', type: 'string', duckType: 'VARCHAR', nullable: false },
  { name: 'group_id', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'sequence_number', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'deduplication_id', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'receive_count', type: 'integer', duckType: 'INTEGER', nullable: false },
  { name: 'sent_at', type: 'timestamptz', duckType: 'TIMESTAMPTZ', nullable: true },
  { name: 'first_received_at', type: 'timestamptz', duckType: 'TIMESTAMPTZ', nullable: true },
  { name: 'message_attributes', type: 'json', duckType: 'JSON', nullable: true },
  ...PAYLOAD_FIELDS,
];

export interface PeekPlan {
  /** Receive calls at most: each may return a message again and raise its count once more. */
  receives: number;
  pauseMs: number;
  waitSeconds: number;
}

/** The receives a peek of `limit` messages needs at most: enough for what the queue holds (or the limit), and one to see nothing new. */
export function planPeek(limit: number, queue: QueueInfo, settings: { maxReceives: number; receivesPerSecond: number; waitSeconds: number }): PeekPlan {
  const held = queue.visible + queue.inFlight + queue.delayed;
  const needed = Math.ceil(Math.min(limit, Math.max(1, held)) / PER_RECEIVE) + IDLE_RECEIVES - 1;
  return { receives: Math.max(1, Math.min(settings.maxReceives, needed)), pauseMs: 1000 / settings.receivesPerSecond, waitSeconds: settings.waitSeconds };
}

/** The refusal of a peek whose receives could raise a message's receive count to maxReceiveCount; undefined when it cannot. */
export function riskyPeek(source: ResolvedSource, queue: QueueInfo, plan: PeekPlan, limit: number): HeadwaterError | undefined {
  const redrive = queue.redrive;
  if (!redrive || plan.receives < redrive.maxReceiveCount) return undefined;
  return new HeadwaterError('usage', [
    `SQS source '${source.name}', queue '${queue.name}': a peek of up to ${limit} messages makes up to ${plan.receives} receives,`,
    `and with a visibility timeout of 0 each may return the same message, raising its receive count by up to ${plan.receives};`,
    `the queue moves a message to its dead-letter queue '${redrive.deadLetterQueue}' once its receive count reaches maxReceiveCount ${redrive.maxReceiveCount}`,
    `(${queue.visible} visible, ${queue.inFlight} in flight now; messages consumers already received are closer still). Refused: the peek could move messages.`,
  ].join(' '), {
    source: source.name, entity: queue.name,
    hint: `Lower --limit or options.maxReceives below ${redrive.maxReceiveCount} (${plan.receives} now), or pass --yes to peek anyway.`,
  });
}

export interface PeekRead {
  client: SQSClient;
  api: SqsModule;
  source: ResolvedSource;
  queue: QueueInfo;
  plan: PeekPlan;
  limit: number;
  /** --yes: go on even when a receive count gets close to maxReceiveCount. */
  confirmed: boolean;
  ctx: DriverContext;
  notes: string[];
}

const time = (millis: string | undefined): Date | null => (millis && Number.isFinite(Number(millis)) ? new Date(Number(millis)) : null);

function messageRow(queue: string, m: Message): { row: unknown[]; provenance: Provenance; bytes: number; receiveCount: number } {
  const a = m.Attributes ?? {};
  const receiveCount = Number(a.ApproximateReceiveCount ?? 0);
  const payload = decodePayload(m.Body ?? null);
  const attributes = m.MessageAttributes && Object.keys(m.MessageAttributes).length
    ? JSON.stringify(Object.fromEntries(Object.entries(m.MessageAttributes).map(([k, v]) => [k, v.StringValue ?? (v.BinaryValue ? Buffer.from(v.BinaryValue).toString('base64') : null)])))
    : null;
  const provenance: Provenance = {
    queue, messageId: m.MessageId ?? '', receiveCount,
    ...(a.MessageGroupId ? { groupId: a.MessageGroupId } : {}),
    ...(a.SequenceNumber ? { sequenceNumber: a.SequenceNumber } : {}),
  };
  const row = [m.MessageId ?? '', a.MessageGroupId ?? null, a.SequenceNumber ?? null, a.MessageDeduplicationId ?? null, receiveCount,
    time(a.SentTimestamp), time(a.ApproximateFirstReceiveTimestamp), attributes, ...payloadCells(payload)];
  return { row, provenance, bytes: payload.bytes + (m.MessageId?.length ?? 0), receiveCount };
}

interface Seen {
  ids: Set<string>;
  groups: Map<string, number>;
  /** The highest receive count a receive returned, and whose it was. */
  highest: { count: number; id: string };
  receives: number;
}

/** Why the peek must not receive again (a count close to maxReceiveCount), or undefined. */
function closeToRedrive(read: PeekRead, seen: Seen): string | undefined {
  const max = read.queue.redrive?.maxReceiveCount;
  if (!max || read.confirmed || seen.highest.count + 1 < max) return undefined;
  return `stopped after ${seen.receives} receives: message ${seen.highest.id} has receive count ${seen.highest.count}, and one more receive would bring it to maxReceiveCount ${max} (pass --yes to go on)`;
}

export async function* peekBatches(read: PeekRead): AsyncGenerator<RecordBatch> {
  const { client, api, queue, plan, ctx, notes } = read;
  const seen: Seen = { ids: new Set(), groups: new Map(), highest: { count: 0, id: '' }, receives: 0 };
  let idle = 0;
  let stopped: string | undefined;
  try {
    while (seen.ids.size < read.limit && seen.receives < plan.receives && !ctx.signal.aborted) {
      if (seen.receives > 0) {
        stopped = closeToRedrive(read, seen);
        if (stopped) break;
        await pause(plan.pauseMs, ctx.signal);
        if (ctx.signal.aborted) break;
      }
      const answer = await client.send(new api.ReceiveMessageCommand({
        QueueUrl: queue.url, MaxNumberOfMessages: Math.min(PER_RECEIVE, read.limit - seen.ids.size), VisibilityTimeout: 0, WaitTimeSeconds: plan.waitSeconds,
        MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'],
      }), { abortSignal: ctx.signal });
      seen.receives++;
      const batch: RecordBatch = { rows: [], provenance: [], bytes: 0 };
      for (const m of answer.Messages ?? []) {
        const { row, provenance, bytes, receiveCount } = messageRow(queue.name, m);
        if (receiveCount > seen.highest.count) seen.highest = { count: receiveCount, id: m.MessageId ?? '?' };
        if (!m.MessageId || seen.ids.has(m.MessageId) || seen.ids.size >= read.limit) continue;
        seen.ids.add(m.MessageId);
        const group = m.Attributes?.MessageGroupId;
        if (group) seen.groups.set(group, (seen.groups.get(group) ?? 0) + 1);
        batch.rows.push(row);
        batch.provenance.push(provenance);
        batch.bytes += bytes;
      }
      idle = batch.rows.length ? 0 : idle + 1;
      if (batch.rows.length) yield batch;
      if (idle >= IDLE_RECEIVES || seen.ids.size >= queue.visible + queue.delayed + queue.inFlight) break;
    }
  } catch (error) {
    if (!ctx.signal.aborted) throw error;
  } finally {
    notes.push(...peekReport(read, seen, stopped));
  }
}

/** What the peek did to the queue and what it could not see, for the sample's notes. */
function peekReport(read: PeekRead, seen: Seen, stopped: string | undefined): string[] {
  const { queue } = read;
  const out = [`${seen.receives} receives (visibility timeout 0, nothing deleted), ${seen.ids.size} distinct messages; each message returned had its receive count raised once per receive that returned it (highest now ${seen.highest.count})`];
  if (stopped) out.push(stopped);
  const max = queue.redrive?.maxReceiveCount;
  if (max && seen.highest.count >= max) {
    out.push(`warning: message ${seen.highest.id} has receive count ${seen.highest.count}, at maxReceiveCount ${max}: its next receive moves it to '${queue.redrive!.deadLetterQueue}'`);
  }
  if (queue.fifo) {
    const groups = [...seen.groups].map(([g, n]) => `${g} (${n})`).join(', ');
    out.push(`FIFO: ${seen.groups.size} message groups delivered, in group order: ${groups || 'none'}`);
    const unseen = queue.visible - seen.ids.size;
    if (queue.inFlight > 0 && unseen > 0 && seen.ids.size < read.limit) {
      out.push(`FIFO: groups blocked by in-flight messages: ${queue.inFlight} messages are in flight, and ${unseen} visible messages were not delivered; a group with a message in flight delivers nothing until it is deleted or visible again (SQS names no group, so they cannot be listed; a receive also returns only the head of each group)`);
    }
  }
  return out;
}
