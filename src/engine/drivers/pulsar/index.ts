// Pulsar driver (kind `pulsar`), over the admin REST API and the WebSocket Reader API. The Node
// client (npm pulsar-client) wraps the C++ library, which it downloads from outside the package
// registries at install time; the REST and WebSocket APIs every broker serves need nothing but `ws`.
// Browse: tenants > namespaces > topics (partitioned or not) with backlog and subscriptions; the
// registered schema is the native schema; samples read without a subscription (sample.ts).
import { formatBytes } from '../../../shared/format.js';
import type { BrowseNode, Schema } from '../../../shared/types.js';
import type { Description, Driver, DriverContext, ResolvedSource } from '../driver.js';
import { semanticsTooltip, type StreamSemantics } from '../../streams/semantics.js';
import { PulsarAdmin, type TopicStats } from './admin.js';
import { manifest } from './manifest.js';
import { MESSAGE_FIELDS, samplePulsar, topicOf } from './sample.js';
import { payloadField } from './schema.js';
import { isSystemTopic, partitionIndex, partitionOf, topicName, type TopicName } from './topics.js';

const SEMANTICS: StreamSemantics = {
  model: 'stream',
  ordering: 'per partition (per key with key-based routing); none across partitions',
  delivery: 'at-least-once to subscriptions (redelivery until acknowledged); duplicates unless the namespace deduplicates',
  retention: 'kept while a subscription has not acknowledged it, and for the namespace\'s retention after; readers replay from any message id or time still stored',
};

function backlogOf(stats: TopicStats): number {
  return Object.values(stats.subscriptions ?? {}).reduce((sum, s) => sum + (s.msgBacklog ?? 0), 0);
}

function statsDetail(stats: TopicStats | undefined, partitions: number): string {
  const parts = partitions ? [`${partitions} partitions`] : [];
  if (!stats) return [...parts, 'stats not read (maxTopicStats)'].join(' · ');
  const subs = Object.keys(stats.subscriptions ?? {});
  return [...parts, `${(stats.msgInCounter ?? 0).toLocaleString('en-US')} messages in`, formatBytes(stats.storageSize ?? 0), `backlog ${backlogOf(stats).toLocaleString('en-US')}`,
    subs.length ? `${subs.length} subscription${subs.length > 1 ? 's' : ''}` : 'no subscriptions'].join(' · ');
}

function topicNode(topic: TopicName, partitions: number, stats: TopicStats | undefined): BrowseNode {
  return {
    id: topic.local, label: topic.local, kind: 'topic', sampleable: true, expandable: partitions > 0 || Object.keys(stats?.subscriptions ?? {}).length > 0,
    entity: topic.full, detail: statsDetail(stats, partitions), tooltip: semanticsTooltip(SEMANTICS),
    ...(stats?.storageSize !== undefined ? { bytes: stats.storageSize } : {}),
  };
}

async function namespaceNodes(admin: PulsarAdmin, source: ResolvedSource, tenant: string, namespace: string): Promise<BrowseNode[]> {
  const budget = { left: manifest.settings(source).maxTopicStats };
  const statsOf = async (topic: TopicName, partitioned: boolean) => (budget.left-- > 0 ? admin.stats(topic, partitioned).catch(() => undefined) : undefined);
  const persistent = await admin.topics(tenant, namespace, 'persistent');
  const partitionedNames = new Set(persistent.partitioned.map((t) => topicName(t).local));
  const nodes: BrowseNode[] = [];
  for (const full of persistent.partitioned) {
    const topic = topicName(full);
    if (isSystemTopic(topic.local)) continue;
    const stats = await statsOf(topic, true);
    const partitions = stats?.metadata?.partitions ?? await admin.partitions(topic);
    nodes.push(topicNode(topic, partitions, stats));
  }
  for (const full of persistent.topics) {
    const topic = topicName(full);
    const parent = partitionIndex(topic.local);
    if (isSystemTopic(topic.local) || (parent && partitionedNames.has(parent.parent))) continue;
    nodes.push(topicNode(topic, 0, await statsOf(topic, false)));
  }
  const live = await admin.topics(tenant, namespace, 'non-persistent').catch(() => ({ topics: [], partitioned: [] }));
  for (const full of new Set([...live.partitioned, ...live.topics.filter((t) => !partitionIndex(topicName(t).local))])) {
    const topic = topicName(full);
    if (isSystemTopic(topic.local)) continue;
    nodes.push({ id: `non-persistent:${topic.local}`, label: `${topic.local} (non-persistent)`, kind: 'topic', sampleable: false, expandable: false, detail: 'non-persistent: nothing is stored to read back' });
  }
  return nodes.sort((a, b) => a.label.localeCompare(b.label));
}

