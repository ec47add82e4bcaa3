// NATS driver (kind `nats`): core subject taps for a time window, and JetStream streams and their
// consumers browsed; streams replay by sequence or time through an ephemeral ordered consumer that
// is deleted when the read ends (no durable consumer is ever created, nothing is acknowledged).
import type { Consumer, JsMsg, Msg, MsgHdrs, NatsConnection, StreamInfo } from 'nats';
import { HeadwaterError, redact } from '../../../shared/errors.js';
import { formatBytes } from '../../../shared/format.js';
import type { BrowseNode, Field } from '../../../shared/types.js';
import type { Description, Driver, DriverContext, DriverSampleOptions, ResolvedSource, SampleStream } from '../driver.js';
import { decodePayload, PAYLOAD_FIELDS, payloadCells } from '../../streams/payload.js';
import { formatAge, semanticsTooltip, type StreamSemantics } from '../../streams/semantics.js';
import { tapBatches, type TapSink } from '../../streams/tap.js';
import { withMember } from '../../streams/interop.js';
import { lazyModule } from '../kit/lazy.js';
import { natsServers } from './servers.js';
import { manifest } from './manifest.js';

const DEFAULT_WINDOW_S = 5;
const STREAMS = '#streams';
const SUBJECTS = '#subjects';
/** Entities: `stream:NAME` (JetStream replay) or a subject (core tap). */
const STREAM_PREFIX = 'stream:';

const CORE_FIELDS: Field[] = [
  { name: 'subject', type: 'string', duckType: 'VARCHAR', nullable: false },
  { name: 'headers', type: 'json', duckType: 'JSON', nullable: true },
  ...PAYLOAD_FIELDS,
];
const STREAM_FIELDS: Field[] = [
  { name: 'stream_seq', type: 'integer', duckType: 'BIGINT', nullable: false },
  { name: 'subject', type: 'string', duckType: 'VARCHAR', nullable: false },
  { name: 'timestamp', type: 'timestamptz', duckType: 'TIMESTAMPTZ', nullable: false },
  { name: 'headers', type: 'json', duckType: 'JSON', nullable: true },
  ...PAYLOAD_FIELDS,
];

const CORE_SEMANTICS: StreamSemantics = {
  model: 'pub/sub',
  ordering: 'per subject from one publisher; none across publishers',
  delivery: 'at-most-once: only connected subscribers receive a message',
  retention: 'none (unless a JetStream stream captures the subject); no replay',
};

function streamSemantics(info: StreamInfo): StreamSemantics {
  const config = info.config;
  const limits = [config.max_age ? `max age ${formatAge(config.max_age / 1e6)}` : undefined, config.max_msgs > 0 ? `max ${config.max_msgs} messages` : undefined,
    config.max_bytes > 0 ? `max ${formatBytes(config.max_bytes)}` : undefined].filter(Boolean).join(', ') || 'no limits';
  const window = info.state.messages ? `holds sequences ${info.state.first_seq}–${info.state.last_seq} (since ${info.state.first_ts})` : 'empty';
  return {
    model: config.retention === 'workqueue' ? 'queue' : 'stream',
    ordering: 'total within the stream (by sequence), so per subject too',
    delivery: 'at-least-once to consumers (redelivery until acked; duplicates within the duplicate window are dropped on publish)',
    retention: `${config.retention} retention, ${limits}, ${config.storage} storage; ${window}; replay by sequence or time`,
  };
}

function location(source: ResolvedSource): string {
  return redact(source.url ?? 'nats://127.0.0.1:4222', source.secrets);
}

function natsError(error: unknown, source: ResolvedSource, entity?: string): HeadwaterError {
  if (error instanceof HeadwaterError) return error;
  const cause = redact(error instanceof Error ? error.message : String(error), source.secrets);
  const code = /CONNECTION_REFUSED|TIMEOUT|ECONNREFUSED|connection/i.test(cause) ? 'connection' : /not found/i.test(cause) ? 'not_found' : 'source';
  return new HeadwaterError(code, `NATS source '${source.name}' at ${location(source)}${entity ? ` (${entity})` : ''}: ${cause}`, { source: source.name, ...(entity ? { entity } : {}) }, { cause: error });
}

const loadNats = lazyModule('nats', async () => withMember(await import('nats'), 'connect'));

async function connect(source: ResolvedSource, reconnect = false): Promise<NatsConnection> {
  const { connect: open } = await loadNats();
  try {
    const { servers, user, pass, token } = natsServers(source.url ?? 'nats://127.0.0.1:4222');
    return await open({
      servers,
      ...(user !== undefined ? { user, pass } : {}),
      ...(token !== undefined ? { token } : {}),
      name: 'headwater',
      timeout: manifest.settings(source).connectTimeoutMs,
      reconnect,
      maxReconnectAttempts: reconnect ? -1 : 0,
      reconnectTimeWait: 500,
    });
  } catch (error) {
    throw natsError(error, source);
  }
}

async function withNats<T>(source: ResolvedSource, entity: string | undefined, run: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect(source);
  try {
    return await run(nc);
  } catch (error) {
    throw natsError(error, source, entity);
  } finally {
    await nc.close();
  }
}

