// Profile panel webview: field cards with charts, source-level facts, and the inferred schema with
// the evidence behind each type. Data is rendered as text only (textContent, never HTML).
import { columnPrivacy, privacyBadge, type ColumnPrivacy } from '../../src/shared/privacy.js';
import './profile.css';
import type { Chart } from 'chart.js';
import type { Evidence, InferredField, InferredSchema } from '../../src/shared/inference.js';
import type { Disagreement } from '../../src/shared/drift.js';
import type { FieldProfile, Profile, Quantile, SourceFacts } from '../../src/shared/profile.js';
import type { FromProfileWebview, ToProfileWebview } from '../../src/shared/profileWebview.js';
import type { SampleInfo } from '../../src/shared/types.js';
import { chartKindOf, drawFieldChart, mostlyUnique } from './charts.js';
import { declaredNotes, renderDeclared } from './declared.js';
import { el, section, stat } from './dom.js';
import { documentShapeBody, renderEntityTypes, ttlBody } from './item-facts.js';
import { PartitionSimulator } from './simulator.js';
import { formatCount, formatNumber, formatPercent, formatScalar, formatSeconds } from './format.js';

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') ?? document.body;
const charts: Chart[] = [];
let simulator: PartitionSimulator | undefined;

function post(message: FromProfileWebview): void {
  vscode.postMessage(message);
}

function quantileText(quantiles: Quantile[], format: (value: number) => string): string {
  return quantiles.filter((q) => [0.5, 0.95, 0.99].includes(q.p)).map((q) => `p${Math.round(q.p * 100)} ${format(q.value)}`).join(' · ');
}

function codeBlock(code: string, label: string): HTMLElement {
  const wrap = el('div', 'hw-code');
  const pre = el('pre', 'hw-code-text', code);
  const copy = el('button', 'hw-button hw-copy', 'Copy');
  copy.type = 'button';
  copy.title = `Copy ${label}`;
  copy.addEventListener('click', () => post({ type: 'copy', text: code }));
  wrap.append(copy, pre);
  return wrap;
}

// ---- header -----------------------------------------------------------------------------------

