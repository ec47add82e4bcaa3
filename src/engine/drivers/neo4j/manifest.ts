// The neo4j kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { option } from '../kit/options.js';
import { neo4jContractServer } from './contract.js';

export const manifest = defineManifest({
  kind: 'neo4j',
  title: 'Neo4j',
  summary: 'Neo4j (Bolt): node labels and relationship types, read-only samples of nodes and relationships',
  schemes: ['bolt:', 'bolt+s:', 'bolt+ssc:', 'neo4j:', 'neo4j+s:', 'neo4j+ssc:'],
  fields: {
    url: option.string('Bolt URL, e.g. neo4j://host:7687 (a cluster, routed) or bolt://host:7687 (one server); +s for TLS. The password as ${secret:NAME}, never literally.', { form: { label: 'URL', placeholder: 'neo4j://localhost:7687' } }),
    user: option.string('User name (basic auth). A user with the reader role is best; Headwater\'s transactions are read-only anyway.', { form: { label: 'User', placeholder: 'neo4j' } }),
    password: option.string('The password: write ${secret:NAME} or ${env:VAR}, never the value itself.', { form: { label: 'Password', secret: true } }),
    database: option.string('The database to read (default: the server\'s default database).', { form: { label: 'Database', placeholder: 'neo4j' } }),
  },
  options: {
    transactionTimeoutMs: option.integer('Server-side timeout of every transaction Headwater opens, in milliseconds (the server kills it after this).', { minimum: 100, maximum: 3_600_000, default: 60_000 }),
    connectTimeoutMs: option.integer('Longest wait for the server to accept the connection, in milliseconds.', { minimum: 100, maximum: 600_000, default: 10_000 }),
    fetchSize: option.integer('Records per pull from the server (back-pressure: the server streams no further ahead).', { minimum: 1, maximum: 100_000, default: 1000 }),
    randomRanges: option.integer('A random sample reads this many short runs, each from a seeded random offset in the label\'s (or type\'s) scan order.', { minimum: 1, maximum: 1024, default: 16 }),
    confirmFullRows: option.integer('A full read of more nodes or relationships than this (count store) needs --yes.', { minimum: 0, default: 100_000 }),
  },
  required: ['url'],
  samples: {
    strategies: ['head', 'random', 'full'],
    options: ['where'],
    hint: '--where takes a Cypher predicate on n (a node) or r, a, b (a relationship and its ends), e.g. --where "n.age > 30"; clauses that write, CALL and LOAD CSV are refused.',
  },
  contractServer: neo4jContractServer,
  semantics: {
    reads: 'READ sessions and read-only transactions with a server-side timeout; every query is EXPLAINed first and refused unless the server plans it as read-only.',
    order: 'head and full in the label (or relationship type) scan order, which is internal id order; random from seeded offsets in that order.',
    delivery: 'Each node or relationship once per read, from one transaction.',
  },
});
