// MQTT driver (kind `mqtt`): taps on topic filters for a time window, with each message's QoS,
// retain and duplicate flags. MQTT has no topic catalog: the tree shows the configured filters and
// the topics that hold a retained message. Headwater subscribes with a clean session under its own
// client id and never publishes, so nothing is left on the broker.
import { randomBytes } from 'node:crypto';
import type { IClientOptions, MqttClient } from 'mqtt';
import { HeadwaterError, redact } from '../../../shared/errors.js';
import type { BrowseNode, Field } from '../../../shared/types.js';
import type { Description, Driver, DriverContext, ResolvedSource, SampleStream } from '../driver.js';
import { decodePayload, headersJson, PAYLOAD_FIELDS, payloadCells } from '../../streams/payload.js';
import { semanticsTooltip, type StreamSemantics } from '../../streams/semantics.js';
import { tapBatches } from '../../streams/tap.js';
import { withMember } from '../../streams/interop.js';
import { lazyModule } from '../kit/lazy.js';
import { manifest } from './manifest.js';

const DEFAULT_WINDOW_S = 5;
/** How long the tree listens for retained messages. */
const RETAINED_PROBE_MS = 700;

const FIELDS: Field[] = [
  { name: 'topic', type: 'string', duckType: 'VARCHAR', nullable: false },
  { name: 'qos', type: 'integer', duckType: 'INTEGER', nullable: false },
  { name: 'retain', type: 'boolean', duckType: 'BOOLEAN', nullable: false },
  { name: 'dup', type: 'boolean', duckType: 'BOOLEAN', nullable: false },
  { name: 'user_properties', type: 'json', duckType: 'JSON', nullable: true },
  ...PAYLOAD_FIELDS,
];

const SEMANTICS: StreamSemantics = {
  model: 'pub/sub',
  ordering: 'per topic from one publisher at the same QoS; none across topics or publishers',
  delivery: 'QoS 0 at-most-once, QoS 1 at-least-once (duplicates possible, dup flag), QoS 2 exactly-once between client and broker',
  retention: 'only the last retained message per topic (and queued messages of persistent sessions); no replay',
};

function location(source: ResolvedSource): string {
  return redact(source.url ?? 'mqtt://127.0.0.1:1883', source.secrets);
}

const loadMqtt = lazyModule('mqtt', async () => withMember(await import('mqtt'), 'connectAsync'));

async function connect(source: ResolvedSource, reconnect = false): Promise<MqttClient> {
  const mqtt = await loadMqtt();
  const options: IClientOptions = {
    clientId: `headwater-${randomBytes(6).toString('hex')}`,
    clean: true,
    connectTimeout: manifest.settings(source).connectTimeoutMs,
    reconnectPeriod: reconnect ? 1000 : 0,
    protocolVersion: manifest.settings(source).protocolVersion,
  };
  try {
    // Without retries, a connection closed before the broker's CONNACK (a proxy or tunnel that
    // accepted it) fails at once instead of waiting forever.
    return await mqtt.connectAsync(source.url ?? 'mqtt://127.0.0.1:1883', options, reconnect);
  } catch (error) {
    throw new HeadwaterError('connection', `MQTT source '${source.name}' at ${location(source)}: ${redact((error as Error).message, source.secrets)}`, { source: source.name }, { cause: error });
  }
}

function filters(source: ResolvedSource): string[] {
  const configured = manifest.settings(source).topics;
  return configured.length ? configured : ['#'];
}

