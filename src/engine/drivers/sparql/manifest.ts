// The sparql kind (SPARQL 1.1 protocol endpoints) as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { httpClientOptions } from '../kit/option-groups.js';
import { option } from '../kit/options.js';
import { sparqlContractServer } from './contract.js';

export const manifest = defineManifest({
  kind: 'sparql',
  title: 'SPARQL endpoint',
  summary: 'An RDF store over the SPARQL 1.1 protocol: classes with instance counts, predicates with their object kinds, named graphs; samples of a class\'s instances',
  schemes: ['sparql+http:', 'sparql+https:'],
  fields: {
    url: option.string('The query endpoint, e.g. http://host:3030/dataset/sparql (sparql+http:// on the command line). Only SELECT queries are sent to it.', { form: { label: 'Query endpoint', placeholder: 'http://localhost:3030/ds/sparql' } }),
    user: option.string('User name for basic auth.', { form: { label: 'User' } }),
    password: option.string('The password: write ${secret:NAME} or ${env:VAR}, never the value itself.', { form: { label: 'Password', secret: true } }),
  },
  options: {
    ...httpClientOptions,
    pageSize: option.integer('Instances (subjects) one query reads; their triples come with them.', { minimum: 1, maximum: 10_000, default: 500 }),
    queryTimeoutMs: option.integer('Asks the server to stop a query after this many milliseconds (the `timeout` parameter Fuseki and Virtuoso read; others ignore it).', { minimum: 100, default: 30_000 }),
    maxClasses: option.integer('Classes browse lists at most (the most populated first).', { minimum: 1, maximum: 100_000, default: 1000 }),
    randomRanges: option.integer('A random sample reads this many pages, each from a seeded random OFFSET.', { minimum: 1, maximum: 1024, default: 8 }),
    confirmFullRows: option.integer('A full read of a class with more instances than this needs --yes.', { minimum: 0, default: 100_000 }),
    maxResponseBytes: option.integer('Largest answer of one query, refused without reading it all.', { minimum: 1, default: 64 * 1024 * 1024 }),
    maxRetries: option.integer('Retries of one query after 429/5xx/network errors.', { minimum: 0, default: 3 }),
  },
  required: ['url'],
  samples: {
    strategies: ['head', 'random', 'full'],
    options: ['where'],
    hint: '--where takes a SPARQL group pattern on ?s, e.g. --where "?s <http://schema.org/age> ?age . FILTER(?age > 30)"; updates, SERVICE and subqueries are refused.',
  },
  contractServer: sparqlContractServer,
  semantics: {
    reads: 'SELECT queries only, one at a time, each with the server-side timeout asked for; paged by LIMIT/OFFSET over the instances in subject order.',
    order: 'Subject IRI order (ORDER BY ?s), so OFFSET pages are stable; random reads pages at seeded random offsets.',
    delivery: 'Each page is its own query: a store written to between pages may shift instances across pages.',
  },
});
