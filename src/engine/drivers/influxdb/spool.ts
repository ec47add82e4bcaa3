// Points land without passing through JS one by one: the lines of each chunked answer are written as
// they came to part files of a spool, and the workspace's DuckDB reads the parts (read_json, then
// unnest of series and values, each value cast to the type SHOW FIELD KEYS declared) while the next
// are fetched. The driver only parses a line to move its cursors (per series: how many points, the
// oldest time), as any client does. Building a record per point, typing it and appending it cost 4×
// the read itself (bench/cases/influxdb.ts).
import { mkdtempSync, rm, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Field } from '../../../shared/types.js';
import { PROVENANCE_COLUMN, type StreamedPart } from '../driver.js';
import { PartQueue } from '../kit/part-queue.js';
import { quoteIdent, quoteLiteral } from '../kit/sql-text.js';

/** Answer lines as written: `keep`, when set, is how many points (newest first) each series key keeps of it (the sample's limit cut the page). */
export interface SpoolPart { file: string; rows: number; bytes: number; longestLine: number; keep?: Map<string, number> }

/** Parts waiting to land are landed together up to this size (until a stop: then one by one). */
const MERGE_BYTES = 2 * 1024 * 1024;
/** A part is handed over once it holds this much: DuckDB lands it while the next fills. */
const PART_BYTES = 1024 * 1024;
const NEWLINE = Buffer.from('\n');

export class InfluxSpool {
  readonly queue: PartQueue<SpoolPart>;
  private readonly dir = mkdtempSync(join(tmpdir(), 'hw-influx-spool-'));
  private parts = 0;
  private pending: Buffer[] = [];
  private pendingRows = 0;
  private pendingBytes = 0;

  /** `columns`: the landed columns and where each comes from, `measurement` for the provenance. */
  constructor(private readonly columns: LandedColumn[], private readonly measurement: string) {
    this.queue = new PartQueue<SpoolPart>((parts) => this.landingPart(parts), MERGE_BYTES);
  }

  /** Adds one answer line (a chunk of a chunked answer) to the part being filled; a full part is handed over. */
  async append(line: Buffer, points: number): Promise<void> {
    this.pending.push(line);
    this.pendingRows += points;
    this.pendingBytes += line.length + 1;
    if (this.pendingBytes >= PART_BYTES) await this.flush();
  }

  /** Adds a line the sample's limit cut: a part of its own, so `keep` names only its series. */
  async cut(line: Buffer, points: number, keep: Map<string, number>): Promise<void> {
    await this.flush();
    this.pending.push(line);
    this.pendingRows += points;
    this.pendingBytes += line.length + 1;
    await this.flush(keep);
  }

  /** Hands over the part being filled, if it holds a point. */
  async flush(keep?: Map<string, number>): Promise<void> {
    const lines = this.pending.splice(0);
    const [rows, bytes] = [this.pendingRows, this.pendingBytes];
    const longestLine = Math.max(0, ...lines.map((l) => l.length));
    this.pendingRows = this.pendingBytes = 0;
    if (!rows) return;
    const file = join(this.dir, `part-${this.parts++}.json`);
    await writeFile(file, Buffer.concat(lines.flatMap((l) => [l, NEWLINE])));
    this.queue.push({ file, rows, bytes, longestLine, ...(keep ? { keep } : {}) });
  }

  /** Parts not landed are dropped, then the folder once the read is over. */
  close(reading: Promise<unknown>): void {
    for (const part of this.queue.drain()) rmSync(part.file, { force: true });
    void reading.finally(() => rmSync(this.dir, { recursive: true, force: true }));
  }

  private landingPart(parts: SpoolPart[]): StreamedPart {
    const whole = parts.filter((p) => !p.keep);
    const cut = parts.filter((p) => p.keep);
    const maxBytes = Math.max(...parts.map((p) => p.longestLine));
    const selects = [
      ...(whole.length ? [this.select(whole.map((p) => p.file), maxBytes)] : []),
      ...cut.map((p) => this.select([p.file], maxBytes, p.keep)),
    ];
    return {
      select: selects.length === 1 ? selects[0]! : selects.map((s) => `(${s})`).join(' UNION ALL '),
      rows: parts.reduce((n, p) => n + p.rows, 0),
      // Off the JS thread: unlinking a part's pages is not free.
      release: () => {
        for (const part of parts) rm(part.file, { force: true }, () => undefined);
      },
    };
  }

  /**
   * The points of the answers in `files`: each statement's series, each series' values (JSON values
   * read as text, then cast to the declared type; an empty tag is a series lacking it: null). The
   * series key (tags sorted, empty ones left out) is the provenance's, as seriesKey() writes it.
   */
  select(files: string[], longestLine: number, keep?: Map<string, number>): string {
    const read = `read_json([${files.map(quoteLiteral).join(', ')}], format = 'newline_delimited', maximum_object_size = ${Math.max(1024 * 1024, longestLine + 1)}, `
      + `columns = {results: 'STRUCT(series STRUCT(tags MAP(VARCHAR, VARCHAR), columns VARCHAR[], "values" VARCHAR[][])[])[]'})`;
    const key = "array_to_string(list_transform(list_filter(list_sort(map_entries(s.tags)), e -> e.value <> ''), e -> e.key || '=' || e.value), ',')";
    const columns = this.columns.map((c) => `${valueOf(c)} AS ${quoteIdent(c.field.name)}`);
    const provenance = `json_object('measurement', ${quoteLiteral(this.measurement)}, 'series', k, 'time', v[1]) AS ${PROVENANCE_COLUMN}`;
    const points = `SELECT s.tags AS tags, s.columns AS cols, ${key} AS k, unnest(s."values") AS v${keep ? ', generate_subscripts(s."values", 1) AS n' : ''}`
      + ` FROM (SELECT unnest(r.series) AS s FROM (SELECT unnest(results) AS r FROM ${read}))`;
    const kept = keep ? ` WHERE n <= coalesce(MAP {${[...keep].map(([k, n]) => `${quoteLiteral(k)}: ${n}`).join(', ')}}[k], 0)` : '';
    return `SELECT ${[...columns, provenance].join(', ')} FROM (${points})${kept}`;
  }
}

/** A landed column: the point's time, a tag (by its key) or a field (by its column in the answer). */
export interface LandedColumn { field: Field; from: 'time' | 'tag' | 'field'; key: string }

function valueOf({ field, from, key }: LandedColumn): string {
  if (from === 'time') return 'CAST(v[1] AS TIMESTAMPTZ)';
  if (from === 'tag') return `nullif(tags[${quoteLiteral(key)}], '')`;
  const text = `v[list_position(cols, ${quoteLiteral(key)})]`;
  return field.duckType === 'VARCHAR' ? text : `CAST(${text} AS ${field.duckType})`;
}