function renderHeader(title: string, sample: SampleInfo | undefined, profile: Profile | undefined): HTMLElement {
  const header = el('header', 'hw-top');
  const line = el('div', 'hw-titleline');
  line.append(el('h1', 'hw-title', `Profile · ${title}`));
  if (profile) line.append(el('span', 'hw-subtle', `${formatCount(profile.rows)} rows · ${profile.fields.length} paths · profiled in ${formatCount(profile.durationMs)} ms`));
  header.append(line);
  if (sample) {
    const meta = el('div', 'hw-meta');
    meta.append(
      stat('Table', sample.table),
      stat('Sample', `${sample.method}, ${sample.strategy}, ${sample.status}`),
      stat('Sampled at', sample.startedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')),
    );
    const nav = el('nav', 'hw-nav');
    for (const [id, text] of [['hw-declared', 'Declared vs observed'], ['hw-facts', 'Facts'], ['hw-fields', 'Fields'], ['hw-simulator', 'Partition simulator'], ['hw-schema', 'Schema & evidence']] as const) {
      const link = el('a', 'hw-nav-link', text);
      link.href = `#${id}`;
      nav.append(link);
    }
    header.append(meta);
    if (sample.rejected > 0) header.append(el('p', 'hw-hint', sample.statusDetail ?? `${formatCount(sample.rejected)} records could not be read and were skipped`));
    header.append(nav);
  }
  return header;
}

// ---- facts ------------------------------------------------------------------------------------

function factCard(title: string, status?: { text: string; tone: 'ok' | 'warn' | 'info' }): { card: HTMLElement; body: HTMLElement } {
  const card = el('div', 'hw-card hw-fact');
  const head = el('div', 'hw-card-head');
  head.append(el('h3', 'hw-card-title', title));
  if (status) head.append(el('span', `hw-badge hw-tone-${status.tone}`, status.text));
  const body = el('div', 'hw-card-body');
  card.append(head, body);
  return { card, body };
}

function versionsCard(versions: NonNullable<SourceFacts['versions']>): HTMLElement {
  const { card, body } = factCard(`Versions per key (${versions.key.join(', ')})`, { text: `max ${versions.maxVersions}`, tone: versions.keysWithVersions ? 'info' : 'ok' });
  body.append(el('p', 'hw-text', `${formatCount(versions.keysWithVersions)} of ${formatCount(versions.keys)} keys have several versions (mean ${formatNumber(versions.meanVersions)}), ordered by ${versions.time}.`));
  const open = el('button', 'hw-button hw-open-current', 'Open in SQL editor');
  open.type = 'button';
  open.title = 'Open the current-state SQL in an editor, to run with Headwater: Run SQL';
  open.addEventListener('click', () => post({ type: 'openCurrentState' }));
  body.append(el('p', 'hw-subtle', 'Current state (latest row per key):'), codeBlock(versions.latestStateSql, 'the latest-state SQL'), open);
  return card;
}

function partitionsCard(parts: NonNullable<SourceFacts['partitions']>): HTMLElement {
  const { card, body } = factCard('Partition skew', { text: parts.hotspot ? 'hotspot' : 'balanced', tone: parts.hotspot ? 'warn' : 'ok' });
  const row = el('div', 'hw-stats');
  row.append(stat('partitions', formatCount(parts.partitions.length)), stat('max/mean', formatNumber(parts.maxOverMean)), stat('threshold', formatNumber(parts.threshold)));
  body.append(row);
  const table = el('table', 'hw-table');
  for (const partition of parts.partitions.slice(0, 12)) {
    const tr = el('tr');
    tr.append(el('td', 'hw-mono', partition.partition), el('td', 'hw-num', formatCount(partition.records)), el('td', 'hw-num', formatPercent(partition.share)));
    table.append(tr);
  }
  body.append(table);
  for (const warning of parts.warnings) body.append(el('p', 'hw-hint', warning));
  return card;
}

function cadenceCard(cadence: NonNullable<SourceFacts['cadence']>): HTMLElement {
  const { card, body } = factCard(`Cadence (${cadence.field})`, { text: cadence.regular ? `every ${formatSeconds(cadence.median)}` : 'irregular', tone: cadence.regular && (cadence.gaps.count || cadence.offGrid.count) ? 'warn' : 'info' });
  body.append(el('p', 'hw-text', `${cadence.regular ? 'Regular (measurements)' : 'Irregular (events)'} over ${formatCount(cadence.series)} series: ${cadence.evidence}.`));
  for (const gap of cadence.gaps.longest) body.append(el('p', 'hw-mono', `gap ${gap.from} → ${gap.to} (${formatSeconds(gap.seconds)}, ${gap.missing} missing)${gap.series ? ` ${gap.series}` : ''}`));
  for (const point of cadence.offGrid.examples) body.append(el('p', 'hw-mono', `off grid ${point.time} (${point.lateBy !== undefined ? `${formatSeconds(point.lateBy)} late` : `${formatSeconds(point.earlyBy ?? 0)} early`})${point.series ? ` ${point.series}` : ''}`));
  return card;
}

function renderFacts(facts: SourceFacts): HTMLElement {
  const node = section('hw-facts', 'Source facts', 'What the sample says about delivery: event time, lag, order, duplicates, versions and partitions.');
  const grid = el('div', 'hw-fact-grid');
  if (facts.eventTime) {
    const { card, body } = factCard('Event time', { text: facts.eventTime.field, tone: 'info' });
    body.append(el('p', 'hw-text', facts.eventTime.reason));
    body.append(stat('Rows with an event time', formatCount(facts.eventTime.values)));
    if (facts.eventTime.candidates.length) body.append(stat('Other candidates', facts.eventTime.candidates.join(', ')));
    grid.append(card);
  }
  for (const lag of facts.lag) {
    const { card, body } = factCard(`Lag ${lag.from} → ${lag.to}`, lag.negative > 0 ? { text: `${formatCount(lag.negative)} negative`, tone: 'warn' } : undefined);
    body.append(el('p', 'hw-text', lag.reason));
    const row = el('div', 'hw-stats');
    row.append(stat('min', formatSeconds(lag.min)), stat('mean', formatSeconds(lag.mean)), stat('max', formatSeconds(lag.max)));
    body.append(row, el('p', 'hw-mono', quantileText(lag.quantiles, formatSeconds)));
    grid.append(card);
  }
  if (facts.outOfOrder) {
    const order = facts.outOfOrder;
    const { card, body } = factCard('Out of order', { text: formatPercent(order.rate), tone: order.rate > 0 ? 'warn' : 'ok' });
    body.append(el('p', 'hw-text', `${formatCount(order.outOfOrder)} of ${formatCount(order.considered)} records arrive earlier than an event already seen (${order.field}, ${order.order}).`));
    if (order.lateness) body.append(el('p', 'hw-mono', `late by ${quantileText(order.lateness.quantiles, formatSeconds)} · max ${formatSeconds(order.lateness.max)}`));
    grid.append(card);
  }
  if (facts.cadence) grid.append(cadenceCard(facts.cadence));
  {
    const dup = facts.duplicates;
    const { card, body } = factCard('Exact duplicates', { text: dup.duplicateRows ? `${formatCount(dup.duplicateRows)} rows` : 'none', tone: dup.duplicateRows ? 'warn' : 'ok' });
    body.append(el('p', 'hw-text', `${formatCount(dup.distinctRows)} distinct of ${formatCount(dup.rows)} rows compared on ${dup.columns.length} columns${dup.maxCopies > 1 ? `; up to ${dup.maxCopies} copies` : ''}.`));
    grid.append(card);
  }
  if (facts.keyDuplicates) {
    const keyed = facts.keyDuplicates;
    const tone = keyed.idempotency === 'unique' ? 'ok' : 'warn';
    const { card, body } = factCard(`Duplicates by key (${keyed.key.join(', ')})`, { text: keyed.idempotency, tone });
    const row = el('div', 'hw-stats');
    row.append(stat('keys', formatCount(keyed.keys)), stat('duplicated', formatCount(keyed.duplicatedKeys)), stat('extra rows', formatCount(keyed.duplicateRows)), stat('identical', formatCount(keyed.identicalCopies)));
    body.append(row, el('p', 'hw-hint', keyed.hint));
    if (keyed.examples.length) {
      body.append(el('p', 'hw-subtle', `e.g. ${keyed.examples.slice(0, 3).map((example) => `${formatScalar(example.key ?? null)} ×${example.copies}`).join(', ')}`));
    }
    grid.append(card);
  }
  if (facts.versions) grid.append(versionsCard(facts.versions));
  if (facts.partitions) grid.append(partitionsCard(facts.partitions));
  if (facts.ttl) {
    const { card, body } = factCard(`TTL (${facts.ttl.field})`, { text: formatPercent(facts.ttl.share), tone: facts.ttl.expired ? 'warn' : 'info' });
    body.append(ttlBody(facts.ttl));
    grid.append(card);
  }
  if (facts.documentShape) {
    const shape = facts.documentShape;
    const { card, body } = factCard('Document shape', { text: `depth ${shape.depth.max}`, tone: shape.depth.max > 20 || shape.arrays.max > 1000 ? 'warn' : 'info' });
    body.append(documentShapeBody(shape));
    grid.append(card);
  }
  if (facts.keyCandidates.length) {
    const { card, body } = factCard('Key candidates');
    for (const candidate of facts.keyCandidates) {
      body.append(el('p', 'hw-text', `${candidate.field}: ${candidate.unique ? 'unique' : 'not unique'}, ${formatCount(candidate.distinct)} distinct, ${formatCount(candidate.nulls)} nulls. ${candidate.reason}`));
    }
    grid.append(card);
  }
  node.append(grid);
  return node;
}

// ---- fields -----------------------------------------------------------------------------------

function flatten(fields: InferredField[], into = new Map<string, InferredField>()): Map<string, InferredField> {
  for (const field of fields) {
    into.set(field.path, field);
    if (field.fields) flatten(field.fields, into);
    if (field.element) flatten([field.element], into);
    if (field.value) flatten([field.value], into);
  }
  return into;
}

function typeText(field: FieldProfile): string {
  return `${field.kind}${field.readAs ? ` (${field.readAs})` : ''} · ${field.duckType}`;
}

function renderFieldCard(field: FieldProfile, inferred: InferredField | undefined, disagreements: Disagreement[], observer: IntersectionObserver, privacy?: ColumnPrivacy): HTMLElement {
  const card = el('article', 'hw-card hw-field');
  card.dataset['path'] = field.path;
  const head = el('div', 'hw-card-head');
  const title = el('h3', 'hw-card-title hw-mono', field.path);
  head.append(title, el('span', 'hw-badge hw-tone-info', inferred ? inferred.type : field.kind));
  if (privacy) {
    // How the column landed: the policy's hash, mask or drop, or personal data left unmasked.
    const badge = el('span', `hw-badge ${privacy.landed === 'unmasked' ? 'hw-tone-warn' : 'hw-tone-info'}`, privacyBadge(privacy, 'personal, unmasked'));
    badge.title = privacy.reason;
    badge.dataset['privacy'] = privacy.landed;
    head.append(badge);
  }
  card.append(head, el('div', 'hw-subtle', typeText(field)));
  card.append(...declaredNotes(disagreements));

  const stats = el('div', 'hw-stats');
  stats.append(
    stat('null', formatPercent(field.nullPercent / 100), `${formatCount(field.nulls)} nulls`),
    stat('distinct', `${field.distinct.basis.method === 'exact' ? '' : '≈'}${formatCount(field.distinct.value)}`, `${field.distinct.basis.method} over ${formatCount(field.distinct.basis.rows)} rows`),
  );
  if (field.time) {
    stats.append(stat('min', formatScalar(field.time.min)), stat('max', formatScalar(field.time.max)));
  } else if (field.min !== undefined || field.max !== undefined) {
    stats.append(stat('min', formatScalar(field.min ?? null)), stat('max', formatScalar(field.max ?? null)));
  }
  if (field.number) stats.append(stat('mean', formatNumber(field.number.mean)), stat('p50', formatNumber(field.number.quantiles.find((q) => q.p === 0.5)?.value ?? Number.NaN)));
  if (field.string) stats.append(stat('length', `${field.string.length.min}–${field.string.length.max}`));
  if (field.list) stats.append(stat('length', `${field.list.length.min}–${field.list.length.max}`));
  card.append(stats);

  const kind = chartKindOf(field);
  if (kind !== 'none') {
    const chartBox = el('div', `hw-chart hw-chart-${kind}`);
    chartBox.setAttribute('role', 'img');
    chartBox.setAttribute('aria-label', `${kind === 'histogram' ? 'Histogram' : 'Top values'} of ${field.path}`);
    const canvas = el('canvas');
    chartBox.append(canvas);
    card.append(el('div', 'hw-chart-caption', kind === 'histogram' ? 'distribution' : `top values${field.topK?.others ? ` (+${formatCount(field.topK.others)} others)` : ''}`), chartBox);
    observer.observe(chartBox);
    chartFields.set(chartBox, field);
  } else {
    const why = field.map
      ? `map: ${formatCount(field.map.keysSeen)} keys seen, e.g. ${field.map.examples.slice(0, 3).join(', ')}`
      : mostlyUnique(field) ? `nearly unique: ${formatPercent(field.distinct.value / field.count)} of values distinct (no top values)`
        : field.kind === 'object' || field.kind === 'list' ? `${field.kind}: see its nested paths` : 'no chart for this kind of value';
    card.append(el('p', 'hw-subtle hw-nochart', why));
  }
  if (inferred) card.append(el('p', 'hw-subtle', plainText(inferred.presence)));
  for (const note of field.notes ?? []) card.append(el('p', 'hw-hint', note));
  return card;
}

const chartFields = new WeakMap<Element, FieldProfile>();

function renderFields(profile: Profile, inferred: Map<string, InferredField>, disagreements: Disagreement[]): HTMLElement {
  const node = section('hw-fields', 'Fields', `${profile.fields.length} paths profiled in DuckDB; charts are histograms for numbers and times, top values otherwise.`);
  const grid = el('div', 'hw-field-grid');
  // Charts are drawn when their card scrolls into view: a wide table stays quick to open.
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      observer.unobserve(entry.target);
      const field = chartFields.get(entry.target);
      const canvas = entry.target.querySelector('canvas');
      if (!field || !canvas) continue;
      const chart = drawFieldChart(canvas, field);
      if (chart) charts.push(chart);
      (entry.target as HTMLElement).dataset['drawn'] = 'true';
    }
  }, { rootMargin: '200px' });
  for (const field of profile.fields) {
    // A nested field (`user.email`) shows its own state, or that of the column or field enclosing it.
    const privacy = columnPrivacy(profile.privacy, field.depth === 0 ? field.column : field.path);
    grid.append(renderFieldCard(field, inferred.get(field.path), disagreements.filter((d) => d.field === field.path), observer, privacy));
  }
  node.append(grid);
  return node;
}

