// What a contract says is personal: from the sample's detections and the policy applied at landing,
// an ODCS property's `classification`, `tags` and custom properties `pii`, `privacyClasses` and
// `privacyLanding` (ODCS 3.1 has no `pii` key: custom properties are its place for one).
import type { SamplePrivacy } from '../../../shared/privacy.js';
import { isInside, samePath } from '../../../shared/privacy-path.js';
import type { FieldProfile } from '../../../shared/profile.js';

type Json = Record<string, unknown>;

/** What the policy did to the field at `path` itself (a column, or `user.email` inside one). */
function landedAt(privacy: SamplePrivacy | undefined, path: string) {
  return privacy?.columns.find((c) => samePath(c.field, path));
}

/** Findings in the field at `path` or in fields inside it (a column holding a personal nested field is personal). */
function findingsIn(privacy: SamplePrivacy | undefined, path: string) {
  return privacy?.findings.filter((f) => samePath(f.field, path) || isInside(f.field, path)) ?? [];
}

/** The privacy keys of one ODCS property (a column, or a nested field by its path); empty when nothing was detected or transformed in it. */
export function privacyProperties(path: string, privacy: SamplePrivacy | undefined): Json {
  const findings = findingsIn(privacy, path);
  const landed = landedAt(privacy, path);
  if (findings.length === 0 && !landed) return {};
  const classes = [...new Set(findings.map((f) => f.class))];
  const personal = classes.some((c) => c !== 'secret') || (landed !== undefined && classes.length === 0);
  const custom: Json[] = [
    { property: 'pii', value: personal, description: personal ? 'Personal data detected in the sample (or named by the privacy policy).' : 'No personal data detected; see privacyClasses.' },
  ];
  if (findings.length) custom.push({ property: 'privacyClasses', value: classes, description: findings.map((f) => `${f.summary}, ${f.confidence} confidence`).join('; ') });
  if (landed) custom.push({ property: 'privacyLanding', value: landed.action === 'hash' ? 'hashed' : landed.action === 'mask' ? 'masked' : 'dropped', description: `At landing in the workspace: ${landed.reason}${landed.action === 'hash' ? ' (keyed HMAC-SHA256)' : ''}.` });
  return {
    // Credentials are the most sensitive; personal data next.
    classification: classes.includes('secret') ? 'restricted' : 'confidential',
    tags: [...(personal ? ['pii'] : []), ...classes.map((c) => `privacy:${c}`)],
    customProperties: custom,
  };
}

/** Lengths of the hex digests common hashes give (MD5, SHA-1, SHA-224, SHA-256, SHA-384, SHA-512). */
export const DIGEST_LENGTHS = [32, 40, 56, 64, 96, 128];

/**
 * Values that look hashed in the profile: one fixed digest length, and every frequent pattern made
 * of lower-case (or upper-case) letters and digits only (a hex digest's shape).
 */
export function looksHashed(profile: FieldProfile | undefined): boolean {
  const s = profile?.string;
  if (!s || !profile.count || s.length.min !== s.length.max || !DIGEST_LENGTHS.includes(s.length.min)) return false;
  const patterns = s.patterns?.values ?? [];
  return patterns.length > 0 && patterns.every((p) => /^[a9]+$/.test(String(p.value)) || /^[A9]+$/.test(String(p.value)));
}

/**
 * The quality rules that say a field stays hashed or masked, which `headwater check` runs on the live
 * source: `arrivesHashed` where the source already sends digests (no personal data detected in the
 * field, every value a hex digest), and `lands<Action>` where the privacy policy transformed the field at
 * landing. `path` is the dotted path from the column (`user.email`): the policy acts on columns and on
 * fields inside them alike.
 */
export function privacyQuality(path: string, _column: string, profile: FieldProfile | undefined, privacy: SamplePrivacy | undefined): Json[] {
  const landed = landedAt(privacy, path);
  if (landed) {
    const done = LANDED_WORD[landed.action];
    return [{
      type: 'custom', engine: 'headwater', name: `lands${done[0]!.toUpperCase()}${done.slice(1)}`, implementation: { privacy: 'lands', action: landed.action },
      dimension: 'conformity', severity: 'error',
      description: `Personal data stays out of the workspace: the privacy policy ${done} this field at landing (${landed.reason}); \`headwater check\` fails, naming the field, when a sample lands it raw.`,
    }];
  }
  // Transformed with what encloses it, or holding personal data: not a field that arrives hashed.
  const transformed = privacy?.columns.some((c) => isInside(path, c.field) || isInside(c.field, path));
  const detected = findingsIn(privacy, path).length > 0;
  if (transformed || detected || !looksHashed(profile)) return [];
  return [{
    type: 'custom', engine: 'headwater', name: 'arrivesHashed', implementation: { privacy: 'arrives-hashed' },
    dimension: 'conformity', severity: 'error',
    description: `Arrives hashed: every sampled value is a ${profile!.string!.length.min}-character hex digest and no personal data was detected in it; \`headwater check\` fails, naming the field, when the source sends it raw.`,
  }];
}

const LANDED_WORD: Record<'hash' | 'mask' | 'drop', string> = { hash: 'hashed', mask: 'masked', drop: 'dropped' };
