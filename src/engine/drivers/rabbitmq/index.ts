// RabbitMQ driver (kind `rabbitmq`, amqplib): vhost > exchanges and queues (type, depth, consumers)
// > bindings, listed through the management plugin's HTTP API (management.ts). Sampling never takes
// someone else's message: an exchange is sampled by a tap (a server-named, exclusive, auto-delete
// queue bound to it for a time window, gone when the connection closes); a queue's existing messages
// are read only with `peek`, which requeues them marked redelivered; streams (x-queue-type: stream)
// replay from first, last, an offset or a time, and stream reads remove nothing.
import type { Channel, ChannelModel, ConsumeMessage, GetMessage } from 'amqplib';
import { HeadwaterError, redact } from '../../../shared/errors.js';
import { formatBytes } from '../../../shared/format.js';
import type { BrowseNode, Field, Provenance } from '../../../shared/types.js';
import type { Description, Driver, DriverContext, DriverSampleOptions, ResolvedSource, SampleStream } from '../driver.js';
import { decodePayload, headersJson, PAYLOAD_FIELDS, payloadCells } from '../../streams/payload.js';
import { formatAge, semanticsTooltip, type StreamSemantics } from '../../streams/semantics.js';
import { tapBatches, type TapSink } from '../../streams/tap.js';
import { withMember } from '../../streams/interop.js';
import { lazyModule } from '../kit/lazy.js';
import { amqpTarget, Management, type QueueInfo } from './management.js';
import { manifest } from './manifest.js';

const DEFAULT_WINDOW_S = 5;
/** A stream replay ends when nothing more arrives for this long (the stream's end). */
const STREAM_IDLE_END_MS = 1500;
const EXCHANGES = '#exchanges';
const QUEUES = '#queues';

const FIELDS: Field[] = [
  { name: 'exchange', type: 'string', duckType: 'VARCHAR', nullable: false },
  { name: 'routing_key', type: 'string', duckType: 'VARCHAR', nullable: false },
  { name: 'redelivered', type: 'boolean', duckType: 'BOOLEAN', nullable: false },
  { name: 'stream_offset', type: 'integer', duckType: 'BIGINT', nullable: true },
  { name: 'message_id', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'correlation_id', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'content_type', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'type', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'app_id', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'timestamp', type: 'timestamptz', duckType: 'TIMESTAMPTZ', nullable: true },
  { name: 'headers', type: 'json', duckType: 'JSON', nullable: true },
  ...PAYLOAD_FIELDS,
];

const EXCHANGE_SEMANTICS: StreamSemantics = {
  model: 'pub/sub',
  ordering: 'none across queues; each bound queue keeps publish order per channel',
  delivery: 'routed to every bound queue at publish time; unroutable messages are dropped (or returned)',
  retention: 'none in the exchange: a tap sees only messages published while it is bound',
};

function queueSemantics(queue: QueueInfo): StreamSemantics {
  const args = queue.arguments ?? {};
  if (queue.type === 'stream') {
    const age = args['x-max-age'] ? `max age ${String(args['x-max-age'])}` : undefined;
    const bytes = args['x-max-length-bytes'] ? `max ${formatBytes(Number(args['x-max-length-bytes']))}` : undefined;
    return {
      model: 'stream',
      ordering: 'total within the stream (by offset)',
      delivery: 'non-destructive reads: every consumer reads from its own offset; at-least-once when offsets are tracked',
      retention: `${[age, bytes].filter(Boolean).join(', ') || 'no limits set'}; replay from first, last, an offset or a time`,
    };
  }
  const ttl = args['x-message-ttl'] ? `message TTL ${formatAge(Number(args['x-message-ttl']))}` : 'no message TTL';
  return {
    model: 'queue',
    ordering: 'FIFO per queue; broken by requeues and by several competing consumers',
    delivery: `at-least-once with manual acks (a requeued message comes back redelivered: duplicates)${queue.type === 'quorum' ? '; quorum queues count deliveries' : ''}`,
    retention: `until acknowledged (${ttl}${args['x-max-length'] ? `, max length ${String(args['x-max-length'])}` : ''}); no replay`,
  };
}

function location(source: ResolvedSource): string {
  return redact(source.url ?? 'amqp://127.0.0.1:5672', source.secrets);
}

function amqpError(error: unknown, source: ResolvedSource, entity?: string): HeadwaterError {
  if (error instanceof HeadwaterError) return error;
  const cause = redact(error instanceof Error ? error.message : String(error), source.secrets);
  const code = /ECONNREFUSED|ETIMEDOUT|ENOTFOUND|ACCESS_REFUSED|socket/i.test(cause) ? 'connection' : /NOT_FOUND|404/.test(cause) ? 'not_found' : 'source';
  return new HeadwaterError(code, `RabbitMQ source '${source.name}' at ${location(source)}${entity ? ` (${entity})` : ''}: ${cause}`, { source: source.name, ...(entity ? { entity } : {}) }, { cause: error });
}

