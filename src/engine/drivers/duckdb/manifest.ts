// The duckdb kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { CONTRACT_TODO } from '../kit/contract.js';
import { defineManifest } from '../kit/manifest.js';
import { option } from '../kit/options.js';

export const manifest = defineManifest({
  kind: 'duckdb',
  title: 'DuckDB database',
  summary: 'a .duckdb database file, attached read-only: schemas > tables and views',
  schemes: ['duckdb:'],
  fields: {
    path: option.string('The .duckdb file, relative to the workspace folder.', { form: { label: 'Database file', picker: 'file' } }),
    url: option.string('duckdb:///absolute/path/to/file.duckdb, instead of a path.'),
  },
  options: {
    schema: option.string('Schema that bare table names refer to (default main).', { default: 'main' }),
  },
  needsOneOf: ['path', 'url'],
  samples: {
    strategies: ['head', 'random', 'full'],
    options: ['where'],
    hint: '--where takes one DuckDB condition over the table\'s columns (no subqueries or file functions).',
  },
  semantics: {
    reads: 'Attached READ_ONLY to the workspace\'s DuckDB for the one statement that lands the sample, then detached; never written, never locked for writing.',
    order: 'head: storage (rowid) order; random: a reservoir sample over the whole table.',
  },
  contractServer: (definition, entity) => {
    const dot = entity.indexOf('.');
    return {
      type: 'duckdb',
      database: definition.path ?? (definition.url ? definition.url.replace(/^duckdb:\/\//, '') : CONTRACT_TODO),
      schema: dot > 0 ? entity.slice(0, dot) : String((definition.options as { schema?: string } | undefined)?.schema ?? 'main'),
    };
  },
});
