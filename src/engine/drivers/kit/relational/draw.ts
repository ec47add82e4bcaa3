// Uniform draws of distinct integer keys in a range, for random samples that fetch rows by key
// instead of scanning (SQLite rowids, MySQL integer primary keys).

/** Draws `count` distinct offsets in [0, span) not yet in `tried`, returned as keys `lo + offset` (rowids, integer primary keys). */
export function drawDistinct(lo: bigint, span: number, count: number, tried: Set<number>): string[] {
  const out: string[] = [];
  const remaining = span - tried.size;
  if (count >= remaining / 2) {
    // Dense draw: enumerate what is left and shuffle (the span is small here).
    const left: number[] = [];
    for (let i = 0; i < span; i++) if (!tried.has(i)) left.push(i);
    for (const i of shuffle(left).slice(0, count)) {
      tried.add(i);
      out.push((lo + BigInt(i)).toString());
    }
    return out;
  }
  while (out.length < count) {
    const i = Math.floor(Math.random() * span);
    if (tried.has(i)) continue;
    tried.add(i);
    out.push((lo + BigInt(i)).toString());
  }
  return out;
}

export function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
