// Privacy on the engineer's laptop: the classes of sensitive data the engine detects, the policy a
// source (or the whole workspace) applies at landing, and what a sample records about both.
// The policy's JSON Schema lives here so that sources.yaml's schema, the engine's checks and the
// editor's diagnostics come from one definition.
import { isInside, samePath } from './privacy-path.js';

/** The secret (and environment variable) the privacy hashing key is kept under; never in the workspace. */
export const PRIVACY_KEY_SECRET = 'HEADWATER_PRIVACY_KEY';

export const PRIVACY_CLASSES = [
  'email', 'phone', 'payment-card', 'iban', 'us-ssn', 'ip-address', 'date-of-birth', 'street-address', 'person-name', 'secret',
] as const;
export type PrivacyClass = (typeof PRIVACY_CLASSES)[number];

/** `detect`: report detections, land raw values; `mask-detected`: mask every column a class was detected in. */
export const PRIVACY_DEFAULTS = ['detect', 'mask-detected'] as const;
export type PrivacyDefault = (typeof PRIVACY_DEFAULTS)[number];

export type PrivacyAction = 'mask' | 'hash' | 'drop' | 'keep';
export const PRIVACY_ACTIONS: readonly PrivacyAction[] = ['drop', 'hash', 'mask', 'keep'];

/** `privacy:` of a source or of the workspace. Each list holds field names or detected class names. */
export interface PrivacyPolicy {
  default?: PrivacyDefault;
  mask?: string[];
  hash?: string[];
  drop?: string[];
  keep?: string[];
  /** Workspace-wide only: `refuse-unmasked` refuses to write out (export, copy) a column where personal data was detected and landed unmasked. */
  export?: PrivacyExport;
}

export const PRIVACY_EXPORTS = ['allow', 'refuse-unmasked'] as const;
export type PrivacyExport = (typeof PRIVACY_EXPORTS)[number];

/** The workspace-wide `export:` option of `privacy:` (top of sources.yaml only). */
export const PRIVACY_EXPORT_SCHEMA = {
  type: 'string',
  enum: [...PRIVACY_EXPORTS],
  description: 'allow (default): sample data is written out as it landed; refuse-unmasked: export and copy from the grid refuse a column where personal data was detected and landed unmasked (naming it).',
} as const;

const ruleList = (action: PrivacyAction, what: string) => ({
  type: 'array',
  items: { type: 'string', minLength: 1 },
  uniqueItems: true,
  description: `${what} Items are fields (a column, or a path inside one: user.email, items[].card) or detected classes (${PRIVACY_CLASSES.join(', ')}); a field named here wins over its class. (${action})`,
});

/** The JSON Schema of `privacy:` (in a source entry and at the top of sources.yaml). */
export const PRIVACY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  description: 'What happens to personal data at landing, before anything reaches .headwater/. Hashing is keyed (HMAC-SHA256 with HEADWATER_PRIVACY_KEY or the key kept in VS Code), so joins on a hashed column still match across samples.',
  properties: {
    default: { type: 'string', enum: [...PRIVACY_DEFAULTS], description: 'detect: report what is personal, land values as they are; mask-detected: mask every column a sensitive class was detected in.' },
    mask: ruleList('mask', 'Masked at landing, keeping shape (the last four characters, an email\'s domain; in free text, the sensitive parts only).'),
    hash: ruleList('hash', 'Replaced at landing by a keyed HMAC-SHA256 (hex), so equal values stay equal.'),
    drop: ruleList('drop', 'Landed as NULL.'),
    keep: ruleList('keep', 'Landed as they are, even when a class is detected.'),
  },
} as const;

/** Where a finding was seen, shown masked. */
export interface PrivacyExample {
  provenance: Record<string, unknown>;
  masked: string;
}

