// "Did you mean": the closest known name to a misspelt one, for errors about options, kinds and
// commands. Pure, so the engine, the CLI and the extension say it the same way.

/** Edit distance (insertions, deletions, substitutions, adjacent swaps), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows: number[][] = Array.from({ length: s.length + 1 }, (_, i) => [i, ...Array<number>(t.length).fill(0)]);
  for (let j = 1; j <= t.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[s.length]![t.length]!;
}

/**
 * The candidate closest to `given`, when it is close enough to be a slip: at most a third of its
 * length away (at least 1), or the same letters in another case.
 */
export function closestName(given: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(given, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  if (!best) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(given.length, best.name.length) / 3));
  return best.distance <= allowed ? best.name : undefined;
}

/** " (did you mean 'x'?)", or "" when nothing is close. */
export function didYouMean(given: string, candidates: readonly string[]): string {
  const name = closestName(given, candidates);
  return name === undefined ? '' : ` (did you mean '${name}'?)`;
}
