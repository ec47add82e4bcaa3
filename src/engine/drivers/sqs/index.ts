// SQS driver (kind `sqs`), through @aws-sdk/client-sqs loaded on first use. Browse is queues with
// their attributes (type, approximate counts, visibility, retention, deduplication, redrive); a sample
// is a peek (peek.ts), only when asked for with --peek. Only these are sent: ListQueues, GetQueueUrl,
// GetQueueAttributes, ReceiveMessage (VisibilityTimeout 0). Never a delete, a visibility change or a send.
import type { BrowseNode } from '../../../shared/types.js';
import { HeadwaterError } from '../../../shared/errors.js';
import type { BatchSampleStream, Description, Driver, DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource } from '../driver.js';
import { clientFor, loadSqs, locationOf, sqsError, whereOf, withClient } from './client.js';
import { manifest } from './manifest.js';
import { MESSAGE_FIELDS, peekBatches, planPeek, riskyPeek } from './peek.js';
import { describeQueue, queueDetail, queueName, queueTooltip, queueUrl, type QueueInfo } from './queues.js';

/** Queues listed at the root (ListQueues pages of 1000), and how many are described at once. */
const MAX_QUEUES = 1000;
const DESCRIBE_AT_ONCE = 4;

async function listQueueUrls(source: ResolvedSource): Promise<{ urls: string[]; more: boolean }> {
  const { name } = locationOf(source);
  const prefix = manifest.settings(source).queuePrefix;
  return withClient(source, async (client, api) => {
    if (name) return { urls: [await queueUrl(client, api, name)], more: false };
    const urls: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new api.ListQueuesCommand({ MaxResults: 1000, ...(prefix ? { QueueNamePrefix: prefix } : {}), ...(token ? { NextToken: token } : {}) }));
      urls.push(...(page.QueueUrls ?? []));
      token = page.NextToken;
    } while (token && urls.length < MAX_QUEUES);
    return { urls, more: token !== undefined };
  }).catch((error: unknown) => {
    throw sqsError(source, name ? `finding queue '${name}'` : 'listing queues', error, name);
  });
}

async function describeAll(source: ResolvedSource, urls: string[]): Promise<Map<string, QueueInfo | string>> {
  const out = new Map<string, QueueInfo | string>();
  await withClient(source, async (client, api) => {
    const queue = [...urls];
    const worker = async () => {
      for (let url = queue.shift(); url !== undefined; url = queue.shift()) {
        try {
          out.set(url, await describeQueue(client, api, url));
        } catch (error) {
          out.set(url, sqsError(source, `reading the attributes of '${queueName(url)}'`, error, queueName(url)).message);
        }
      }
    };
    await Promise.all(Array.from({ length: DESCRIBE_AT_ONCE }, worker));
  });
  return out;
}

function queueNode(url: string, info: QueueInfo | string | undefined): BrowseNode {
  const name = queueName(url);
  const known = typeof info === 'object' ? info : undefined;
  return {
    id: name, label: name, kind: 'topic', sampleable: true, expandable: false, entity: name,
    detail: known ? queueDetail(known) : typeof info === 'string' ? info : 'not described',
    ...(known ? { estimatedRows: known.visible + known.inFlight + known.delayed, tooltip: queueTooltip(known) } : {}),
  };
}

async function sampleSqs(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<BatchSampleStream> {
  const client = await clientFor(source);
  try {
    const api = await loadSqs();
    const url = await queueUrl(client, api, entity, ctx.signal);
    const queue = await describeQueue(client, api, url, ctx.signal);
    if (!options.peek) {
      throw new HeadwaterError('usage', `SQS source '${source.name}', queue '${entity}': messages are read only with --peek (${queueDetail(queue)}).`, {
        source: source.name, entity,
        hint: 'Pass --peek: it receives with a visibility timeout of 0 and never deletes, but raises the receive count of every message it sees.',
      });
    }
    const settings = manifest.settings(source);
    const plan = planPeek(options.limit, queue, settings);
    const refusal = options.confirmFull ? undefined : riskyPeek(source, queue, plan, options.limit);
    if (refusal) throw refusal;
    if (queue.redrive) ctx.log('warn', `SQS queue '${entity}': the peek raises receive counts toward maxReceiveCount ${queue.redrive.maxReceiveCount} (up to ${plan.receives} per message).`);
    const notes = [`before the peek: ${queueDetail(queue)}`];
    const batches = peekBatches({ client, api, source, queue, plan, limit: options.limit, confirmed: options.confirmFull === true, ctx, notes });
    return {
      fields: MESSAGE_FIELDS, method: 'snapshot', notes,
      query: `peek ${entity}: up to ${plan.receives} ReceiveMessage (VisibilityTimeout 0, WaitTimeSeconds ${plan.waitSeconds}, at most ${settings.receivesPerSecond}/s), no delete; ${whereOf(source)}`,
      batches: closing(batches, source, entity, () => client.destroy()),
    };
  } catch (error) {
    client.destroy();
    throw sqsError(source, `peeking at '${entity}'`, error, entity);
  }
}

/** The peek's batches, with its errors restated and the client released when it ends. */
async function* closing(batches: AsyncGenerator<RecordBatch>, source: ResolvedSource, entity: string, release: () => void): AsyncGenerator<RecordBatch> {
  try {
    yield* batches;
  } catch (error) {
    throw sqsError(source, `peeking at '${entity}'`, error, entity);
  } finally {
    release();
  }
}

const driver: Driver = {
  kind: 'sqs',

  async describe(source): Promise<Description> {
    try {
      const { urls, more } = await listQueueUrls(source);
      const { name } = locationOf(source);
      return { reachable: true, version: 'SQS', detail: `${whereOf(source)}: ${name ? `queue ${name}` : `${urls.length}${more ? '+' : ''} queues`}` };
    } catch (error) {
      return { reachable: false, detail: (error as Error).message };
    }
  },

  async browse(source, path): Promise<BrowseNode[]> {
    if (path.length > 0) return [];
    const { urls, more } = await listQueueUrls(source);
    const infos = await describeAll(source, urls);
    const nodes = urls.map((url) => queueNode(url, infos.get(url)));
    if (more) nodes.push({ id: '…', label: `… more than ${MAX_QUEUES} queues (set options.queuePrefix or options.queue)`, kind: 'group', sampleable: false, expandable: false });
    return nodes;
  },

  sample: sampleSqs,
};

export default driver;
