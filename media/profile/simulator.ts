// Partition-key simulator: pick any field and a partition count and see how the sample's records
// would spread over Kafka partitions with that field as the message key (murmur2), or over Kinesis
// shards with it as the partition key (MD5), computed by the engine, with a bar per partition and the
// hotspot warning.
import type { Chart } from 'chart.js';
import type { PartitionSimulation, Profile } from '../../src/shared/profile.js';
import type { FromProfileWebview } from '../../src/shared/profileWebview.js';
import { drawPartitionChart } from './charts.js';
import { el, section, stat } from './dom.js';
import { formatCount, formatNumber, formatPercent, formatScalar } from './format.js';

const KEYABLE = new Set(['number', 'time', 'string', 'boolean', 'binary', 'other']);

export class PartitionSimulator {
  readonly element: HTMLElement;
  private readonly fieldSelect = el('select', 'hw-input');
  private readonly countInput = el('input', 'hw-input hw-input-number');
  private readonly ruleSelect = el('select', 'hw-input');
  private readonly button = el('button', 'hw-button hw-button-primary', 'Simulate');
  private readonly result = el('div', 'hw-sim-result');
  private chart: Chart | undefined;
  private pending = 0;

  constructor(profile: Profile, private readonly post: (message: FromProfileWebview) => void) {
    this.element = section('hw-simulator', 'Partition-key simulator',
      "Pick a field as the Kafka message key (or Kinesis partition key) and a partition count: the records per partition under Kafka's default partitioner (murmur2 of the key), or per shard under Kinesis's rule (MD5 of the key into even hash-key ranges), computed over every row of the sample.");
    const fields = profile.fields.filter((field) => KEYABLE.has(field.kind));
    for (const field of fields) {
      const option = el('option', undefined, field.path);
      option.value = field.path;
      this.fieldSelect.append(option);
    }
    const facts = profile.facts;
    const preferred = facts.partitions?.keyField ?? facts.keyDuplicates?.key[0] ?? facts.keyCandidates[0]?.field;
    if (preferred && fields.some((field) => field.path === preferred)) this.fieldSelect.value = preferred;
    this.fieldSelect.setAttribute('aria-label', 'Key field');
    this.countInput.type = 'number';
    this.countInput.min = '1';
    this.countInput.max = '100000';
    this.countInput.value = String(facts.partitions?.partitions.length || 6);
    this.countInput.setAttribute('aria-label', 'Partitions');
    for (const [value, text] of [['kafka', 'Kafka (murmur2)'], ['kinesis', 'Kinesis shards (MD5)']] as const) {
      const option = el('option', undefined, text);
      option.value = value;
      this.ruleSelect.append(option);
    }
    this.ruleSelect.setAttribute('aria-label', 'Partitioner');
    this.button.type = 'submit';
    const form = el('form', 'hw-sim-form');
    const label = (text: string, control: HTMLElement) => {
      const wrap = el('label', 'hw-sim-label');
      wrap.append(el('span', 'hw-stat-label', text), control);
      return wrap;
    };
    form.append(label('Key field', this.fieldSelect), label('Partitions', this.countInput), label('Partitioner', this.ruleSelect), this.button);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.run();
    });
    if (fields.length === 0) {
      this.element.append(el('p', 'hw-subtle', 'No scalar field to key by in this sample.'));
    } else {
      this.element.append(form, this.result);
    }
  }

  private run(): void {
    const partitions = Number(this.countInput.value);
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > 100_000) {
      this.showStatus('Enter a whole number of partitions from 1 to 100,000.', true);
      return;
    }
    this.pending++;
    this.button.disabled = true;
    this.showStatus(`Hashing ${this.fieldSelect.value} over ${partitions} partitions…`, false);
    this.post({ type: 'simulate', requestId: this.pending, field: this.fieldSelect.value, partitions, partitioner: this.ruleSelect.value === 'kinesis' ? 'kinesis' : 'kafka' });
  }

  /** The engine's answer; stale answers (an earlier request) are dropped. */
  receive(requestId: number, outcome: { simulation: PartitionSimulation } | { message: string }): void {
    if (requestId !== this.pending) return;
    this.button.disabled = false;
    if ('message' in outcome) this.showStatus(outcome.message, true);
    else this.render(outcome.simulation);
  }

  destroy(): void {
    this.chart?.destroy();
    this.chart = undefined;
  }

  private showStatus(text: string, error: boolean): void {
    this.destroy();
    const status = el('p', `hw-status${error ? ' hw-error' : ''}`, text);
    status.dataset['state'] = error ? 'error' : 'running';
    this.result.replaceChildren(status);
  }

  private render(simulation: PartitionSimulation): void {
    this.destroy();
    const card = el('div', 'hw-card hw-sim-card');
    card.dataset['state'] = 'done';
    card.dataset['hotspot'] = String(simulation.hotspot);
    const head = el('div', 'hw-card-head');
    head.append(
      el('h3', 'hw-card-title', `${simulation.field} over ${simulation.partitions} partitions`),
      el('span', `hw-badge hw-tone-${simulation.hotspot ? 'warn' : 'ok'}`, simulation.hotspot ? 'hotspot' : 'balanced'),
    );
    const stats = el('div', 'hw-stats');
    stats.append(
      stat('records', formatCount(simulation.records)),
      stat('distinct keys', formatCount(simulation.distinctKeys)),
      stat('null keys', formatCount(simulation.nullKeys)),
      stat('mean', formatNumber(simulation.mean)),
      stat('max', formatCount(simulation.max)),
      stat('max/mean', formatNumber(simulation.maxOverMean), `a hotspot above ${simulation.threshold}×`),
      stat('empty', formatCount(simulation.emptyPartitions)),
    );
    card.append(head, stats);
    const chartBox = el('div', 'hw-chart hw-chart-partitions');
    chartBox.setAttribute('role', 'img');
    chartBox.setAttribute('aria-label', `Records per partition keyed by ${simulation.field}`);
    const canvas = el('canvas');
    chartBox.append(canvas);
    card.append(el('div', 'hw-chart-caption', 'records per partition'), chartBox);
    for (const warning of simulation.warnings) card.append(el('p', 'hw-hint', warning));
    if (simulation.topKeys.length) {
      card.append(el('div', 'hw-chart-caption', 'most frequent keys'));
      const table = el('table', 'hw-table hw-sim-keys');
      const header = el('tr');
      for (const text of ['Key', 'Records', 'Share', 'Partition']) header.append(el('th', undefined, text));
      table.append(header);
      for (const key of simulation.topKeys.slice(0, 5)) {
        const row = el('tr');
        row.append(el('td', 'hw-mono', formatScalar(key.key)), el('td', 'hw-num', formatCount(key.records)), el('td', 'hw-num', formatPercent(key.share)), el('td', 'hw-num', String(key.partition)));
        table.append(row);
      }
      card.append(table);
    }
    card.append(el('p', 'hw-subtle', `${simulation.partitioner}. ${simulation.basis.detail ?? ''}`));
    this.result.replaceChildren(card);
    this.chart = drawPartitionChart(canvas, simulation);
    chartBox.dataset['drawn'] = 'true';
  }
}