function subjects(source: ResolvedSource): string[] {
  const configured = manifest.settings(source).subjects;
  return configured.length ? configured : ['>'];
}

const driver: Driver = {
  kind: 'nats',

  async describe(source): Promise<Description> {
    try {
      return await withNats(source, undefined, async (nc) => {
        let jetstream = 'JetStream not enabled';
        try {
          const account = await (await nc.jetstreamManager()).getAccountInfo();
          jetstream = `JetStream: ${account.streams} streams, ${account.consumers} consumers, ${formatBytes(account.storage)} stored`;
        } catch {
          // no JetStream on this server or account
        }
        return { reachable: true, version: `NATS ${nc.info?.version ?? '?'}`, detail: [`server ${nc.info?.server_name ?? '?'}`, jetstream].join(' · ') };
      });
    } catch (error) {
      return { reachable: false, detail: (error as Error).message };
    }
  },

  async browse(source, path): Promise<BrowseNode[]> {
    if (path.length === 0) {
      return [
        { id: STREAMS, label: 'JetStream streams', kind: 'group', sampleable: false, expandable: true, detail: 'retained, replayable' },
        { id: SUBJECTS, label: 'Subjects', kind: 'group', sampleable: false, expandable: true, detail: 'core NATS taps (live only)' },
      ];
    }
    if (path[0] === SUBJECTS) {
      if (path.length > 1) return [];
      return subjects(source).map((subject) => ({
        id: subject, label: subject, kind: 'topic', sampleable: true, expandable: false, entity: subject,
        detail: 'subject tap: listens for new messages for a time window', tooltip: semanticsTooltip(CORE_SEMANTICS),
      }));
    }
    if (path[0] !== STREAMS) return [];
    return withNats(source, path.join('/'), async (nc) => {
      const jsm = await nc.jetstreamManager();
      if (path.length === 1) {
        const nodes: BrowseNode[] = [];
        for await (const info of jsm.streams.list()) {
          nodes.push({
            id: info.config.name, label: info.config.name, kind: 'topic', sampleable: true, expandable: true, entity: `${STREAM_PREFIX}${info.config.name}`,
            detail: [`subjects ${(info.config.subjects ?? []).join(', ')}`, `seq ${info.state.first_seq}–${info.state.last_seq}`, formatBytes(info.state.bytes), `${info.state.consumer_count} consumers`].join(' · '),
            tooltip: semanticsTooltip(streamSemantics(info)),
            estimatedRows: info.state.messages,
            bytes: info.state.bytes,
          });
        }
        return nodes;
      }
      const nodes: BrowseNode[] = [];
      for await (const consumer of jsm.consumers.list(path[1]!)) {
        const config = consumer.config;
        nodes.push({
          id: consumer.name, label: consumer.name, kind: 'group', sampleable: false, expandable: false,
          detail: [config.durable_name ? 'durable' : 'ephemeral', `deliver ${config.deliver_policy}`, `ack ${config.ack_policy}`, `${consumer.num_pending} pending`,
            `${consumer.num_ack_pending} awaiting ack`, `${consumer.num_redelivered} redelivered`, config.filter_subject ? `filter ${config.filter_subject}` : undefined].filter(Boolean).join(' · '),
        });
      }
      return nodes;
    });
  },

  async sample(source, entity, options, ctx): Promise<SampleStream> {
    if (entity.startsWith(STREAM_PREFIX)) return replay(source, entity.slice(STREAM_PREFIX.length), options, ctx);
    const window = options.windowSeconds ?? DEFAULT_WINDOW_S;
    return { fields: CORE_FIELDS, method: 'time window', query: `SUB ${entity} for ${window} s`, batches: coreTap(source, entity, ctx, window * 1000, options.limit) };
  },

  async tail(source, entity, ctx): Promise<SampleStream> {
    if (!entity.startsWith(STREAM_PREFIX)) return { fields: CORE_FIELDS, method: 'tail', query: `SUB ${entity} until stopped`, batches: coreTap(source, entity, ctx) };
    const stream = entity.slice(STREAM_PREFIX.length);
    return {
      fields: STREAM_FIELDS, method: 'tail', query: `ordered consumer on ${stream}, deliver new, until stopped`,
      batches: orderedRead(source, stream, ctx, { deliver: 'new' }),
    };
  },
};

/** A position as JetStream takes it: a sequence number or a time. */
function startOf(from: string | undefined): { deliver: 'all' | 'last' | 'new' } | { seq: number } | { time: string } {
  if (from === undefined || from === 'first') return { deliver: 'all' };
  if (from === 'last') return { deliver: 'last' };
  if (/^\d+$/.test(from)) return { seq: Number(from) };
  const ms = Date.parse(from);
  if (Number.isNaN(ms)) throw new HeadwaterError('usage', `A JetStream position is a sequence number, an ISO time, 'first' or 'last' (got '${from}').`);
  return { time: new Date(ms).toISOString() };
}

