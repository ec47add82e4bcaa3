// The cassandra kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { portField } from '../kit/option-groups.js';
import { option } from '../kit/options.js';

/** Consistency levels a read may use (no write-only levels such as ANY). */
export const READ_CONSISTENCIES = ['ONE', 'LOCAL_ONE', 'TWO', 'THREE', 'QUORUM', 'LOCAL_QUORUM', 'EACH_QUORUM', 'ALL', 'SERIAL', 'LOCAL_SERIAL'] as const;

export const manifest = defineManifest({
  kind: 'cassandra',
  title: 'Cassandra',
  summary: 'Apache Cassandra (CQL native protocol): keyspaces, tables and views, token-range samples',
  schemes: ['cassandra:'],
  // Contact points go through local forwards; the peers the ring names, through the driver's address translator (connection.ts).
  tunnel: { defaultPort: 9042, hostLists: ['contactPoints'] },
  fields: {
    url: option.string('cassandra://user:${secret:NAME}@host1:9042,host2:9042/keyspace?localDataCenter=dc1 (fields below override its parts).', { form: { label: 'URL', placeholder: 'cassandra://localhost:9042/my_keyspace' } }),
    contactPoints: option.stringList('Nodes to reach first, as host or host:port (instead of a URL); the driver discovers the rest of the ring.', { form: { label: 'Contact points', placeholder: 'localhost:9042' } }),
    port: portField('Native protocol port of contact points given without one (default 9042).', { label: 'Port', placeholder: '9042' }),
    localDataCenter: option.string('The datacenter whose nodes coordinate the reads (LOCAL_ONE keeps them there); default: the datacenter of the first node reached.', { form: { label: 'Local datacenter', placeholder: 'datacenter1' } }),
    keyspace: option.string('Keyspace the tree opens on and that bare table names refer to (others stay browsable).', { form: { label: 'Keyspace' } }),
    user: option.string('User name for PasswordAuthenticator. A role with SELECT only is best.', { form: { label: 'User' } }),
    password: option.string('The password: write ${secret:NAME} or ${env:VAR}, never the value itself.', { form: { label: 'Password', secret: true } }),
  },
  options: {
    consistency: option.oneOf(READ_CONSISTENCIES, 'Consistency level of every read.', { default: 'LOCAL_ONE' }),
    pageSize: option.integer('Most rows per page (fetch size) of every read; pages are also kept to about 4 MB by the width of the rows read so far, and the first ask for 1,000 at most.', { minimum: 1, maximum: 10_000, default: 5000 }),
    requestTimeoutMs: option.integer('Longest wait for one request (a page) to answer, in milliseconds.', { minimum: 100, maximum: 600_000, default: 12_000 }),
    connectTimeoutMs: option.integer('Longest wait for a node to accept the connection, in milliseconds.', { minimum: 100, maximum: 600_000, default: 10_000 }),
    ssl: option.boolean('Connect with TLS (the server certificate is verified against the system CAs).', { default: false }),
    randomRanges: option.integer('A random sample reads this many token ranges spread over the ring, each from a random token on.', { minimum: 1, maximum: 1024, default: 64 }),
    confirmFullRows: option.integer('A full read of a table estimated above this many rows (system.size_estimates) needs --yes.', { minimum: 0, default: 100_000 }),
    confirmFullBytes: option.integer('A full read of a table estimated above this many bytes needs --yes.', { minimum: 0, default: 256 * 1024 * 1024 }),
  },
  needsOneOf: ['url', 'contactPoints'],
  samples: { strategies: ['head', 'random', 'full'], options: ['where', 'allowScan'], hint: '--where takes a predicate on the partition key; one that needs ALLOW FILTERING also needs --allow-scan.' },
  semantics: {
    reads: 'SELECT by token ranges with a bounded page size, consistency LOCAL_ONE by default and a timeout per request; never ALLOW FILTERING unless --where needs it and --allow-scan is given.',
    order: 'Token order of the partition key (not insertion order), clustering order within a partition.',
  },
});