export interface PrivacyFinding {
  field: string;
  class: PrivacyClass;
  /** Values holding the class. */
  count: number;
  /** Non-null values of the field that were scanned. */
  values: number;
  share: number;
  /** `whole`: the value is one (an email column); `text`: free text contains one. */
  within: 'whole' | 'text';
  confidence: 'low' | 'medium' | 'high';
  examples: PrivacyExample[];
  /** "4% of `note` values hold an email". */
  summary: string;
}

/** What the policy did to one landed column. */
export interface PrivacyColumn {
  field: string;
  action: Exclude<PrivacyAction, 'keep'>;
  /** Why: the rule (`hash: [customer_email]`) or the detection (`mask-detected: email`). */
  reason: string;
}

/** Stored in the catalog beside each sample. */
export interface SamplePrivacy {
  policy: PrivacyPolicy;
  /** Rows scanned for detection. */
  scanned: number;
  findings: PrivacyFinding[];
  columns: PrivacyColumn[];
  /** Detections the policy does not cover, each with the line to add to sources.yaml. */
  warnings: string[];
}

/** How one column of a sample landed, for the grid, the profile and the CLI. */
export interface ColumnPrivacy {
  /** hashed, masked or dropped by the policy; `unmasked`: personal data detected and landed as it is. */
  landed: 'hashed' | 'masked' | 'dropped' | 'unmasked';
  /** One line: the rule, or what was detected. */
  reason: string;
  /** False when the workspace forbids writing this column out (export: refuse-unmasked). */
  copy: boolean;
  /** Set when the state is that of fields inside the column (`user.email`), not of the column as a whole. */
  inside?: string[];
}

/** The badge's words: `hashed`, `masked inside` (a field inside it), `personal`. */
export function privacyBadge(privacy: ColumnPrivacy, personal = 'personal'): string {
  return `${privacy.landed === 'unmasked' ? personal : privacy.landed}${privacy.inside ? ' inside' : ''}`;
}

const LANDED: Record<PrivacyColumn['action'], ColumnPrivacy['landed']> = { hash: 'hashed', mask: 'masked', drop: 'dropped' };
const STRICTNESS: Record<PrivacyColumn['action'], number> = { drop: 3, hash: 2, mask: 1 };

/** The policy's decision that covers the field at `path`: its own, or an enclosing field's (a column hashed whole covers `user.email`). */
function coveringColumn(privacy: SamplePrivacy, path: string): PrivacyColumn | undefined {
  return privacy.columns.find((c) => samePath(c.field, path)) ?? privacy.columns.find((c) => isInside(path, c.field));
}

/**
 * The privacy state of a column (or of a nested path: `user.email`) in a sample; undefined when
 * nothing was detected in it or done to it. Personal data it holds that landed raw makes it `unmasked`;
 * else a field transformed inside it makes it hashed, masked or dropped (the strictest), naming the paths.
 */
export function columnPrivacy(privacy: SamplePrivacy | undefined, column: string): ColumnPrivacy | undefined {
  if (!privacy) return undefined;
  const done = coveringColumn(privacy, column);
  if (done) return { landed: LANDED[done.action], reason: samePath(done.field, column) ? done.reason : `${done.field}: ${done.reason}`, copy: true };
  const inside = privacy.columns.filter((c) => isInside(c.field, column));
  const raw = privacy.findings.filter((f) => (samePath(f.field, column) || isInside(f.field, column)) && !coveringColumn(privacy, f.field));
  const transformed = inside.map((c) => `${c.field}: ${c.reason}`);
  if (raw.length) {
    const whole = raw.every((f) => samePath(f.field, column));
    return { landed: 'unmasked', reason: [...raw.map((f) => f.summary), ...transformed].join('; '), copy: privacy.policy.export !== 'refuse-unmasked', ...(whole ? {} : { inside: raw.map((f) => f.field) }) };
  }
  if (!inside.length) return undefined;
  const strictest = inside.reduce((a, b) => (STRICTNESS[b.action] > STRICTNESS[a.action] ? b : a));
  return { landed: LANDED[strictest.action], reason: transformed.join('; '), copy: true, inside: inside.map((c) => c.field) };
}
