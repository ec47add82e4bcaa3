// The kinesis kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { AWS_OPTIONS } from '../kit/aws.js';
import { option } from '../kit/options.js';
import { kinesisContractServer } from './contract.js';

export const manifest = defineManifest({
  kind: 'kinesis',
  title: 'Kinesis',
  summary: 'Amazon Kinesis Data Streams (or a Kinesis-compatible endpoint): streams > shards, read per shard from a position, following child shards after resharding; no lease table, no checkpoint',
  schemes: ['kinesis:'],
  fields: {
    url: option.string('kinesis://REGION[/STREAM][?endpoint=http://host:port] (the options below say the same at greater length).', { form: { label: 'URL', placeholder: 'kinesis://us-east-1' } }),
  },
  options: {
    ...AWS_OPTIONS,
    stream: option.string('Limit the source to one stream.'),
    getRecordsPerSecond: option.integer('GetRecords calls a sample sends per second at most, over all shards (a shard allows 5 per second, shared with its consumers).', { minimum: 1, maximum: 5, default: 2 }),
    recordsPerRequest: option.integer('Records one GetRecords call asks for at most (its Limit).', { minimum: 1, maximum: 10_000, default: 1000 }),
  },
  samples: {
    strategies: ['head'], options: ['from', 'to', 'windowSeconds'],
    hint: 'Kinesis samples read shards from --from first (TRIM_HORIZON), last (LATEST), an ISO time (AT_TIMESTAMP) or a sequence number (of one shard: sample STREAM/SHARD), up to --to; --window keeps reading open shards that long.',
  },
  contractServer: kinesisContractServer,
  semantics: {
    reads: 'GetShardIterator and GetRecords per shard, parents before their children, paced; no consumer is registered and no lease table or checkpoint is written (unlike the KCL).',
    order: 'Strict by sequence number within a shard (so per partition key); none across shards. After a split or merge a key\'s records continue in a child shard, read after its parents.',
    delivery: 'Every record in the retention period, as stored; producers retrying may have written duplicates.',
  },
});
