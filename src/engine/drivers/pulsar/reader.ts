// Reads partitions through the WebSocket Reader API (/ws/v2/reader): the broker gives each reader a
// non-durable cursor that ends with the socket, so nothing is left on the topic. The reader's acks
// only release its flow control (the WebSocket service stops after receiverQueueSize unacked
// messages); nothing is stored. Each read ends at the last message id known when the sample began
// (or --to), at the limit, on the signal, or after endIdleMs without a message.
import type WebSocket from 'ws';
import { HeadwaterError, networkCause, redact } from '../../../shared/errors.js';
import type { Provenance } from '../../../shared/types.js';
import { lazyModule } from '../kit/lazy.js';
import type { TapSink } from '../../streams/tap.js';
import { compareMessageIds, decodeMessageId, encodeMessageId, formatMessageId, isPast, reaches, startBefore, type MessageId } from './message-id.js';
import { topicPath, type TopicName } from './topics.js';

type WebSocketClass = typeof WebSocket;
const loadWs = lazyModule('ws', async () => {
  const m = await import('ws') as unknown as { WebSocket?: WebSocketClass; default?: WebSocketClass | { WebSocket?: WebSocketClass } };
  const found = m.WebSocket ?? (typeof m.default === 'function' ? m.default : m.default?.WebSocket);
  if (!found) throw new Error("the library does not export 'WebSocket'");
  return found;
});

/** One message as the WebSocket service sends it. */
export interface WsMessage {
  messageId: string;
  payload?: string;
  properties?: Record<string, string>;
  publishTime?: string;
  eventTime?: string;
  key?: string;
  redeliveryCount?: number;
}

export interface PartitionRead {
  topic: TopicName;
  /** -1 for a topic that is not partitioned. */
  partition: number;
  /** The first message to deliver (inclusive), or undefined for the earliest. */
  first?: MessageId;
  /** The last message to deliver (inclusive). */
  last: MessageId;
  /** Publish times after this end the read. */
  toMs?: number;
}

export interface ReaderSettings {
  /** ws(s)://host:port/ of the WebSocket service. */
  base: string;
  token?: string;
  headers: Record<string, string>;
  receiverQueueSize: number;
  endIdleMs: number;
  connectTimeoutMs: number;
  source: { name: string; secrets: string[] };
}

export interface ReadEvents {
  message(read: PartitionRead, message: WsMessage, id: MessageId): void;
  /** The read ended; `idle` when it stopped waiting before reaching its last id. */
  done(read: PartitionRead, idle: boolean): void;
  fail(error: unknown): void;
}

/** Whether the read has anything to deliver at all (an empty topic, or a start past the end). */
export function hasMessages(read: PartitionRead): boolean {
  if (read.last.entry < 0n) return false;
  return !read.first || !isPast(read.first, read.last);
}

function readerUrl(settings: ReaderSettings, read: PartitionRead): string {
  const start = read.first ? encodeMessageId(startBefore(read.first)) : 'earliest';
  const query = new URLSearchParams({ messageId: start, receiverQueueSize: String(settings.receiverQueueSize), readerName: 'headwater' });
  return new URL(`ws/v2/reader/${topicPath(read.topic)}?${query}`, settings.base).href;
}