/** The engine's notes mark names with Markdown backticks; the panel shows plain text. */
function plainText(text: string): string {
  return text.replace(/`/g, '');
}

// ---- schema with evidence -----------------------------------------------------------------------

function evidenceLabel(evidence: Evidence): string {
  const entries = Object.entries(evidence.provenance);
  return entries.length ? entries.map(([key, value]) => `${key} ${value}`).join(', ') : `record ${evidence.record}`;
}

function renderSchema(schema: InferredSchema | null): HTMLElement {
  const node = section('hw-schema', 'Inferred schema & evidence',
    schema ? `Inferred from ${formatCount(schema.records)} records. Each change links to the record that caused it.` : 'No inferred schema is stored for this sample.');
  if (!schema) return node;
  const table = el('table', 'hw-table hw-schema-table');
  const head = el('tr');
  for (const text of ['Path', 'Type', 'Presence', 'Formats', 'Confidence', 'Changes (evidence)']) head.append(el('th', undefined, text));
  table.append(el('thead'));
  table.tHead!.append(head);
  const body = el('tbody');
  const add = (field: InferredField, depth: number): void => {
    const tr = el('tr');
    tr.dataset['path'] = field.path;
    const path = el('td', 'hw-mono hw-path', field.path);
    path.classList.add(`hw-depth-${Math.min(depth, 5)}`);
    const type = el('td', 'hw-mono', `${field.type}${field.nullable ? '?' : ''}`);
    type.title = field.duckType;
    if (field.branches?.length) type.textContent = `${field.branches.map((b) => `${b.type} ${formatPercent(b.share, 0)}`).join(' | ')}${field.nullable ? ' ?' : ''}`;
    const formats = (field.formats ?? []).map((f) => `${f.format} ${formatPercent(f.share, 0)}`).join(', ');
    const changes = el('td', 'hw-changes');
    for (const change of field.changes) {
      const line = el('div', `hw-change hw-change-${change.kind}`);
      line.append(el('span', 'hw-change-kind', change.kind), el('span', 'hw-change-note', change.note));
      const open = el('button', 'hw-link', `${evidenceLabel(change.evidence)} →`);
      open.type = 'button';
      open.title = 'Open the Sample panel at this record';
      open.addEventListener('click', () => post({ type: 'openEvidence', provenance: change.evidence.provenance, record: change.evidence.record }));
      line.append(open);
      changes.append(line);
    }
    for (const note of field.notes) changes.append(el('div', 'hw-subtle', note));
    tr.append(path, type, el('td', undefined, plainText(field.presence)), el('td', 'hw-mono', formats),
      el('td', undefined, `${field.confidence.level} (${formatCount(field.confidence.values)})`), changes);
    body.append(tr);
    for (const child of field.fields ?? []) add(child, depth + 1);
    if (field.element) add(field.element, depth + 1);
    if (field.value) add(field.value, depth + 1);
  };
  for (const field of schema.fields) add(field, 0);
  table.append(body);
  node.append(table);
  if (schema.keys.length) node.append(el('p', 'hw-subtle', `Key candidates: ${schema.keys.map((key) => `${key.paths.join(' + ')} (${key.status})`).join('; ')}`));
  for (const note of schema.notes) node.append(el('p', 'hw-subtle', note));
  return node;
}

// ---- messages ---------------------------------------------------------------------------------

function reset(): void {
  for (const chart of charts.splice(0)) chart.destroy();
  simulator?.destroy();
  simulator = undefined;
}

function show(message: ToProfileWebview): void {
  // Simulation answers update their own section; everything else redraws the panel.
  if (message.type === 'simulation') return simulator?.receive(message.requestId, { simulation: message.simulation });
  if (message.type === 'simulationError') return simulator?.receive(message.requestId, { message: message.message });
  reset();
  switch (message.type) {
    case 'loading': {
      const status = el('p', 'hw-status', 'Profiling in DuckDB…');
      status.dataset['state'] = 'loading';
      status.id = 'hw-status';
      app.replaceChildren(renderHeader(message.title, undefined, undefined), status);
      return;
    }
    case 'error': {
      const status = el('p', 'hw-status hw-error', message.message);
      status.dataset['state'] = 'error';
      status.id = 'hw-status';
      app.replaceChildren(status);
      return;
    }
    case 'init': {
      document.title = `Profile · ${message.title}`;
      const inferred = flatten(message.schema?.fields ?? []);
      const main = el('main', 'hw-body');
      main.dataset['state'] = 'ready';
      main.id = 'hw-profile';
      simulator = new PartitionSimulator(message.profile, post);
      main.append(
        renderDeclared(message.sample, message.disagreements),
        renderFacts(message.profile.facts),
        ...(message.profile.facts.entityTypes ? [renderEntityTypes(message.profile.facts.entityTypes)] : []),
        renderFields(message.profile, inferred, message.disagreements),
        simulator.element,
        renderSchema(message.schema),
      );
      for (const note of message.profile.notes) main.append(el('p', 'hw-subtle', note));
      app.replaceChildren(renderHeader(message.title, message.sample, message.profile), main);
      return;
    }
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data as ToProfileWebview | null;
  if (message && typeof message === 'object' && 'type' in message) show(message);
});

post({ type: 'ready' });