async function replay(source: ResolvedSource, stream: string, options: DriverSampleOptions, ctx: DriverContext): Promise<SampleStream> {
  const start = startOf(options.from);
  // The replay ends at the stream's last sequence when it began (or `to`): a bounded read of a live stream.
  const info = await withNats(source, `${STREAM_PREFIX}${stream}`, async (nc) => (await nc.jetstreamManager()).streams.info(stream));
  const endSeq = options.to !== undefined ? Number(options.to) : info.state.last_seq;
  if (!Number.isInteger(endSeq)) throw new HeadwaterError('usage', `--to for a JetStream stream is a sequence number (got '${options.to}').`);
  const from = 'seq' in start ? `sequence ${start.seq}` : 'time' in start ? `time ${start.time}` : start.deliver === 'all' ? 'the first message' : 'the last message';
  return {
    fields: STREAM_FIELDS,
    method: 'time' in start ? 'time window' : 'offset range',
    query: `ordered consumer on ${stream} from ${from} to sequence ${endSeq} (ephemeral, no acks)`,
    batches: info.state.messages === 0 || endSeq < info.state.first_seq ? (async function* () { /* empty stream */ })() : orderedRead(source, stream, ctx, start, endSeq, options.limit),
  };
}

function headersOf(headers: MsgHdrs | undefined): string | null {
  if (!headers) return null;
  const out: Record<string, string | string[]> = {};
  for (const [key, values] of headers) out[key] = values.length === 1 ? values[0]! : values;
  return Object.keys(out).length ? JSON.stringify(out) : null;
}

function orderedRead(source: ResolvedSource, stream: string, ctx: DriverContext, start: ReturnType<typeof startOf>, endSeq?: number, limit?: number) {
  return tapBatches({
    signal: ctx.signal,
    limit,
    async open(sink) {
      const nats = await loadNats();
      const nc = await connect(source, endSeq === undefined);
      watchStatus(nc, source, stream, ctx);
      let consumer: Consumer;
      try {
        const js = nc.jetstream();
        const opts = 'seq' in start ? { deliver_policy: nats.DeliverPolicy.StartSequence, opt_start_seq: start.seq }
          : 'time' in start ? { deliver_policy: nats.DeliverPolicy.StartTime, opt_start_time: start.time }
          // 'all' is the ordered consumer's default (start sequence 1): naming DeliverPolicy.All alongside the start sequence it sets makes the server refuse it.
          : start.deliver === 'all' ? {} : { deliver_policy: start.deliver === 'last' ? nats.DeliverPolicy.Last : nats.DeliverPolicy.New };
        consumer = await js.consumers.get(stream, { ...opts, name_prefix: 'headwater' });
      } catch (error) {
        await nc.close();
        throw natsError(error, source, `${STREAM_PREFIX}${stream}`);
      }
      const messages = await consumer.consume({ max_messages: 1000 });
      const loop = (async () => {
        for await (const m of messages) {
          pushStreamMessage(sink, stream, m);
          if (endSeq !== undefined && m.seq >= endSeq) {
            sink.end();
            return;
          }
        }
      })().catch((error: unknown) => sink.fail(natsError(error, source, `${STREAM_PREFIX}${stream}`)));
      return async () => {
        await messages.close().catch(() => undefined);
        await loop;
        // An ordered consumer is ephemeral; deleting it at once leaves nothing for the server to expire.
        await consumer.delete().catch(() => undefined);
        await nc.close();
      };
    },
  });
}

function pushStreamMessage(sink: TapSink, stream: string, m: JsMsg): void {
  const payload = decodePayload(m.data);
  const ms = Number(m.info.timestampNanos / 1_000_000);
  sink.push([m.seq, m.subject, new Date(ms), headersOf(m.headers), ...payloadCells(payload)], { stream, seq: m.seq, key: m.subject }, payload.bytes);
}

function coreTap(source: ResolvedSource, subject: string, ctx: DriverContext, windowMs?: number, limit?: number) {
  return tapBatches({
    signal: ctx.signal,
    windowMs,
    limit,
    async open(sink) {
      const nc = await connect(source, windowMs === undefined);
      watchStatus(nc, source, subject, ctx);
      let n = 0;
      const subscription = nc.subscribe(subject, {
        callback: (error, m: Msg) => {
          if (error) {
            sink.fail(natsError(error, source, subject));
            return;
          }
          const payload = decodePayload(m.data);
          sink.push([m.subject, headersOf(m.headers), ...payloadCells(payload)], { subject: m.subject, key: m.subject, n: ++n }, payload.bytes);
        },
      });
      // The subscription is registered once the server has seen it.
      await nc.flush();
      return async () => {
        subscription.unsubscribe();
        await nc.close();
      };
    },
  });
}

function watchStatus(nc: NatsConnection, source: ResolvedSource, entity: string, ctx: DriverContext): void {
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') ctx.log('warn', `NATS source '${source.name}' (${entity}): connection lost; reconnecting.`);
      else if (status.type === 'reconnect') ctx.log('info', `NATS source '${source.name}' (${entity}): reconnected; the read resumes after the last sequence landed.`);
    }
  })().catch(() => undefined);
}

export default driver;
