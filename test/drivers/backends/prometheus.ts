// Prometheus: a private server (test/services/prometheus.ts) whose history is backfilled with promtool,
// so the fixture metric holds exact points; the long read is a wider window over a bigger metric.
// The source sends a bearer token (Prometheus does not check it) so the suite sees it never leaks.
import { ALL, secretFor, type Backend } from '../backend.js';
import { freePort } from '../../services/process.js';
import { prometheusSkipReason, startPrometheus } from '../../services/prometheus.js';

const STEP = 15;
const SERIES = 5;
const LONG_SERIES = 100;
const LONG_POINTS = 3000;
/** Steps of the default window (1h) at 15 s: both ends included. */
const WINDOW_STEPS = 3600 / STEP + 1;

/** OpenMetrics for `series` gauges of `points` points each, `STEP` s apart, the last a minute ago. */
function history(name: string, series: number, points: number, end: number): string[] {
  const lines = [`# HELP ${name} A fixture gauge.`, `# TYPE ${name} gauge`];
  for (let s = 0; s < series; s++) {
    for (let p = 0; p < points; p++) lines.push(`${name}{host="h${s}",zone="z${s % 3}"} ${(p % 50) / 2} ${end - (points - 1 - p) * STEP}`);
  }
  return lines;
}

const backend: Backend = {
  kind: 'prometheus',
  skipReason: prometheusSkipReason,
  async start() {
    const end = Math.floor(Date.now() / 1000 / STEP) * STEP - 60;
    const text = [...history('fixture_load', SERIES, 2 * WINDOW_STEPS, end), ...history('fixture_history', LONG_SERIES, LONG_POINTS, end), '# EOF', ''].join('\n');
    const server = await startPrometheus({ history: text });
    const token = secretFor('prometheus');
    const entry = (port: number, window = '1h') => `kind: prometheus\nurl: http://127.0.0.1:${port}\noptions:\n  step: ${STEP}s\n  window: ${window}\n  auth:\n    type: bearer\n    token: \${secret:PROM_TOKEN}`;
    const closed = await freePort();
    return {
      source: entry(server.port),
      unreachable: { source: entry(closed), where: `127.0.0.1:${closed}` },
      longSource: entry(server.port, '24h'),
      secrets: { PROM_TOKEN: token },
      stop: () => server.stop(),
    };
  },
  fixture: { entity: 'fixture_load', rows: SERIES * WINDOW_STEPS, browsePath: [] },
  long: { entity: 'fixture_history' },
  unknownEntity: 'no_such_metric',
  unreachableCause: /ECONNREFUSED|connection refused|cannot connect/i,
  supports: { ...ALL, statementLog: 'PromQL cannot write, and the only write path over HTTP (the admin API) is off unless the server runs with --web.enable-admin-api' },
};

export default backend;