const loadAmqp = lazyModule('amqplib', async () => withMember(await import('amqplib'), 'connect'));

async function connect(source: ResolvedSource): Promise<ChannelModel> {
  const amqp = await loadAmqp();
  try {
    const connection = await amqp.connect(amqpTarget(source).url, { timeout: manifest.settings(source).connectTimeoutMs, clientProperties: { connection_name: 'headwater' } });
    connection.on('error', () => undefined); // reported through 'close' and the failing call
    return connection;
  } catch (error) {
    throw amqpError(error, source);
  }
}

/** Entities: `exchange:NAME` (a tap) or `queue:NAME` (peek, or replay for streams). */
function parseEntity(entity: string, source: ResolvedSource): { kind: 'exchange' | 'queue'; name: string } {
  const match = /^(exchange|queue):(.*)$/s.exec(entity);
  if (!match) throw new HeadwaterError('usage', `RabbitMQ entities are exchange:<name> or queue:<name> (got '${entity}').`, { source: source.name, entity });
  return { kind: match[1] as 'exchange' | 'queue', name: match[2]! };
}

const driver: Driver = {
  kind: 'rabbitmq',

  async describe(source): Promise<Description> {
    try {
      const connection = await connect(source);
      const props = connection.connection.serverProperties;
      await connection.close();
      let detail = `vhost ${amqpTarget(source).vhost}`;
      try {
        const overview = await new Management(source).overview();
        detail += ` · cluster ${overview.cluster_name} · management API ${overview.management_version}`;
      } catch (error) {
        detail += ` · ${(error as Error).message}`;
      }
      return { reachable: true, version: `${props.product ?? 'RabbitMQ'} ${props.version ?? ''}`.trim(), detail };
    } catch (error) {
      return { reachable: false, detail: amqpError(error, source).message };
    }
  },

  async browse(source, path): Promise<BrowseNode[]> {
    const api = new Management(source);
    if (path.length === 0) {
      return [{ id: api.vhost, label: `vhost ${api.vhost}`, kind: 'database', sampleable: false, expandable: true }];
    }
    if (path.length === 1) {
      return [
        { id: EXCHANGES, label: 'Exchanges', kind: 'group', sampleable: false, expandable: true, detail: 'sampled by a tap: a temporary queue bound for a time window' },
        { id: QUEUES, label: 'Queues', kind: 'group', sampleable: false, expandable: true, detail: 'streams replay; other queues only peek (with a warning)' },
      ];
    }
    if (path[1] === EXCHANGES && path.length === 2) {
      const exchanges = (await api.exchanges()).filter((e) => e.name !== '' && !e.name.startsWith('amq.'));
      return exchanges.map((e) => ({
        id: e.name, label: e.name, kind: 'topic', sampleable: !e.internal, expandable: true, entity: `exchange:${e.name}`,
        detail: [e.type, e.durable ? 'durable' : 'transient', e.auto_delete ? 'auto-delete' : undefined, e.internal ? 'internal' : undefined].filter(Boolean).join(' · '),
        tooltip: semanticsTooltip(EXCHANGE_SEMANTICS),
      }));
    }
    if (path[1] === EXCHANGES && path.length === 3) {
      return (await api.bindingsFrom(path[2]!)).map((b, i) => ({
        id: `${i}`, label: `→ ${b.destination_type} ${b.destination}`, kind: 'group', sampleable: false, expandable: false,
        detail: `routing key '${b.routing_key}'${b.arguments && Object.keys(b.arguments).length ? ` ${JSON.stringify(b.arguments)}` : ''}`,
      }));
    }
    if (path[1] === QUEUES && path.length === 2) {
      return (await api.queues()).filter((q) => !q.exclusive).map((q) => ({
        id: q.name, label: q.name, kind: q.type === 'stream' ? 'topic' : 'table', sampleable: true, expandable: true, entity: `queue:${q.name}`,
        detail: [q.type ?? 'classic', `${q.messages ?? 0} messages`, `${q.consumers ?? 0} consumers`, q.durable ? 'durable' : 'transient', q.message_bytes !== undefined ? formatBytes(q.message_bytes) : undefined].filter(Boolean).join(' · '),
        tooltip: semanticsTooltip(queueSemantics(q)),
        ...(q.messages !== undefined ? { estimatedRows: q.messages } : {}),
      }));
    }
    if (path[1] === QUEUES && path.length === 3) {
      return (await api.bindingsTo(path[2]!)).map((b, i) => ({
        id: `${i}`, label: `← ${b.source || '(default exchange)'}`, kind: 'group', sampleable: false, expandable: false, detail: `routing key '${b.routing_key}'`,
      }));
    }
    return [];
  },

  async sample(source, entity, options, ctx): Promise<SampleStream> {
    const target = parseEntity(entity, source);
    if (target.kind === 'exchange') return tapExchange(source, target.name, ctx, options, (options.windowSeconds ?? DEFAULT_WINDOW_S) * 1000);
    const queue = await new Management(source).queue(target.name);
    if (queue.type === 'stream') return replayStream(source, target.name, ctx, options);
    if (!options.peek) {
      throw new HeadwaterError('usage', `RabbitMQ queue '${target.name}' is a ${queue.type ?? 'classic'} queue: reading its messages would take them from its consumers.`, {
        source: source.name, entity,
        hint: 'Tap an exchange that routes to it instead (exchange:<name>), or pass --peek to read and requeue its messages: they come back marked redelivered, their order may change and a delivery limit may count them.',
      });
    }
    ctx.log('warn', `RabbitMQ queue '${target.name}': peeking requeues every message read; its consumers will see them with redelivered=true.`);
    return peekQueue(source, target.name, ctx, options.limit);
  },

  async tail(source, entity, ctx): Promise<SampleStream> {
    const target = parseEntity(entity, source);
    if (target.kind === 'exchange') return tapExchange(source, target.name, ctx, { limit: Number.MAX_SAFE_INTEGER, strategy: 'head' });
    const queue = await new Management(source).queue(target.name);
    if (queue.type !== 'stream') {
      throw new HeadwaterError('usage', `RabbitMQ queue '${target.name}' cannot be tailed without taking its consumers' messages: tail the exchange that feeds it.`, { source: source.name, entity });
    }
    return replayStream(source, target.name, ctx, { limit: Number.MAX_SAFE_INTEGER, strategy: 'head', from: 'next' }, true);
  },
};

