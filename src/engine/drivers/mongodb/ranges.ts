// Random samples on a server without $sample (FerretDB): start points drawn uniformly between the
// smallest and the largest _id, each read as a short _id range. Uniform over _id values, which is
// uniform over documents only where _ids are spread evenly (ObjectIds by insert time, counters).
import type { ObjectId } from 'bson';

export type IdValue = number | bigint | Date | ObjectId;

/** Where ranges can be drawn: _ids of one orderable type. */
export type IdSpace =
  | { kind: 'number'; min: number; max: number }
  | { kind: 'long'; min: bigint; max: bigint }
  | { kind: 'date'; min: number; max: number }
  | { kind: 'objectId'; min: bigint; max: bigint };

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
    const hex = (v: unknown) => BigInt(`0x${(v as { toHexString(): string }).toHexString()}`);
    return { kind: 'objectId', min: hex(min), max: hex(max) };
  }
  return `its smallest and largest _id are ${a ?? typeof min} and ${b ?? typeof max}, not two ObjectIds, numbers or dates`;
}

/** `count` start points drawn with `random`, ascending, as plain descriptions the caller turns into BSON values. */
export function drawPoints(space: IdSpace, count: number, random: () => number): ({ number: number } | { long: bigint } | { date: number } | { objectIdHex: string })[] {
  const fractions = Array.from({ length: count }, random).sort((x, y) => x - y);
  switch (space.kind) {
    case 'number': return fractions.map((f) => ({ number: space.min + f * (space.max - space.min) }));
    case 'date': return fractions.map((f) => ({ date: Math.floor(space.min + f * (space.max - space.min)) }));
    case 'long':
    case 'objectId': {
      const span = space.max - space.min;
      // 2^32 steps are fine-grained enough for any draw of points.
      const points = fractions.map((f) => space.min + (span * BigInt(Math.floor(f * 4_294_967_296))) / 4_294_967_296n);
      return space.kind === 'long' ? points.map((long) => ({ long })) : points.map((p) => ({ objectIdHex: p.toString(16).padStart(24, '0') }));
    }
  }
}

/** How many ranges and documents per range make up a random sample of `limit`. */
export function rangePlan(limit: number, maxRanges: number): { ranges: number; perRange: number } {
  const ranges = Math.max(1, Math.min(maxRanges, limit));
  return { ranges, perRange: Math.ceil(limit / ranges) };
}
