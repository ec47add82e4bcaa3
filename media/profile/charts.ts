// Field charts drawn with Chart.js on canvas: histograms for numbers and times, top-k bars for
// everything else. Chart.js needs no eval and no injected <style>, so the panel's strict CSP holds.
// Colours are read from the VS Code theme variables at draw time.
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip, type ChartConfiguration } from 'chart.js';
import type { FieldProfile, HistogramBin, PartitionSimulation, TopValue } from '../../src/shared/profile.js';
import { formatNumber, formatScalar, formatTick, shortTimeLabels } from './format.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

interface Theme { bar: string; barAlt: string; hot: string; text: string; grid: string; font: string; fontSize: number }

function theme(): Theme {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return {
    bar: read('--vscode-charts-blue', read('--vscode-textLink-foreground', 'steelblue')),
    barAlt: read('--vscode-charts-purple', read('--vscode-charts-blue', 'slateblue')),
    hot: read('--vscode-charts-orange', read('--vscode-editorWarning-foreground', 'darkorange')),
    text: read('--vscode-descriptionForeground', read('--vscode-foreground', 'gray')),
    grid: read('--vscode-editorWidget-border', read('--vscode-panel-border', 'rgba(128,128,128,0.25)')),
    font: read('--vscode-font-family', 'sans-serif'),
    fontSize: Math.max(9, (Number.parseFloat(read('--vscode-font-size', '13')) || 13) - 2),
  };
}

export type ChartKind = 'histogram' | 'top-k' | 'none';

/** Which chart fits a field, and why there is none. */
export function chartKindOf(field: FieldProfile): ChartKind {
  if (field.number?.histogram?.bins.length || field.time?.histogram?.bins.length) return 'histogram';
  // Top values of a nearly unique field (ids) say nothing: each occurs once or twice.
  if (field.boolean || (field.topK?.values.length && !mostlyUnique(field))) return 'top-k';
  return 'none';
}

export function mostlyUnique(field: FieldProfile): boolean {
  return field.count > 20 && field.distinct.value >= 0.9 * field.count;
}

/** Draws the field's chart into `canvas`; returns the Chart so it can be destroyed. */
export function drawFieldChart(canvas: HTMLCanvasElement, field: FieldProfile): Chart | undefined {
  const colours = theme();
  const kind = chartKindOf(field);
  if (kind === 'histogram') {
    const numberBins = field.number?.histogram?.bins;
    const timeBins = field.time?.histogram?.bins;
    const labels = numberBins
      ? numberBins.map((bin) => formatNumber(bin.lower))
      : shortTimeLabels((timeBins ?? []).map((bin) => bin.lower));
    const bins: HistogramBin<number | string>[] = numberBins ?? timeBins ?? [];
    const ranges = bins.map((bin) => `${formatScalar(bin.lower)} – ${formatScalar(bin.upper)}`);
    return new Chart(canvas, config(colours, {
      labels,
      counts: bins.map((bin) => bin.count),
      horizontal: false,
      tooltipTitle: (index) => ranges[index] ?? '',
    }));
  }
  if (kind === 'top-k') {
    const values: TopValue[] = field.topK?.values.slice(0, 8)
      ?? [{ value: true, count: field.boolean!.true, share: 0 }, { value: false, count: field.boolean!.false, share: 0 }];
    const full = values.map((value) => formatScalar(value.value));
    return new Chart(canvas, config(colours, {
      labels: full.map((label) => (label.length > 22 ? `${label.slice(0, 21)}…` : label)),
      counts: values.map((value) => value.count),
      horizontal: true,
      tooltipTitle: (index) => full[index] ?? '',
    }));
  }
  return undefined;
}

/** Records per partition; partitions above the hotspot threshold (× the mean) in the warning colour. */
export function drawPartitionChart(canvas: HTMLCanvasElement, simulation: PartitionSimulation): Chart {
  const colours = theme();
  const hotAbove = simulation.mean * simulation.threshold;
  return new Chart(canvas, config(colours, {
    labels: simulation.counts.map((_, partition) => String(partition)),
    counts: simulation.counts,
    horizontal: false,
    colours: simulation.counts.map((count) => (simulation.mean > 0 && count > hotAbove ? colours.hot : colours.bar)),
    gapped: true,
    tooltipTitle: (index) => `partition ${index}`,
  }));
}

interface Series {
  labels: string[]; counts: number[]; horizontal: boolean; tooltipTitle: (index: number) => string;
  /** One colour per bar, instead of the series colour. */
  colours?: string[];
  /** Bars apart (categories), not touching (histogram bins). */
  gapped?: boolean;
}

function config(colours: Theme, series: Series): ChartConfiguration<'bar', number[], string> {
  const font = { family: colours.font, size: colours.fontSize };
  const countAxis = {
    beginAtZero: true,
    grid: { color: colours.grid },
    border: { display: false },
    ticks: { color: colours.text, font, maxTicksLimit: 4, callback: (value: string | number) => formatTick(Number(value)) },
  };
  // Every top value keeps its label; histogram edges thin out to what fits.
  const labelAxis = {
    grid: { display: false },
    ticks: { color: colours.text, font, autoSkip: !series.horizontal, maxRotation: 0, autoSkipPadding: 8 },
  };
  return {
    type: 'bar',
    data: {
      labels: series.labels,
      datasets: [{
        data: series.counts,
        backgroundColor: series.colours ?? (series.horizontal ? colours.barAlt : colours.bar),
        borderWidth: 0,
        // Histogram bars touch: the bins are contiguous ranges.
        categoryPercentage: series.horizontal || series.gapped ? 0.85 : 1,
        barPercentage: series.horizontal || series.gapped ? 0.9 : 0.96,
        minBarLength: 1,
      }],
    },
    options: {
      indexAxis: series.horizontal ? 'y' : 'x',
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      layout: { padding: 0 },
      scales: series.horizontal ? { x: countAxis, y: labelAxis } : { x: labelAxis, y: countAxis },
      plugins: {
        legend: { display: false },
        tooltip: {
          displayColors: false,
          callbacks: {
            title: (items) => series.tooltipTitle(items[0]?.dataIndex ?? 0),
            label: (item) => `${formatNumber(Number(item.raw))} records`,
          },
        },
      },
    },
  };
}
