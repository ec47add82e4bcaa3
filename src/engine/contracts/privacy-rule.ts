// The privacy rules a generated contract carries (`type: custom, engine: headwater`), measured by
// `headwater check` on the sample it just took of the live source:
// - `arrives-hashed`: the field must reach us as digests. Its values in the sample (landed as the
//   source sent them) are searched by the privacy detectors: raw personal data fails the rule, naming
//   the field, and so do values that stopped looking like digests. When the check's own policy
//   transformed the column at landing, the detections made on the raw values before landing decide.
// - `lands`: the privacy policy must still hash (mask, drop) the field at landing, so personal data
//   stays out of the workspace: a sample that landed it raw fails the rule.
import type { PrivacyAction, SamplePrivacy } from '../../shared/privacy.js';
import { isInside, samePath } from '../../shared/privacy-path.js';
import { classesInText, classifyValue } from '../privacy/detectors.js';
import { maskValue } from '../privacy/transform.js';
import { quoteIdent, quoteLiteral } from '../workspace/sql.js';
import type { OdcsQuality } from './odcs.js';
import type { RuleResult, SampleScope } from './quality.js';

/** Values of the field read back from the sample for the search. */
const VALUES_SEARCHED = 20_000;
/** Share of digests under which a field no longer arrives hashed. */
const HASHED_SHARE = 0.9;
const DIGEST_LENGTHS = new Set([32, 40, 56, 64, 96, 128]);
const HEX = /^(?:[0-9a-f]+|[0-9A-F]+)$/;
const STRICTNESS: Record<PrivacyAction, number> = { drop: 3, hash: 2, mask: 1, keep: 0 };

export interface PrivacySite {
  pointer: string;
  path: string;
  /** The top-level column the path starts at. */
  column: string;
}

export function isPrivacyRule(rule: OdcsQuality): boolean {
  const implementation = rule.implementation as { privacy?: unknown } | undefined;
  return rule.type === 'custom' && rule.engine === 'headwater' && typeof implementation?.privacy === 'string';
}

export async function measurePrivacyRule(rule: OdcsQuality, site: PrivacySite, scope: SampleScope & { privacy?: SamplePrivacy }): Promise<RuleResult> {
  const implementation = rule.implementation as { privacy: string; action?: string; path?: unknown };
  // A path inside the property's JSON value (a topic's payload) that the contract does not list as a property.
  if (typeof implementation.path === 'string' && implementation.path) site = { ...site, path: `${site.path}.${implementation.path}` };
  const label = rule.name ?? `privacy ${implementation.privacy}`;
  const result = (status: RuleResult['status'], message: string, measured?: number): RuleResult => ({ rule: label, path: site.path, pointer: site.pointer, status, message: `'${site.path}' ${message}`, ...(measured !== undefined ? { measured } : {}) });
  // The policy's decision on the field: its own, or its column's (or an enclosing field's) covering it.
  const landed = scope.privacy?.columns.find((c) => samePath(c.field, site.path)) ?? scope.privacy?.columns.find((c) => isInside(site.path, c.field));
  if (implementation.privacy === 'lands') {
    const action = implementation.action as PrivacyAction | undefined;
    if (!action || !(action in STRICTNESS)) return result('error', `${label}: implementation.action must be hash, mask or drop`);
    if (landed && STRICTNESS[landed.action] >= STRICTNESS[action]) return result('pass', `landed ${landed.action === 'hash' ? 'hashed' : `${landed.action}ed`} (${landed.reason})`);
    return result('fail', `landed ${landed ? `only ${landed.action}ed` : 'raw'} in sample ${scope.sampleId}: the contract says the privacy policy ${action}es it at landing; add ${action}: [${site.path}] to the source's privacy: in .headwater/sources.yaml (or the workspace's)`);
  }
  if (implementation.privacy !== 'arrives-hashed') return result('skipped', `${label}: privacy rule '${implementation.privacy}' is not known to this version`);
  const found = scope.privacy?.findings.filter((f) => samePath(f.field, site.path) || isInside(f.field, site.path) || (site.path !== site.column && samePath(f.field, site.column))) ?? [];
  if (landed) {
    // Transformed before landing: what was detected on the raw values is all there is to go by.
    if (found.length) return result('fail', `arrives raw: ${found.map((f) => f.summary).join('; ')} (detected before landing, sample ${scope.sampleId}); the contract says it arrives hashed`, found[0]!.count);
    return result('pass', `no personal data detected in its raw values (sample ${scope.sampleId}; landed ${landed.action === 'hash' ? 'hashed' : `${landed.action}ed`}, so its digests could not be read)`);
  }
  const values = await pathValues(scope, site);
  return judgeHashed(values, scope.sampleId, result);
}

/** The field's values as the sample holds them (text), a nested path read through JSON. */
async function pathValues(scope: SampleScope, site: PrivacySite): Promise<string[]> {
  const rest = site.path === site.column ? [] : site.path.slice(site.column.length + 1).split('.');
  const col = quoteIdent(site.column);
  const expr = rest.length ? `json_extract_string(to_json(${col}), ${quoteLiteral(`$${rest.map((p) => `."${p.replace(/["\\]/g, '')}"`).join('')}`)})` : `CAST(${col} AS VARCHAR)`;
  // One row holding the list: rule queries return a bounded number of rows.
  const rows = (await scope.query(`SELECT CAST(to_json(list(v)) AS VARCHAR) FROM (SELECT ${expr} AS v FROM ${scope.table} WHERE v IS NOT NULL LIMIT ${VALUES_SEARCHED})`)).rows;
  const text = rows[0]?.[0];
  const list: unknown = typeof text === 'string' ? JSON.parse(text) : text;
  return Array.isArray(list) ? list.map(String) : [];
}

function judgeHashed(values: string[], sampleId: string, result: (status: RuleResult['status'], message: string, measured?: number) => RuleResult): RuleResult {
  if (values.length === 0) return result('undecided', `has no values in sample ${sampleId} to tell whether it arrives hashed`);
  let personal = 0;
  let digests = 0;
  let example: { cls: string; masked: string } | undefined;
  for (const value of values) {
    const cls = classifyValue(value) ?? classesInText(value)[0];
    if (cls) {
      personal++;
      example ??= { cls, masked: maskValue(value) };
    } else if (DIGEST_LENGTHS.has(value.length) && HEX.test(value)) digests++;
  }
  const of = `${values.length.toLocaleString('en-US')} sampled values (${sampleId})`;
  if (example) return result('fail', `arrives raw: ${personal.toLocaleString('en-US')} of ${of} hold personal data (${example.cls}, e.g. ${example.masked}); the contract says it arrives hashed`, personal);
  if (digests / values.length < HASHED_SHARE) return result('fail', `no longer arrives hashed: ${digests.toLocaleString('en-US')} of ${of} are hex digests`, values.length - digests);
  return result('pass', `arrives hashed: ${digests.toLocaleString('en-US')} of ${of} are hex digests, no personal data detected`, 0);
}