function row(exchange: string, m: ConsumeMessage | GetMessage): { cells: unknown[]; bytes: number; offset: number | null } {
  const p = m.properties;
  const payload = decodePayload(m.content);
  const headers = { ...(p.headers ?? {}) } as Record<string, unknown>;
  const offset = typeof headers['x-stream-offset'] === 'number' ? headers['x-stream-offset'] : null;
  delete headers['x-stream-offset'];
  const timestamp = typeof p.timestamp === 'number' ? new Date(p.timestamp * 1000) : null;
  return {
    cells: [exchange, m.fields.routingKey, m.fields.redelivered, offset, p.messageId ?? null, p.correlationId ?? null, p.contentType ?? null, p.type ?? null, p.appId ?? null,
      timestamp, headersJson(headers), ...payloadCells(payload)],
    bytes: payload.bytes,
    offset,
  };
}

async function tapExchange(source: ResolvedSource, exchange: string, ctx: DriverContext, options: DriverSampleOptions, windowMs?: number): Promise<SampleStream> {
  const api = new Management(source);
  const info = await api.exchange(exchange);
  // Every message the exchange routes anywhere: topic '#', a headers match on nothing, or each routing key a direct exchange has bound.
  const keys = options.key !== undefined ? [options.key]
    : info.type === 'topic' ? ['#']
    : info.type === 'direct' ? [...new Set((await api.bindingsFrom(exchange)).map((b) => b.routing_key))]
    : [''];
  const bindArgs = info.type === 'headers' ? { 'x-match': 'all' } : {};
  const what = windowMs === undefined ? 'until stopped' : `for ${windowMs / 1000} s`;
  return {
    fields: FIELDS,
    method: windowMs === undefined ? 'tail' : 'time window',
    query: `tap: exclusive auto-delete queue bound to ${info.type} exchange ${exchange} with ${keys.map((k) => `'${k}'`).join(', ') || 'no routing keys (nothing is bound to it)'} ${what}`,
    batches: tapBatches({
      signal: ctx.signal, windowMs, limit: options.limit,
      async open(sink) {
        const connection = await connect(source);
        try {
          const channel = await connection.createChannel();
          const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false, arguments: { 'x-queue-type': 'classic' } });
          for (const key of keys) await channel.bindQueue(queue, exchange, key, bindArgs);
          watchClose(connection, sink, source, `exchange:${exchange}`, ctx);
          // Our own queue: taking its copies harms nobody.
          await channel.consume(queue, (m) => {
            if (!m) return;
            const r = row(exchange, m);
            sink.push(r.cells, { exchange, routing_key: m.fields.routingKey, key: m.fields.routingKey, delivery: m.fields.deliveryTag }, r.bytes);
          }, { noAck: true, exclusive: true });
        } catch (error) {
          await connection.close().catch(() => undefined);
          throw amqpError(error, source, `exchange:${exchange}`);
        }
        // Closing the connection deletes the exclusive queue and its bindings.
        return () => closeQuietly(connection);
      },
    }),
  };
}