/** A topic's children: its partitions (sampleable one by one) and its subscriptions with their backlog. */
async function topicChildren(admin: PulsarAdmin, topic: TopicName): Promise<BrowseNode[]> {
  const partitions = await admin.partitions(topic);
  const stats = await admin.stats(topic, partitions > 0);
  const nodes: BrowseNode[] = [];
  for (let n = 0; n < partitions; n++) {
    const partition = partitionOf(topic, n);
    nodes.push({ id: `partition-${n}`, label: `partition ${n}`, kind: 'partition', sampleable: true, expandable: false, entity: partition.full });
  }
  for (const [name, sub] of Object.entries(stats.subscriptions ?? {})) {
    nodes.push({
      id: `subscription:${name}`, label: name, kind: 'group', sampleable: false, expandable: false,
      detail: [sub.type, sub.isDurable === false ? 'non-durable' : 'durable', `backlog ${(sub.msgBacklog ?? 0).toLocaleString('en-US')}`, `${sub.consumers?.length ?? 0} consumers`].filter(Boolean).join(' · '),
    });
  }
  return nodes;
}

const driver: Driver = {
  kind: 'pulsar',

  async describe(source, ctx): Promise<Description> {
    try {
      const admin = new PulsarAdmin(source, ctx);
      const version = await admin.version();
      const tenants = await admin.tenants();
      return { reachable: true, version: `Pulsar ${version}`, detail: `${tenants.length} tenant${tenants.length === 1 ? '' : 's'} visible` };
    } catch (error) {
      return { reachable: false, detail: (error as Error).message };
    }
  },

  async browse(source, path, ctx: DriverContext): Promise<BrowseNode[]> {
    const admin = new PulsarAdmin(source, ctx);
    const [tenant, namespace, topic] = path;
    if (tenant === undefined) {
      return (await admin.tenants()).sort().map((name) => ({ id: name, label: name, kind: 'folder', sampleable: false, expandable: true, detail: 'tenant' }));
    }
    if (namespace === undefined) {
      return (await admin.namespaces(tenant)).sort().map((full) => {
        const name = full.slice(full.indexOf('/') + 1);
        return { id: name, label: name, kind: 'schema', sampleable: false, expandable: true, detail: 'namespace' };
      });
    }
    if (topic === undefined) return namespaceNodes(admin, source, tenant, namespace);
    if (path.length > 3 || topic.startsWith('non-persistent:')) return [];
    return topicChildren(admin, topicOf(source, `persistent://${tenant}/${namespace}/${topic}`));
  },

  async nativeSchema(source, entity, ctx): Promise<Schema | undefined> {
    const topic = topicOf(source, entity);
    const admin = new PulsarAdmin(source, ctx);
    await admin.partitions(topic);
    // A partition's schema is its partitioned topic's.
    const parent = partitionIndex(topic.local);
    const declared = await admin.schema(parent ? { ...topic, local: parent.parent } : topic);
    if (!declared) return undefined;
    return { fields: MESSAGE_FIELDS.map((f) => (f.name === 'payload' ? payloadField(declared) : f)) };
  },

  sample: samplePulsar,
};

export default driver;
