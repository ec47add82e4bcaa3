// Text formatting for the Profile panel: counts, shares, durations, times and scalar values.
import type { ProfileScalar } from '../../src/shared/profile.js';

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const plain = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });

/** Full precision up to a billion (ids and amounts must stay readable), compact beyond. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1e9 ? compact.format(value) : plain.format(value);
}

/** Axis ticks: short. */
export function formatTick(value: number): string {
  return Math.abs(value) >= 10_000 ? compact.format(value) : plain.format(value);
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

export function formatPercent(share: number, digits = 1): string {
  if (share > 0 && share < 0.001) return '<0.1%';
  return `${(share * 100).toFixed(digits)}%`;
}

/** Seconds as a short duration: 850 ms, 12.3 s, 4.2 min, 3.1 h, 2.5 d. */
export function formatSeconds(seconds: number): string {
  const size = Math.abs(seconds);
  if (size < 1) return `${Math.round(seconds * 1000)} ms`;
  if (size < 120) return `${seconds.toFixed(size < 10 ? 2 : 1)} s`;
  if (size < 7200) return `${(seconds / 60).toFixed(1)} min`;
  if (size < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

export function formatScalar(value: ProfileScalar | undefined): string {
  if (value === undefined) return '';
  if (value === null) return 'null';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string' && isoTime.test(value)) return value.replace('T', ' ').replace(/\.000Z$|Z$/, ' UTC');
  return String(value);
}

/** Bin edges (ISO times) as short labels: dates when they differ, times of day when they do not. */
export function shortTimeLabels(edges: string[]): string[] {
  const days = new Set(edges.map((edge) => edge.slice(0, 10)));
  const years = new Set(edges.map((edge) => edge.slice(0, 4)));
  return edges.map((edge) => {
    const day = years.size > 1 ? edge.slice(0, 10) : edge.slice(5, 10);
    const time = edge.slice(11, 16);
    if (days.size === 1) return time;
    return time === '00:00' ? day : `${day} ${time}`;
  });
}
