// The dynamodb kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { dynamoContractServer } from './contract.js';
import { option } from '../kit/options.js';

const SECRET = 'as ${secret:NAME} or ${env:VAR}, never literally';

export const manifest = defineManifest({
  kind: 'dynamodb',
  title: 'DynamoDB',
  summary: 'Amazon DynamoDB tables (or a DynamoDB-compatible endpoint): paced Scans within a read budget, Queries by key, single-table entity types',
  schemes: ['dynamodb:'],
  fields: {
    url: option.string('dynamodb://REGION[/TABLE][?endpoint=http://host:port] (the options below say the same at greater length).', { form: { label: 'URL', placeholder: 'dynamodb://us-east-1' } }),
  },
  options: {
    region: option.string('Region (default: the URL, else AWS_REGION, else us-east-1).', { form: { label: 'Region', placeholder: 'us-east-1' } }),
    endpoint: option.string('Endpoint URL of a DynamoDB-compatible service (default: AWS). Credentials are sent only there.', { form: { label: 'Endpoint (empty for AWS)' } }),
    table: option.string('Limit the source to one table.'),
    profile: option.string('A profile of ~/.aws/config to take credentials from (default: the AWS environment and profile chain).', { form: { label: 'AWS profile' } }),
    accessKeyId: option.string(`Access key id, ${SECRET}.`, { form: { label: 'Access key id', secret: true } }),
    secretAccessKey: option.string(`Secret access key, ${SECRET}.`, { form: { label: 'Secret access key', secret: true } }),
    sessionToken: option.string(`Session token for temporary credentials, ${SECRET}.`),
    readUnitsPerSecond: option.integer('Read budget of a sample, in read capacity units per second, paced from the consumed capacity DynamoDB reports (default: 10% of the table\'s provisioned read capacity, at least 1; 25 for an on-demand table).', { minimum: 1, maximum: 100_000 }),
    segments: option.integer('Parallel Scan segments (TotalSegments); 1 reads one segment at a time. More segments share the same read budget.', { minimum: 1, maximum: 64, default: 1 }),
    typeAttribute: option.string('The attribute naming an item\'s entity type in a single-table design (default: detected: type, entityType, _type, __typename...).'),
    requestTimeoutMs: option.integer('Timeout of one request, in milliseconds.', { minimum: 100, default: 15_000 }),
  },
  samples: { strategies: ['head', 'random'], options: ['where', 'entityType'], hint: 'DynamoDB samples take --where as a key condition (pk = \'v\' [AND sk ...]) and --entity-type for single-table designs.' },
  contractServer: dynamoContractServer,
  semantics: {
    reads: 'Scan (eventually consistent, paced to a read budget in RCU/s from the consumed capacity each page reports) or Query when --where is a key condition; no writes. A Scan reads every item it passes: its cost grows with the table, not with what lands.',
    order: 'Scan: hash order of the partition key (no meaning); Query: sort-key order within one partition key.',
    delivery: 'exactly the stored items; a Scan sees each item once (eventually consistent: a recent write may be missing).',
  },
});
