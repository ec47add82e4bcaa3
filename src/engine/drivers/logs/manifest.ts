// The logs kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { option } from '../kit/options.js';

export const LOG_FORMATS = ['json', 'logfmt', 'syslog-rfc5424', 'syslog-rfc3164', 'combined', 'common', 'text', 'lines'] as const;

export const manifest = defineManifest({
  kind: 'logs',
  title: 'Log',
  summary: 'a log file, folder or glob; rotated and gzip files in order',
  schemes: [],
  fields: {
    path: option.string('A log file, a folder of them or a glob, relative to the workspace folder.', { form: { label: 'Log file, folder or glob', picker: 'file-or-folder' } }),
  },
  options: {
    format: option.oneOf(LOG_FORMATS, 'The line format, instead of detecting it per file.'),
    pattern: option.string('A regular expression with named groups (time, level, service, user, agent, host, event, message; others become attributes) for text logs.'),
    timezone: option.string('Zone of timestamps written without one (an IANA name such as Europe/Berlin, or +02:00).', { default: 'UTC' }),
    multilineStart: option.string('A regular expression matching the first line of a record; other lines join the record above (default: stack-trace heuristics).'),
  },
  required: ['path'],
  samples: { strategies: ['head', 'random', 'full'], options: [], hint: 'New records as they are written: headwater tail. To filter, query the sample: headwater query "SELECT * FROM samples.<id> WHERE level = \'error\'".' },
  semantics: {
    reads: 'Files read in place, rotated files oldest first; a tail follows the newest file.',
    order: 'File order; each record keeps its file and line number.',
  },
});
