// The sqlite kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { option } from '../kit/options.js';

export const manifest = defineManifest({
  kind: 'sqlite',
  title: 'SQLite',
  summary: 'a SQLite database file, opened read-only',
  schemes: ['sqlite:'],
  fields: {
    path: option.string('The database file, relative to the workspace folder.', { form: { label: 'Database file', picker: 'file' } }),
    url: option.string('sqlite:///abs/path.db, instead of a path.'),
  },
  options: {},
  needsOneOf: ['path', 'url'],
  // No --where or incremental (--cursor): better-sqlite3 runs a statement synchronously with no way to
  // interrupt it, so a user's expression could hold the engine past every budget.
  samples: { strategies: ['head', 'random', 'full'], options: [], hint: 'To filter, sample the table and query the sample: headwater query "SELECT * FROM samples.<id> WHERE …".' },
  semantics: { reads: 'Opened read-only and closed after each operation: rows as the file holds them at that moment.' },
});
