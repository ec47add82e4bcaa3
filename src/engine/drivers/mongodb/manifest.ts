// The mongodb kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { mongodbContractServer } from './contract.js';
import { option } from '../kit/options.js';

const EXAMPLE = 'mongodb://user:${secret:NAME}@host:27017/db?authSource=admin';

export const manifest = defineManifest({
  kind: 'mongodb',
  title: 'MongoDB',
  summary: 'MongoDB (and wire-compatible servers): databases, collections and views, read-only samples of BSON documents',
  schemes: ['mongodb:', 'mongodb+srv:'],
  tunnel: { defaultPort: 27017 },
  fields: {
    url: option.string(`Connection string, e.g. ${EXAMPLE} (mongodb+srv:// for a DNS seed list). The password as \${secret:NAME}, never literally.`, { form: { label: 'Connection string', placeholder: 'mongodb://localhost:27017' } }),
    database: option.string('The database a collection name without a database prefix belongs to (default: the connection string\'s).', { form: { label: 'Database' } }),
  },
  options: {
    readPreference: option.oneOf(['primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest'],
      'Which member reads go to. secondaryPreferred keeps samples off the primary where a secondary exists (a connection string\'s readPreference wins).', { default: 'secondaryPreferred' }),
    maxTimeMS: option.integer('Server-side time limit of every operation (find, aggregate, listCollections, stats), in milliseconds.', { minimum: 1, default: 30_000 }),
    connectTimeoutMs: option.integer('How long to wait for a server to be selected and to answer a connection, in milliseconds.', { minimum: 1, default: 10_000 }),
    directConnection: option.boolean('Talk to the one host named, without discovering the replica set (a connection string\'s directConnection wins).'),
    batchSize: option.integer('Documents per getMore.', { minimum: 1, maximum: 100_000, default: 1000 }),
    randomRanges: option.integer('Random samples on servers without $sample: how many random _id ranges the documents are read from.', { minimum: 1, maximum: 10_000, default: 100 }),
  },
  samples: { strategies: ['head', 'random', 'full', 'incremental'], options: ['cursor', 'where'], hint: '--where takes a JSON filter such as {"status": "paid"} ($where, $function and $accumulator are refused).' },
  contractServer: mongodbContractServer,
  semantics: {
    reads: 'find and aggregate only, with maxTimeMS on every operation and readPreference secondaryPreferred by default; cursors are killed on cancel.',
    order: 'head and incremental in _id (or cursor-field) order; random by $sample, or by random _id ranges where the server lacks $sample.',
    delivery: 'Each document once per read; no snapshot across getMores (documents moved by concurrent writes may be seen twice or not at all).',
  },
});
