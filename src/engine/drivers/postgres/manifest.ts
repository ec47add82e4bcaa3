// The postgres kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { relationalFields, relationalOptions } from '../kit/option-groups.js';
import { option } from '../kit/options.js';

export const manifest = defineManifest({
  kind: 'postgres',
  title: 'PostgreSQL',
  summary: 'PostgreSQL, read-only sessions',
  schemes: ['postgres:', 'postgresql:'],
  tunnel: { defaultPort: 5432 },
  fields: relationalFields('PostgreSQL', 5432, 'postgres://user@host:5432/db?sslmode=require'),
  options: {
    ...relationalOptions('PostgreSQL', { statement: 'statement_timeout', lock: 'lock_timeout' }),
    idleInTransactionMs: option.integer('idle_in_transaction_session_timeout, in milliseconds.', { minimum: 1, default: 60_000 }),
    duckdbScanner: option.boolean('Let DuckDB\'s postgres scanner read plain tables (false: always read through the driver).', { default: true }),
  },
  needsOneOf: ['url', 'host'],
  samples: { strategies: ['head', 'random', 'full', 'incremental'], options: ['cursor', 'where', 'allowScan', 'fromPrimary'] },
  semantics: {
    reads: 'Read-only sessions with statement, lock and idle timeouts; every read is EXPLAINed first; a declared replica is preferred.',
    order: 'A snapshot of one transaction; incremental samples in cursor order.',
  },
});
