// The mysql kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { relationalFields, relationalOptions } from '../kit/option-groups.js';

export const manifest = defineManifest({
  kind: 'mysql',
  title: 'MySQL',
  summary: 'MySQL or MariaDB, read-only sessions',
  schemes: ['mysql:', 'mariadb:'],
  tunnel: { defaultPort: 3306 },
  fields: relationalFields('MySQL', 3306, 'mysql://user@host:3306/db'),
  options: relationalOptions('MySQL', { statement: 'max_execution_time / MariaDB max_statement_time', lock: 'lock_wait_timeout, rounded up to seconds' }),
  needsOneOf: ['url', 'host'],
  samples: { strategies: ['head', 'random', 'full', 'incremental'], options: ['cursor', 'where', 'allowScan', 'fromPrimary'] },
  semantics: {
    reads: 'Read-only sessions with statement and lock timeouts; every read is EXPLAINed first; a declared replica is preferred.',
    order: 'A consistent snapshot per read; incremental samples in cursor order.',
  },
});
