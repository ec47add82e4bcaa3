// Random samples on a server without $sample (FerretDB): start points drawn uniformly between the
// smallest and the largest _id, each read as a short _id range. Uniform over _id values, which is
// uniform over documents only where _ids are spread evenly: counters, dates, and ObjectIds, whose
// points are drawn over their creation time (the rest of an ObjectId is a per-process random part
// and a counter, whose values say nothing about how many documents lie between two ids).

/** Where ranges can be drawn: _ids of one orderable type. */
export type IdSpace =
  | { kind: 'number'; min: number; max: number }
  | { kind: 'long'; min: bigint; max: bigint }
  | { kind: 'date'; min: number; max: number }
  | { kind: 'objectId'; min: number; max: number };

function tag(value: unknown): string | undefined {
  return value !== null && typeof value === 'object' ? (value as { _bsontype?: string })._bsontype : undefined;
}

/** The space between two _ids (as deserialized with promoteValues: false), or why none can be drawn. */
export function idSpace(min: unknown, max: unknown): IdSpace | string {
  const [a, b] = [tag(min), tag(max)];
  if ((a === 'Int32' || a === 'Double') && (b === 'Int32' || b === 'Double')) return { kind: 'number', min: Number(min), max: Number(max) };
  if (a === 'Long' && b === 'Long') return { kind: 'long', min: BigInt(String(min)), max: BigInt(String(max)) };
  if (min instanceof Date && max instanceof Date) return { kind: 'date', min: min.getTime(), max: max.getTime() };
  if (a === 'ObjectId' && b === 'ObjectId') {
    const seconds = (v: unknown) => parseInt((v as { toHexString(): string }).toHexString().slice(0, 8), 16);
    return { kind: 'objectId', min: seconds(min), max: seconds(max) };
  }
  return `its smallest and largest _id are ${a ?? typeof min} and ${b ?? typeof max}, not two ObjectIds, numbers or dates`;
}

/** `count` start points drawn with `random`, ascending, as plain descriptions the caller turns into BSON values. */
export function drawPoints(space: IdSpace, count: number, random: () => number): ({ number: number } | { long: bigint } | { date: number } | { objectIdHex: string })[] {
  const fractions = Array.from({ length: count }, random).sort((x, y) => x - y);
  switch (space.kind) {
    case 'number': return fractions.map((f) => ({ number: space.min + f * (space.max - space.min) }));
    case 'date': return fractions.map((f) => ({ date: Math.floor(space.min + f * (space.max - space.min)) }));
    // The first ObjectId of a second: its time, then zeros.
    case 'objectId': return fractions.map((f) => ({ objectIdHex: `${Math.floor(space.min + f * (space.max - space.min + 1)).toString(16).padStart(8, '0')}0000000000000000` }));
    case 'long': {
      const span = space.max - space.min;
      // 2^32 steps are fine-grained enough for any draw of points.
      return fractions.map((f) => ({ long: space.min + (span * BigInt(Math.floor(f * 4_294_967_296))) / 4_294_967_296n }));
    }
  }
}

/** How many ranges and documents per range make up a random sample of `limit`. */
export function rangePlan(limit: number, maxRanges: number): { ranges: number; perRange: number } {
  const ranges = Math.max(1, Math.min(maxRanges, limit));
  return { ranges, perRange: Math.ceil(limit / ranges) };
}
