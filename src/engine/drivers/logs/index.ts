// Logs driver (kind `logs`): a log file, a folder of them or a glob. Rotated files are one log read
// oldest first; each file's format is detected (JSON lines, logfmt, syslog RFC 5424/3164, combined and
// common access logs, text with a named-group pattern) unless the `format` option says; every record
// has who / what / when columns, its file and line as provenance, and malformed lines are kept raw.
import type { BrowseNode } from '../../../shared/types.js';
import type { Description, Driver } from '../driver.js';
import { FORMAT_LABELS, loadParsers } from './formats.js';
import { logRoot, logSets, resolveLog } from './files.js';
import { headLines, sampleLog } from './read.js';
import { formatOfFile, logOptions } from './records.js';
import { tailLog } from './tail.js';

const DETECTED_PER_BROWSE = 50;
const driver: Driver = {
  kind: 'logs',

  async describe(source): Promise<Description> {
    try {
      const root = logRoot(source);
      const sets = await logSets(source);
      const files = sets.reduce((n, s) => n + s.files.length, 0);
      return { reachable: true, detail: `${root.target}: ${sets.length} log${sets.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}` };
    } catch (error) {
      return { reachable: false, detail: error instanceof Error ? error.message : String(error) };
    }
  },

  async browse(source, path): Promise<BrowseNode[]> {
    if (path.length > 0) return [];
    const options = logOptions(source);
    const libraries = await loadParsers();
    const sets = await logSets(source);
    return Promise.all(sets.map(async (set, i): Promise<BrowseNode> => {
      const live = set.files[set.files.length - 1]!;
      let detail = set.files.length > 1 ? `${set.files.length} files (rotated)` : live.gzip ? 'gzip' : '';
      // Detection reads the first 32 KiB of a file: bounded, so huge folders list only the first logs' formats.
      if (i < DETECTED_PER_BROWSE) {
        const format = formatOfFile(await headLines(live).catch(() => []), options, libraries);
        detail = [FORMAT_LABELS[format], detail].filter(Boolean).join(', ');
      }
      return { id: set.entity, label: set.entity, kind: 'file', sampleable: true, expandable: false, entity: set.entity, bytes: set.bytes, detail };
    }));
  },

  async sample(source, entity, options, ctx) {
    return sampleLog(source, await resolveLog(source, entity), options, ctx);
  },

  async tail(source, entity, ctx) {
    return tailLog(source, await resolveLog(source, entity), ctx);
  },
};

export default driver;
