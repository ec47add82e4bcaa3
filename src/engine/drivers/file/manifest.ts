// The file kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { fileFormatOptions, FILE_SAMPLES } from '../kit/option-groups.js';
import { option } from '../kit/options.js';

export const manifest = defineManifest({
  kind: 'file',
  title: 'File',
  summary: 'a data file or folder: CSV, TSV, JSON, NDJSON, Parquet, optionally gzip-compressed',
  schemes: ['file:'],
  fields: {
    path: option.string('File or folder path, relative to the workspace folder.', { form: { label: 'File or folder', picker: 'file-or-folder' } }),
    url: option.string('file:///data/folder, instead of a path.'),
  },
  options: fileFormatOptions,
  needsOneOf: ['path', 'url'],
  samples: FILE_SAMPLES,
  semantics: { reads: 'Read in place, never changed; each file is one entity, its format from the extension unless the format option says.' },
});
