// Topic names: persistent://tenant/namespace/topic, or tenant/namespace/topic for a persistent
// topic. Each part is checked before it goes into an admin URL path (encoded anyway).

export interface TopicName {
  domain: 'persistent' | 'non-persistent';
  tenant: string;
  namespace: string;
  /** The local name (a partition's is `<topic>-partition-<n>`). */
  local: string;
  full: string;
}

/** Pulsar's name characters; '.' and '..' are refused (a URL path would resolve them). */
const PART = /^(?!\.{1,2}$)[A-Za-z0-9_=:.~-]+$/;

/** Parses an entity; throws a plain Error saying what a topic name looks like. */
export function topicName(entity: string): TopicName {
  const match = /^(?:(persistent|non-persistent):\/\/)?([^/]+)\/([^/]+)\/(.+)$/.exec(entity.trim());
  const [tenant, namespace, local] = [match?.[2], match?.[3], match?.[4]];
  if (!match || !tenant || !namespace || !local || ![tenant, namespace, local].every((p) => PART.test(p))) {
    throw new Error(`'${entity}' is not a topic name: write persistent://tenant/namespace/topic (or tenant/namespace/topic)`);
  }
  const domain = (match[1] ?? 'persistent') as TopicName['domain'];
  return { domain, tenant, namespace, local, full: `${domain}://${tenant}/${namespace}/${local}` };
}

/** The admin API's path of a topic: persistent/tenant/namespace/topic, each part encoded. */
export function topicPath(topic: TopicName): string {
  return [topic.domain, topic.tenant, topic.namespace, topic.local].map(encodeURIComponent).join('/');
}

/** The topic of partition `n`. */
export function partitionOf(topic: TopicName, n: number): TopicName {
  const local = `${topic.local}-partition-${n}`;
  return { ...topic, local, full: `${topic.domain}://${topic.tenant}/${topic.namespace}/${local}` };
}

/** The partitioned topic and index of a partition's name, or undefined for a topic that is not one. */
export function partitionIndex(local: string): { parent: string; index: number } | undefined {
  const match = /^(.*)-partition-(\d+)$/.exec(local);
  return match ? { parent: match[1]!, index: Number(match[2]) } : undefined;
}

/** Topics the broker keeps for itself (topic policies, transactions), hidden from the tree. */
export function isSystemTopic(local: string): boolean {
  return local.startsWith('__');
}
