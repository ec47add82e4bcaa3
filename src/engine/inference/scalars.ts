// Scalar classification on the inference hot path: the string kind of a text value (first detector
// that matches, or the path's usual one confirmed by its own test), the decimal scale of a number,
// and a path's scalar counters (distinct values, numeric range).
import { detectStringFormat, isBooleanString, isEmail, isIpv4Address, isIpv6Address, isJsonString, isoTemporalFormat, isUri, isUuid, numericStringFormat } from './detectors.js';
import { KIND, KIND_OF_STRING_FORMAT, type PathNode } from './state.js';

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12];

/** The test for one string kind, used to confirm a path's usual format before the full detector chain. */
export const STRING_KIND_TEST: ((text: string) => boolean)[] = [];
STRING_KIND_TEST[KIND.uuid] = isUuid;
STRING_KIND_TEST[KIND.email] = isEmail;
STRING_KIND_TEST[KIND.uri] = isUri;
STRING_KIND_TEST[KIND.ipv4] = isIpv4Address;
STRING_KIND_TEST[KIND.ipv6] = isIpv6Address;
STRING_KIND_TEST[KIND.date] = (t) => isoTemporalFormat(t) === 'date';
STRING_KIND_TEST[KIND.time] = (t) => isoTemporalFormat(t) === 'time';
STRING_KIND_TEST[KIND.timestamp] = (t) => isoTemporalFormat(t) === 'timestamp';
STRING_KIND_TEST[KIND.timestamptz] = (t) => isoTemporalFormat(t) === 'timestamptz';
STRING_KIND_TEST[KIND.integerString] = (t) => numericStringFormat(t) === 'integer';
STRING_KIND_TEST[KIND.decimalString] = (t) => numericStringFormat(t) === 'decimal';
STRING_KIND_TEST[KIND.booleanString] = isBooleanString;
STRING_KIND_TEST[KIND.jsonString] = isJsonString;

/** The string kind of a text value: the first matching detector, in order. */
export function stringKind(text: string): number {
  const format = detectStringFormat(text);
  return format === undefined ? KIND.string : KIND_OF_STRING_FORMAT[format];
}

/**
 * Digits after the point of a finite non-integer, when it is the nearest double to a decimal with at
 * most `maxScale` of them (12.99 → 2); 0 when it is not (0.1 + 0.2, 1e-9, π).
 */
export function decimalScale(value: number, maxScale: number): number {
  if (!(Math.abs(value) < 1e15)) return 0;
  for (let scale = 1; scale <= maxScale; scale++) {
    const p = POW10[scale]!;
    if (Math.round(value * p) / p === value) return scale;
  }
  return 0;
}

/** Tries the path's usual format first: detectors are mutually exclusive, so a match is the answer. */
export function classifyString(node: PathNode, text: string): number {
  const usual = node.lastStringKind;
  if (usual !== KIND.string && STRING_KIND_TEST[usual]!(text)) return usual;
  const kind = stringKind(text);
  node.lastStringKind = kind;
  return kind;
}

/** Counts a value in the path's distinct set, dropping the set once it passes the cap. */
export function addDistinct(node: PathNode, distinct: Map<string | number | boolean, { count: number; kind: number }>, value: string | number | boolean, kind: number, cap: number): void {
  if (distinct.size >= cap) {
    node.distinct = undefined;
    node.distinctCapped = true;
  } else {
    distinct.set(value, { count: 1, kind });
  }
}

export function numberRange(node: PathNode, value: number): void {
  if (value < node.min) node.min = value;
  if (value > node.max) node.max = value;
  const abs = value < 0 ? -value : value;
  if (abs > node.maxAbs) node.maxAbs = abs;
}
