// Export control: anything that writes sample data out of the workspace (export of a sample or of a
// SELECT, a cell copied from the grid) writes what landed, so the policy applied at landing already
// holds. Under the workspace's `privacy: { export: refuse-unmasked }`, a column where personal data was
// detected and that landed unmasked (policy `detect`, a `keep` rule, a class no rule covers) is refused,
// naming the column.
import { HeadwaterError } from '../../shared/errors.js';
import type { PrivacyFinding, PrivacyPolicy } from '../../shared/privacy.js';
import type { ExportParams } from '../../shared/protocol.js';
import type { QueryResult, SampleInfo } from '../../shared/types.js';
import type { Workspace } from '../workspace/workspace.js';
import { isInside, samePath } from '../../shared/privacy-path.js';
import { classifyAny } from './scan.js';

/** Rows of a SELECT's result searched by the detectors before it is exported. */
export const EXPORT_ROWS_SEARCHED = 10_000;

/** Findings of a sample on fields that landed unmasked (neither they nor their column or an enclosing field hashed, masked or dropped). */
export function unmaskedFindings(sample: SampleInfo): PrivacyFinding[] {
  const transformed = sample.privacy?.columns ?? [];
  return (sample.privacy?.findings ?? []).filter((f) => !transformed.some((c) => samePath(c.field, f.field) || isInside(f.field, c.field)) && f.class !== undefined);
}

/** The column a finding's field is (`phone`) or lies in (`user` for `user.email`). */
function columnOfFinding(field: string): string {
  const at = field.search(/[.[]/);
  return at > 0 ? field.slice(0, at) : field;
}

function refused(what: string, column: string, why: string): HeadwaterError {
  return new HeadwaterError('usage', `Export refused: ${what} column '${column}' holds personal data that landed unmasked (${why}); the workspace's privacy: { export: refuse-unmasked } forbids writing it out.`, {
    hint: `Hash, mask or drop '${column}' in the source's privacy: in .headwater/sources.yaml and sample again, or export a SELECT that leaves it out.`,
  });
}

export interface ExportGuardInput {
  policy: PrivacyPolicy | undefined;
  /** The sample exported, or the samples a SELECT names. */
  samples: SampleInfo[];
  /** For a SELECT: its first rows, searched by the detectors. */
  result?: QueryResult;
  /** For a SELECT: its text (columns it names). */
  sql?: string;
  /** Only these columns are written (a cell copied): undefined for all. */
  columns?: string[];
}

/** Throws when the workspace forbids exporting unmasked detected fields and this export would write one. */
export function guardExport(input: ExportGuardInput): void {
  if (input.policy?.export !== 'refuse-unmasked') return;
  for (const sample of input.samples) {
    for (const finding of unmaskedFindings(sample)) {
      // A nested field is written with its column (a column named with a dot is its own name).
      const within = (column: string) => samePath(column, finding.field) || isInside(finding.field, column);
      if (input.columns && !input.columns.some(within)) continue;
      const column = columnOfFinding(finding.field);
      // A SELECT writes the column when it takes every column or names it.
      if (input.sql !== undefined && !/\*/.test(input.sql) && ![finding.field, column].some((name) => new RegExp(`\\b${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i').test(input.sql!))) continue;
      throw refused(`sample ${sample.id}`, finding.field, finding.summary);
    }
  }
  if (!input.result) return;
  // A SELECT's own columns (renamed, computed, from a view): what the detectors find in its first rows.
  const { columns, rows } = input.result;
  for (let c = 0; c < columns.length; c++) {
    for (const row of rows) {
      // Values the policy masked (`***@example.com`, `************1111`) are what may leave.
      if (typeof row[c] === 'string' && (row[c] as string).includes('***')) continue;
      const found = classifyAny(row[c], undefined);
      const cls = found.whole ?? found.text?.[0];
      if (cls) throw refused('the result\'s', columns[c]!.name, `its values hold ${cls === 'email' ? 'an email' : `a ${cls}`}`);
    }
  }
}

/** The export about to run, checked: a sample's unmasked detected columns; a SELECT's named samples and its first rows. */
export async function guardExportParams(workspace: Workspace, policy: PrivacyPolicy | undefined, params: ExportParams, signal?: AbortSignal): Promise<void> {
  if (policy?.export !== 'refuse-unmasked') return;
  if (params.sampleId) guardExport({ policy, samples: [await workspace.getSample(params.sampleId)] });
  else if (params.sql) {
    const sql = params.sql;
    const named = (await workspace.listSamples()).filter((s) => sql.toLowerCase().includes(s.id.toLowerCase()));
    const result = await workspace.query(`SELECT * FROM (\n${sql.trim().replace(/;\s*$/, '')}\n) LIMIT ${EXPORT_ROWS_SEARCHED}`, EXPORT_ROWS_SEARCHED, signal);
    guardExport({ policy, samples: named, sql, result });
  }
}

/** Whether one column's cell may be copied out of the grid. */
export function copyAllowed(sample: SampleInfo, column: string, policy: PrivacyPolicy | undefined): { allowed: boolean; reason?: string } {
  try {
    guardExport({ policy, samples: [sample], columns: [column] });
    return { allowed: true };
  } catch (error) {
    return { allowed: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
