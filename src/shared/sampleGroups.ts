// How the Samples view groups and names samples: by source, then entity, newest first; each sample
// told apart from its siblings by its number, time, strategy, size and status.
import type { SampleInfo } from './types.js';

export interface EntityGroup { source: string; entity: string; samples: SampleInfo[] }
export interface SourceGroup { source: string; sourceKind: string; entities: EntityGroup[] }

const newestFirst = (a: SampleInfo, b: SampleInfo) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id);

/** Sources in name order, entities in name order within each, samples newest first. */
export function groupSamples(samples: readonly SampleInfo[]): SourceGroup[] {
  const sources = new Map<string, SourceGroup>();
  for (const sample of [...samples].sort(newestFirst)) {
    let source = sources.get(sample.source);
    if (!source) {
      source = { source: sample.source, sourceKind: sample.sourceKind, entities: [] };
      sources.set(sample.source, source);
    }
    let entity = source.entities.find((e) => e.entity === sample.entity);
    if (!entity) {
      entity = { source: sample.source, entity: sample.entity, samples: [] };
      source.entities.push(entity);
    }
    entity.samples.push(sample);
  }
  const byName = <T>(key: (t: T) => string) => (a: T, b: T) => key(a).localeCompare(key(b));
  return [...sources.values()].sort(byName((s) => s.source)).map((s) => ({ ...s, entities: s.entities.sort(byName((e) => e.entity)) }));
}

/** The sample's number within its source and entity: the id's last part (`shop_orders_3` is #3). */
export function sampleNumber(sample: SampleInfo): string {
  const n = /_(\d+)$/.exec(sample.id)?.[1];
  return n ? `#${n}` : sample.id;
}

/** `#3 · before the migration`: the number, and the label the engineer gave it. */
export function sampleLabel(sample: SampleInfo): string {
  return sample.label ? `${sampleNumber(sample)} · ${sample.label}` : sampleNumber(sample);
}

/** A short UTC time: `2026-12-07 16:20`. */
export function shortTime(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso;
}

/** `2026-12-07 16:20 · head · 1,000 rows · partial`: what tells samples of one entity apart. */
export function sampleDescription(sample: SampleInfo): string {
  const strategy = sample.method === 'snapshot' ? sample.strategy : `${sample.method}/${sample.strategy}`;
  const parts = [shortTime(sample.startedAt), strategy, `${sample.rowCount.toLocaleString('en-US')} rows`];
  if (sample.status !== 'complete') parts.push(sample.status);
  return parts.join(' · ');
}
