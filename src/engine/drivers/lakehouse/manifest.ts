// The lakehouse kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { CONTRACT_TODO } from '../kit/contract.js';
import { defineManifest } from '../kit/manifest.js';
import { option } from '../kit/options.js';

export const manifest = defineManifest({
  kind: 'lakehouse',
  title: 'Lakehouse folder',
  summary: 'folders of Parquet or CSV files with hive partitioning (year=2024/month=01/…), each read as one table with its partition columns',
  schemes: [],
  fields: {
    path: option.string('The folder holding the tables (each subfolder is a table), or one table\'s folder; relative to the workspace folder.', { form: { label: 'Folder', picker: 'folder' } }),
  },
  options: {
    format: option.oneOf(['parquet', 'csv'], 'The data files\' format, instead of the one their extensions give.'),
    maxFiles: option.integer('A table with more data files than this is refused (list them with a narrower folder).', { minimum: 1, default: 100_000 }),
  },
  required: ['path'],
  samples: {
    strategies: ['head', 'random', 'full'],
    options: ['where'],
    hint: '--where takes one DuckDB condition; on partition columns (--where "year = 2024") only the matching partitions\' files are read.',
  },
  semantics: {
    reads: 'Read in place by DuckDB, never changed; a --where on partition columns chooses the files before anything is read (partition pruning), and the sample\'s query lists them.',
    order: 'head: files in path order, rows in file order; random: a reservoir sample over the files the filter keeps.',
  },
  contractServer: (definition, entity) => ({
    type: 'local',
    path: definition.path ? `${definition.path.replace(/\/+$/, '')}/${entity === '.' ? '' : `${entity}/`}**/*.${String((definition.options as { format?: string } | undefined)?.format ?? 'parquet')}` : CONTRACT_TODO,
    format: String((definition.options as { format?: string } | undefined)?.format ?? 'parquet'),
    description: `lakehouse source '${definition.name}', table ${entity}: hive-partitioned files read in place.`,
  }),
});