const driver: Driver = {
  kind: 'mqtt',

  async describe(source): Promise<Description> {
    try {
      const client = await connect(source);
      const version = await probe(client, '$SYS/broker/version', 500);
      await client.endAsync();
      const text = [...version.values()][0];
      return { reachable: true, version: text ?? `MQTT ${client.options.protocolVersion === 5 ? '5' : '3.1.1'} broker`, detail: `topic filters: ${filters(source).join(', ')}` };
    } catch (error) {
      return { reachable: false, detail: (error as Error).message };
    }
  },

  async browse(source, path): Promise<BrowseNode[]> {
    if (path.length > 0) return [];
    const client = await connect(source);
    let retained: Map<string, string>;
    try {
      retained = await probe(client, filters(source), RETAINED_PROBE_MS);
    } finally {
      await client.endAsync();
    }
    const tooltip = semanticsTooltip(SEMANTICS);
    const nodes: BrowseNode[] = filters(source).map((filter) => ({
      id: filter, label: filter, kind: 'topic', sampleable: true, expandable: false, entity: filter,
      detail: `topic filter: a tap listens for new messages (and receives retained ones)`, tooltip,
    }));
    for (const [topic, payload] of [...retained].sort(([a], [b]) => a.localeCompare(b))) {
      if (nodes.some((n) => n.id === topic)) continue;
      nodes.push({ id: topic, label: topic, kind: 'topic', sampleable: true, expandable: false, entity: topic, detail: `retained message (${payload})`, tooltip });
    }
    return nodes;
  },

  async sample(source, entity, options, ctx): Promise<SampleStream> {
    const window = options.windowSeconds ?? DEFAULT_WINDOW_S;
    return { fields: FIELDS, method: 'time window', query: `SUBSCRIBE ${entity} QoS ${qosOf(source)} for ${window} s (clean session, retained messages included)`, batches: tap(source, entity, ctx, window * 1000, options.limit) };
  },

  async tail(source, entity, ctx): Promise<SampleStream> {
    return { fields: FIELDS, method: 'tail', query: `SUBSCRIBE ${entity} QoS ${qosOf(source)} until stopped`, batches: tap(source, entity, ctx) };
  },
};

function qosOf(source: ResolvedSource): 0 | 1 | 2 {
  return manifest.settings(source).qos;
}

function tap(source: ResolvedSource, filter: string, ctx: DriverContext, windowMs?: number, limit?: number) {
  return tapBatches({
    signal: ctx.signal,
    windowMs,
    limit,
    async open(sink) {
      // A tail reconnects (and resubscribes) after a broker restart; a windowed sample does not.
      const client = await connect(source, windowMs === undefined);
      let sequence = 0;
      client.on('message', (topic, payload, packet) => {
        const decoded = decodePayload(payload);
        const properties = packet.properties?.userProperties as Record<string, unknown> | undefined;
        sink.push([topic, packet.qos, packet.retain, packet.dup, headersJson(properties), ...payloadCells(decoded)], { topic, key: topic, n: ++sequence }, decoded.bytes);
      });
      client.on('offline', () => ctx.log('warn', `MQTT source '${source.name}' (${filter}): connection lost; messages published while offline are not seen (clean session).`));
      client.on('reconnect', () => ctx.log('info', `MQTT source '${source.name}' (${filter}): reconnecting.`));
      client.on('error', (error) => ctx.log('warn', `MQTT source '${source.name}' (${filter}): ${redact(error.message, source.secrets)}`));
      try {
        const granted = await client.subscribeAsync(filter, { qos: qosOf(source) });
        if (granted.some((g) => g.qos === 128)) throw new Error(`the broker refused the subscription to '${filter}'`);
      } catch (error) {
        await client.endAsync(true);
        throw new HeadwaterError('source', `MQTT source '${source.name}' (${filter}): ${redact((error as Error).message, source.secrets)}`, { source: source.name, entity: filter }, { cause: error });
      }
      return async () => {
        await client.unsubscribeAsync(filter).catch(() => undefined);
        await client.endAsync(true);
      };
    },
  });
}

/** Retained messages on these filters within `ms`: topic -> a short description. */
async function probe(client: MqttClient, topics: string | string[], ms: number): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  const onMessage = (topic: string, payload: Buffer, packet: { retain: boolean }) => {
    if (!packet.retain) return;
    const decoded = decodePayload(payload);
    seen.set(topic, topic.startsWith('$SYS') ? payload.toString('utf8') : `${decoded.format}, ${decoded.bytes} B`);
  };
  client.on('message', onMessage);
  await client.subscribeAsync(topics, { qos: 0 });
  await new Promise((resolve) => setTimeout(resolve, ms));
  client.off('message', onMessage);
  await client.unsubscribeAsync(topics).catch(() => undefined);
  return seen;
}

export default driver;
