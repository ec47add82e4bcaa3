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
  semantics: { reads: 'Opened read-only and closed after each operation: rows as the file holds them at that moment.' },
});
