// What an engineer must know about a message source before building on it: queue or stream, which
// order is kept, how delivery can repeat, and how far back it can be replayed. Shown in tree tooltips.

export interface StreamSemantics {
  /** queue: a message is gone once acknowledged; stream: an ordered, retained log; pub/sub: only live subscribers see it. */
  model: 'queue' | 'stream' | 'pub/sub' | 'key-value';
  /** Which order is guaranteed: per partition, per subject, per queue, none. */
  ordering: string;
  /** at-most-once, at-least-once (duplicates possible), ... */
  delivery: string;
  /** How long records stay and whether they can be replayed. */
  retention: string;
}

/** Markdown lines for a tooltip. */
export function semanticsTooltip(s: StreamSemantics): string {
  return [
    `**Model:** ${s.model}`,
    `**Ordering:** ${s.ordering}`,
    `**Delivery:** ${s.delivery}`,
    `**Retention / replay:** ${s.retention}`,
  ].join('  \n');
}

/** "1.5 h", "7 d": retention ages given in milliseconds. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return 'unlimited';
  const units: [number, string][] = [[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'min'], [1000, 's']];
  for (const [size, unit] of units) if (ms >= size) return `${+(ms / size).toFixed(1)} ${unit}`;
  return `${ms} ms`;
}