/** Opens one reader; returns how to close it. */
export async function openReader(settings: ReaderSettings, read: PartitionRead, events: ReadEvents): Promise<() => void> {
  const Ws = await loadWs();
  const url = readerUrl(settings, read);
  const where = redact(url.replace(/\?.*$/, ''), settings.source.secrets);
  const headers: Record<string, string> = { ...settings.headers, 'user-agent': 'headwater' };
  if (settings.token !== undefined) headers.authorization = `Bearer ${settings.token}`;
  const ws = new Ws(url, { headers, handshakeTimeout: settings.connectTimeoutMs, maxPayload: 16 * 1024 * 1024, followRedirects: false });
  let finished = false;
  let idle: NodeJS.Timeout | undefined;
  const finish = (how: 'done' | 'idle' | Error) => {
    if (finished) return;
    finished = true;
    clearTimeout(idle);
    ws.close(1000);
    if (how instanceof Error) events.fail(how);
    else events.done(read, how === 'idle');
  };
  const fail = (message: string, cause?: unknown) => finish(new HeadwaterError('source', redact(`Pulsar source '${settings.source.name}', entity '${read.topic.full}': ${message}`, settings.source.secrets), { source: settings.source.name, entity: read.topic.full }, { cause }));
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => finish('idle'), settings.endIdleMs);
  };
  ws.on('open', armIdle);
  ws.on('message', (data) => {
    if (finished) return;
    armIdle();
    let message: WsMessage;
    let id: MessageId;
    try {
      message = JSON.parse(data.toString()) as WsMessage;
      id = decodeMessageId(message.messageId);
    } catch (error) {
      fail(`the WebSocket service sent something that is not a message (${(error as Error).message})`, error);
      return;
    }
    const past = isPast(id, read.last) || (read.toMs !== undefined && Date.parse(message.publishTime ?? '') > read.toMs);
    if (past) {
      finish('done');
      return;
    }
    // Flow control only: a reader's cursor is not durable, so this acknowledges nothing on the topic.
    ws.send(JSON.stringify({ messageId: message.messageId }));
    if (!read.first || compareMessageIds(id, read.first) >= 0) events.message(read, message, id);
    if (!finished && reaches(id, read.last)) finish('done');
  });
  ws.on('unexpected-response', (_request, response) => {
    let body = '';
    response.on('data', (chunk: Buffer) => { body = (body + chunk.toString('utf8')).slice(0, 2000); });
    response.on('end', () => {
      const reason = body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
      const status = response.statusCode ?? 0;
      const what = status === 401 || status === 403 ? `the WebSocket service refused the ${settings.token !== undefined ? 'token' : 'request (it needs a token)'}` : `the WebSocket service at ${where} answered HTTP ${status}`;
      fail(`${what}${reason ? `: ${reason}` : ''}`);
    });
  });
  ws.on('error', (error) => fail(`the WebSocket service at ${where} cannot be reached: ${networkCause(error)}`, error));
  ws.on('close', (code, reason) => {
    if (!finished) fail(`the WebSocket service closed the reader (code ${code}${reason.length ? `: ${reason.toString('utf8').slice(0, 200)}` : ''}) before its last message`);
  });
  return () => {
    if (finished) return;
    finished = true;
    clearTimeout(idle);
    ws.close(1000);
  };
}

/** A sample row's provenance: the topic and the message id as Pulsar's tools print it. */
export function provenanceOf(read: PartitionRead, id: MessageId): Provenance {
  return { topic: read.topic.full, partition: read.partition, messageId: formatMessageId(id) };
}

/** Runs every read, `parallel` at a time, into the sink; returns how to stop them all. */
export async function readAll(settings: ReaderSettings, reads: PartitionRead[], sink: TapSink, parallel: number, onMessage: ReadEvents['message'], notes: string[]): Promise<() => Promise<void>> {
  const pending = reads.filter(hasMessages);
  const open = new Set<() => void>();
  let running = 0;
  let stopped = false;
  const next = async (): Promise<void> => {
    while (!stopped && running < parallel && pending.length) {
      const read = pending.shift()!;
      running++;
      const opened: { close?: () => void } = {};
      const events: ReadEvents = {
        message: onMessage,
        done(_read, idle) {
          if (idle) notes.push(`${read.topic.full}: no message for ${settings.endIdleMs} ms before its last message id ${formatMessageId(read.last)} (markers or aborted transactions?); its read ended there`);
          if (opened.close) open.delete(opened.close);
          running--;
          if (!pending.length && running === 0) sink.end();
          else void next().catch((error: unknown) => sink.fail(error));
        },
        fail: (error) => sink.fail(error),
      };
      opened.close = await openReader(settings, read, events);
      open.add(opened.close);
    }
  };
  if (!pending.length) sink.end();
  else await next();
  return async () => {
    stopped = true;
    for (const close of open) close();
    open.clear();
  };
}
