// Pulsar's admin REST API (v2), GETs only, through the kit's polite client (one request at a time,
// retries with backoff on 429/5xx/network errors, bounded answers, the token sent to the web
// service's origin only and redacted from every message).
import { HeadwaterError } from '../../../shared/errors.js';
import type { DriverContext, ResolvedSource } from '../driver.js';
import { RestClient } from '../kit/rest/client.js';
import { timeoutsOf } from '../kit/http.js';
import { manifest } from './manifest.js';
import type { MessageId } from './message-id.js';
import { topicPath, type TopicName } from './topics.js';

export interface SubscriptionStats {
  msgBacklog?: number;
  type?: string;
  isDurable?: boolean;
  consumers?: unknown[];
  msgRateOut?: number;
}

export interface TopicStats {
  msgInCounter?: number;
  storageSize?: number;
  backlogSize?: number;
  msgRateIn?: number;
  publishers?: unknown[];
  subscriptions?: Record<string, SubscriptionStats>;
  metadata?: { partitions?: number };
}

export interface RegisteredSchema {
  version: number;
  type: string;
  data: string;
  properties?: Record<string, string>;
}

interface IdAnswer {
  ledgerId: number | string;
  entryId: number | string;
  partitionIndex?: number;
  batchIndex?: number;
}

/** The 404 the client reports as "answered HTTP 404": the server's reason, or undefined for another error. */
function notFoundReason(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : '';
  if (!/answered HTTP 404/.test(message)) return undefined;
  return /"reason"\s*:\s*"([^"]{1,200})"/.exec(message)?.[1] ?? 'not found';
}

export class PulsarAdmin {
  private readonly client: RestClient;
  private readonly base: URL;

  constructor(private readonly source: ResolvedSource, ctx: DriverContext) {
    if (!source.url || !/^https?:\/\//i.test(source.url)) throw new HeadwaterError('usage', `Pulsar source '${source.name}' needs url: the web service, http(s)://host:8080.`, { source: source.name });
    const settings = manifest.settings(source);
    this.base = new URL(source.url.endsWith('/') ? source.url : `${source.url}/`);
    if (this.base.username || this.base.password) throw new HeadwaterError('usage', `Pulsar source '${source.name}': the URL holds user info; Pulsar authenticates with a token: write it in token: as \${secret:NAME}.`, { source: source.name });
    this.client = new RestClient(source, {
      label: 'Pulsar source', baseUrl: this.base.href,
      auth: settings.token !== undefined ? { type: 'bearer', token: settings.token } : { type: 'none' },
      headers: Object.fromEntries(Object.entries(settings.headers ?? {}).map(([k, v]) => [k, String(v)])), query: {}, endpoints: [],
      maxPages: Number.MAX_SAFE_INTEGER, timeouts: timeoutsOf(settings), maxResponseBytes: settings.maxResponseBytes,
      allowCrossOrigin: settings.allowCrossOrigin, maxRetries: settings.maxRetries, retryBaseMs: 500, retryMaxMs: 30_000,
    }, ctx);
  }

  get secrets(): string[] {
    return this.client.secrets;
  }

  /** One GET; `missing` turns a 404 into a not_found error naming what is missing. */
  async get<T>(path: string, what: string, missing?: { entity: string; what: string }): Promise<T> {
    try {
      const response = await this.client.get(new URL(path, this.base), what);
      return this.client.json(response, what, "the admin API's") as T;
    } catch (error) {
      const reason = missing ? notFoundReason(error) : undefined;
      if (reason === undefined || !missing) throw error;
      throw new HeadwaterError('not_found', this.client.redact(`Pulsar source '${this.source.name}', entity '${missing.entity}': ${missing.what} does not exist (${reason}).`), { source: this.source.name, entity: missing.entity }, { cause: error });
    }
  }

  /** A GET whose 404 means "none" (a topic without a schema). */
  async maybe<T>(path: string, what: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path, what);
    } catch (error) {
      if (notFoundReason(error) !== undefined) return undefined;
      throw error;
    }
  }

  tenants(): Promise<string[]> {
    return this.get('admin/v2/tenants', 'the tenants');
  }

  namespaces(tenant: string): Promise<string[]> {
    return this.get(`admin/v2/namespaces/${encodeURIComponent(tenant)}`, `the namespaces of ${tenant}`, { entity: tenant, what: `tenant '${tenant}'` });
  }

  /** Topics of a namespace: every non-partitioned topic and partition, and the partitioned topics, of one domain. */
  async topics(tenant: string, namespace: string, domain: 'persistent' | 'non-persistent'): Promise<{ topics: string[]; partitioned: string[] }> {
    const path = `admin/v2/${domain}/${encodeURIComponent(tenant)}/${encodeURIComponent(namespace)}`;
    const missing = { entity: `${tenant}/${namespace}`, what: `namespace '${tenant}/${namespace}'` };
    const topics = await this.get<string[]>(path, `the ${domain} topics of ${tenant}/${namespace}`, missing);
    const partitioned = await this.get<string[]>(`${path}/partitioned`, `the partitioned ${domain} topics of ${tenant}/${namespace}`, missing);
    return { topics, partitioned };
  }

  /** Partitions of a topic (0: not partitioned); not_found when the topic does not exist. Never creates it. */
  async partitions(topic: TopicName): Promise<number> {
    const answer = await this.get<{ partitions?: number }>(`admin/v2/${topicPath(topic)}/partitions`, `the partitions of ${topic.full}`, { entity: topic.full, what: `topic ${topic.full}` });
    return answer.partitions ?? 0;
  }

  stats(topic: TopicName, partitioned: boolean): Promise<TopicStats> {
    return this.get(`admin/v2/${topicPath(topic)}/${partitioned ? 'partitioned-stats' : 'stats'}`, `the stats of ${topic.full}`, { entity: topic.full, what: `topic ${topic.full}` });
  }

  schema(topic: TopicName): Promise<RegisteredSchema | undefined> {
    return this.maybe(`admin/v2/schemas/${encodeURIComponent(topic.tenant)}/${encodeURIComponent(topic.namespace)}/${encodeURIComponent(topic.local)}/schema`, `the schema of ${topic.full}`);
  }

  /** The last message id of a topic or partition (entry -1 when nothing was ever written). */
  async lastMessageId(topic: TopicName): Promise<MessageId> {
    return idOf(await this.get<IdAnswer>(`admin/v2/${topicPath(topic)}/lastMessageId`, `the last message id of ${topic.full}`, { entity: topic.full, what: `topic ${topic.full}` }));
  }

  /** The id of the first message published at or after `ms` (past the last message when none is). */
  async messageIdAt(topic: TopicName, ms: number): Promise<MessageId> {
    return idOf(await this.get<IdAnswer>(`admin/v2/${topicPath(topic)}/messageid/${ms}`, `the message id at ${new Date(ms).toISOString()} of ${topic.full}`, { entity: topic.full, what: `topic ${topic.full}` }));
  }

  /** The broker's version, when the server says it. */
  async version(): Promise<string> {
    // Answered as bare text (4.2.4) under a JSON content type.
    const response = await this.client.get(new URL('admin/v2/brokers/version', this.base), 'the broker version');
    return response.text.replace(/^"|"$/g, '').trim().slice(0, 40);
  }
}

function idOf(answer: IdAnswer): MessageId {
  return { ledger: BigInt(answer.ledgerId), entry: BigInt(answer.entryId), partition: answer.partitionIndex ?? -1, batch: answer.batchIndex ?? -1 };
}
