// InfluxDB 1.x: a private influxd (test/services/influxdb.ts) with auth on; its query log holds every
// statement, so the suite checks Headwater sent only SELECT and SHOW.
import { ALL, secretFor, type Backend } from '../backend.js';
import { freePort } from '../../services/process.js';
import { influxSkipReason, startInfluxDB, type InfluxService } from '../../services/influxdb.js';

const SERIES = 5;
const POINTS = 1000;
const LONG_SERIES = 20;
const LONG_POINTS = 20_000;
const START = 1_700_000_000;

/** `series` hosts × `points` points, `step` seconds apart, written in chunks of line protocol. */
async function fill(server: InfluxService, measurement: string, series: number, points: number, step: number): Promise<void> {
  let lines: string[] = [];
  for (let p = 0; p < points; p++) {
    for (let s = 0; s < series; s++) {
      lines.push(`${measurement},host=h${s},region=${s % 2 ? 'eu' : 'us'} usage=${(p % 100) / 4},count=${p}i,state="ok" ${START + p * step}`);
    }
    if (lines.length >= 50_000) {
      await server.write('metrics', lines.join('\n'));
      lines = [];
    }
  }
  if (lines.length) await server.write('metrics', lines.join('\n'));
}

const backend: Backend = {
  kind: 'influxdb',
  skipReason: influxSkipReason,
  async start() {
    const password = secretFor('influxdb');
    const server = await startInfluxDB({ auth: { user: 'admin', password } });
    let before = 0;
    try {
      await server.query('CREATE DATABASE metrics');
      await fill(server, 'cpu', SERIES, POINTS, 10);
      await fill(server, 'history', LONG_SERIES, LONG_POINTS, 1);
      before = server.loggedQueries().length;
    } catch (error) {
      await server.stop();
      throw error;
    }
    const entry = (port: number) => `kind: influxdb\nurl: http://127.0.0.1:${port}\nuser: admin\npassword: \${secret:INFLUX_PASSWORD}`;
    const closed = await freePort();
    return {
      source: entry(server.port),
      unreachable: { source: entry(closed), where: `127.0.0.1:${closed}` },
      secrets: { INFLUX_PASSWORD: password },
      async statementLog() {
        const sent = server.loggedQueries().slice(before);
        return { seen: sent.length, notReads: sent.filter((q) => !/^(SELECT|SHOW)\s/i.test(q)) };
      },
      stop: () => server.stop(),
    };
  },
  // The default window (the newest hour) holds 360 points of each of the 5 series.
  fixture: { entity: 'metrics/autogen/cpu', rows: SERIES * 360, browsePath: ['metrics', 'autogen'] },
  long: { entity: 'metrics/autogen/history', options: { from: 'first' } },
  unknownEntity: 'metrics/autogen/no_such_measurement',
  unreachableCause: /ECONNREFUSED|connection refused|cannot connect/i,
  supports: { ...ALL, statementLog: true },
};

export default backend;
