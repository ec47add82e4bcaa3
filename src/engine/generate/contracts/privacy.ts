// What a contract says is personal: from the sample's detections and the policy applied at landing,
// an ODCS property's `classification`, `tags` and custom properties `pii`, `privacyClasses` and
// `privacyLanding` (ODCS 3.1 has no `pii` key: custom properties are its place for one).
import type { SamplePrivacy } from '../../../shared/privacy.js';

type Json = Record<string, unknown>;

/** The privacy keys of one column's ODCS property; empty when nothing was detected or transformed. */
export function privacyProperties(column: string, privacy: SamplePrivacy | undefined): Json {
  const findings = privacy?.findings.filter((f) => f.field === column) ?? [];
  const landed = privacy?.columns.find((c) => c.field === column);
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