function peekQueue(source: ResolvedSource, queue: string, ctx: DriverContext, limit: number): SampleStream {
  return {
    fields: FIELDS,
    method: 'snapshot',
    query: `peek: basic.get up to ${limit} messages from queue ${queue}, then nack with requeue (they come back redelivered)`,
    batches: tapBatches({
      signal: ctx.signal, limit,
      async open(sink) {
        const connection = await connect(source);
        let channel: Channel;
        try {
          channel = await connection.createChannel();
          // Unacknowledged gets are held by us until the end, so each get returns the next message.
          for (let n = 0; n < limit && !ctx.signal.aborted; n++) {
            const m = await channel.get(queue, { noAck: false });
            if (!m) break;
            const r = row(m.fields.exchange, m);
            sink.push(r.cells, { queue, delivery: m.fields.deliveryTag, key: m.fields.routingKey }, r.bytes);
          }
          sink.end();
        } catch (error) {
          await connection.close().catch(() => undefined);
          throw amqpError(error, source, `queue:${queue}`);
        }
        return async () => {
          channel.nackAll(true);
          await closeQuietly(connection);
        };
      },
    }),
  };
}

function streamOffset(from: string | undefined): unknown {
  if (from === undefined || from === 'first') return 'first';
  if (from === 'last' || from === 'next') return from;
  if (/^\d+$/.test(from)) return Number(from);
  const ms = Date.parse(from);
  if (Number.isNaN(ms)) throw new HeadwaterError('usage', `A RabbitMQ stream position is an offset, an ISO time, 'first', 'last' or 'next' (got '${from}').`);
  return { '!': 'timestamp', value: Math.floor(ms / 1000) };
}

async function replayStream(source: ResolvedSource, queue: string, ctx: DriverContext, options: DriverSampleOptions, tail = false): Promise<SampleStream> {
  const offset = streamOffset(options.from);
  const to = options.to !== undefined ? Number(options.to) : undefined;
  return {
    fields: FIELDS,
    method: tail ? 'tail' : typeof offset === 'object' ? 'time window' : 'offset range',
    query: `consume stream ${queue} with x-stream-offset ${JSON.stringify(options.from ?? 'first')}${to !== undefined ? ` to offset ${to}` : ''}${tail ? ' until stopped' : ' until it is idle'} (prefetch 1000, acks only grant credit: nothing is removed)`,
    batches: tapBatches({
      signal: ctx.signal, limit: options.limit,
      async open(sink) {
        const connection = await connect(source);
        let idle: ReturnType<typeof setTimeout> | undefined;
        const armIdle = () => {
          if (tail) return;
          if (idle) clearTimeout(idle);
          idle = setTimeout(() => sink.end(), STREAM_IDLE_END_MS);
        };
        try {
          const channel = await connection.createChannel();
          await channel.prefetch(1000);
          watchClose(connection, sink, source, `queue:${queue}`, ctx);
          armIdle();
          await channel.consume(queue, (m) => {
            if (!m) return;
            const r = row(m.fields.exchange, m);
            channel.ack(m);
            if (to !== undefined && r.offset !== null && r.offset > to) {
              sink.end();
              return;
            }
            sink.push(r.cells, { queue, offset: r.offset ?? -1 } satisfies Provenance, r.bytes);
            if (to !== undefined && r.offset === to) sink.end();
            else armIdle();
          }, { noAck: false, arguments: { 'x-stream-offset': offset } });
        } catch (error) {
          if (idle) clearTimeout(idle);
          await connection.close().catch(() => undefined);
          throw amqpError(error, source, `queue:${queue}`);
        }
        return async () => {
          if (idle) clearTimeout(idle);
          await closeQuietly(connection);
        };
      },
    }),
  };
}

function watchClose(connection: ChannelModel, sink: TapSink, source: ResolvedSource, entity: string, ctx: DriverContext): void {
  connection.on('close', (error?: Error) => {
    if (!error) return;
    // What landed stays; the read ends, named as the broker closing on us.
    ctx.log('warn', `RabbitMQ source '${source.name}' (${entity}): the broker closed the connection: ${redact(error.message, source.secrets)}`);
    sink.fail(amqpError(error, source, entity));
  });
}

async function closeQuietly(connection: ChannelModel): Promise<void> {
  connection.removeAllListeners('close');
  await connection.close().catch(() => undefined);
}

export default driver;
