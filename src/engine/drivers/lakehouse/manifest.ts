// The lakehouse kind as the engine, the editor and the Add Source form see it (no client library loaded).
import type { SourceDefinition } from '../../../shared/protocol.js';
import { CONTRACT_TODO } from '../kit/contract.js';
import { defineManifest } from '../kit/manifest.js';
import { option } from '../kit/options.js';

export const manifest = defineManifest({
  kind: 'lakehouse',
  title: 'Lakehouse folder',
  summary: 'folders of Parquet or CSV files with hive partitioning (year=2024/month=01/…), each read as one table with its partition columns; Iceberg and Delta tables read through their metadata',
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
    reads: 'Read in place by DuckDB, never changed; a --where on partition columns chooses the files before anything is read (partition pruning), and the sample\'s query lists them. An Iceberg or Delta table is read by DuckDB\'s iceberg or delta extension at its current snapshot or version, which prunes files by partition values (and Iceberg column statistics); the sample\'s status names the files it opened.',
    order: 'head: files in path order, rows in file order; random: a reservoir sample over the files the filter keeps.',
  },
  contractServer: (definition, entity, _login, query) => {
    // An Iceberg or Delta table (the sample read it with the format's scan) is its folder in that format, never a glob of its data files.
    const format = /\bdelta_scan\(/.test(query ?? '') ? 'delta' : /\biceberg_scan\(/.test(query ?? '') ? 'iceberg' : undefined;
    if (definition.path && format) {
      const folder = `${definition.path.replace(/\/+$/, '')}${entity === '.' ? '' : `/${entity}`}`;
      return { type: 'local', path: folder, format, description: `lakehouse source '${definition.name}', ${format === 'delta' ? 'Delta' : 'Iceberg'} table ${entity}: read through its metadata.` };
    }
    return lakeServer(definition, entity);
  },
});

function lakeServer(definition: SourceDefinition, entity: string): Record<string, unknown> {
  return {
    type: 'local',
    path: definition.path ? `${definition.path.replace(/\/+$/, '')}/${entity === '.' ? '' : `${entity}/`}**/*.${String((definition.options as { format?: string } | undefined)?.format ?? 'parquet')}` : CONTRACT_TODO,
    format: String((definition.options as { format?: string } | undefined)?.format ?? 'parquet'),
    description: `lakehouse source '${definition.name}', table ${entity}: hive-partitioned files read in place.`,
  };
}
