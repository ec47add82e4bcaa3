// What is special to InfluxDB beyond the conformance suite: browse shows series cardinality, tag and
// field keys with their types; tags and fields keep their roles; the default window is the newest
// hour, --from/--to read an exact range, newest first per series; wrong credentials, an unknown
// database and an HTML answer are clear errors naming the source, never the password.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { HeadwaterError } from '../../src/shared/errors.js';
import { standardsMissing, validateArtifact } from '../unit/generate-standards.js';
import { influxSkipReason, startInfluxDB, type InfluxService } from '../services/influxdb.js';
import { startAll, stopAll } from '../services/group.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const PASSWORD = 'influx-S3CRET-pw';
const START = 1_700_000_000;

describe('influxdb driver', { skip: influxSkipReason(), timeout: 120_000 }, () => {
  let server: InfluxService | undefined;
  let html: Server | undefined;
  let workspace: TestWorkspace | undefined;

  before(async () => {
    ({ server } = await startAll({ server: () => startInfluxDB({ auth: { user: 'admin', password: PASSWORD } }) }));
    await server.query('CREATE DATABASE plant');
    await server.query('CREATE RETENTION POLICY week ON plant DURATION 7d REPLICATION 1');
    // Two sensors every 10 s for 2 hours; one sensor has a `unit` tag, the other lacks it.
    const lines: string[] = [];
    for (let i = 0; i < 720; i++) {
      lines.push(`temperature,sensor=s1,unit=C value=${20 + (i % 10) / 10},ok=true ${START + i * 10}`);
      lines.push(`temperature,sensor=s2 value=${30 + i},ok=false ${START + i * 10}`);
    }
    await server.write('plant', lines.join('\n'));
    // A boiler reading every 10 s for an hour, with two gaps (60 s and 120 s) and one point 3 s late.
    const boiler: string[] = [];
    for (let i = 0; i < 360; i++) {
      if ((i > 100 && i < 106) || (i > 200 && i < 212)) continue;
      boiler.push(`boiler,unit=b1 pressure=${1 + i / 1000} ${START + i * 10 + (i === 300 ? 3 : 0)}`);
    }
    // Door events at irregular times.
    for (let i = 0, t = START; i < 200; i++, t += 1 + ((i * 7919) % 97)) boiler.push(`door,door=d1 open=${i % 2 === 0} ${t}`);
    await server.write('plant', boiler.join('\n'));
    html = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Sign in</body></html>'));
    await new Promise<void>((resolve) => html!.listen(0, '127.0.0.1', resolve));
    const htmlPort = (html.address() as { port: number }).port;
    workspace = createTestWorkspace('hw-influx-', `sources:
  - name: tsdb
    kind: influxdb
    url: ${server.url}
    user: admin
    password: \${secret:INFLUX_PASSWORD}
  - name: wrong
    kind: influxdb
    url: ${server.url}
    user: admin
    password: not-the-password
  - name: portal
    kind: influxdb
    url: http://127.0.0.1:${htmlPort}
`, { secrets: { INFLUX_PASSWORD: PASSWORD } });
  });

  after(async () => {
    await workspace?.close();
    html?.closeAllConnections();
    html?.close();
    await stopAll(server);
  });

  test('browse: databases > retention policies > measurements with series cardinality, tags and typed fields', async () => {
    const { engine } = workspace!;
    assert.ok((await engine.browse('tsdb', [])).some((n) => n.id === 'plant'));
    const policies = await engine.browse('tsdb', ['plant']);
    assert.deepEqual(policies.map((p) => [p.id, p.detail]).sort(), [['autogen', 'keeps forever (default)'], ['week', 'keeps 168h0m0s']]);
    const nodes = await engine.browse('tsdb', ['plant', 'autogen']);
    assert.deepEqual(nodes.map((n) => n.entity), ['plant/autogen/boiler', 'plant/autogen/door', 'plant/autogen/temperature']);
    const node = nodes.find((n) => n.id === 'temperature');
    assert.equal(node!.detail, '2 series · tags: sensor, unit · fields: ok boolean, value float');
  });

  test('the native schema gives time, tags and fields their roles', async () => {
    const schema = await workspace!.engine.nativeSchema('tsdb', 'plant/autogen/temperature');
    assert.deepEqual(schema!.fields.map((f) => [f.name, f.type, f.nativeType]), [
      ['time', 'timestamptz', 'time'], ['sensor', 'string', 'tag'], ['unit', 'string', 'tag'], ['ok', 'boolean', 'field (boolean)'], ['value', 'float', 'field (float)'],
    ]);
  });

  test('the default window is the newest hour, newest first per series; a missing tag is null', async () => {
    const { engine } = workspace!;
    const info = await engine.sample('tsdb', 'plant/autogen/temperature', { limit: 10_000 });
    assert.equal(info.status, 'complete', info.statusDetail);
    assert.equal(info.rowCount, 2 * 361, 'both ends of the hour are in the window');
    // time lands as TIMESTAMPTZ (as the native schema declares it), fields with their declared types.
    assert.deepEqual((await engine.query(`DESCRIBE ${info.table}`)).rows.map((r) => `${String(r[0])} ${String(r[1])}`),
      ['time TIMESTAMP WITH TIME ZONE', 'sensor VARCHAR', 'unit VARCHAR', 'ok BOOLEAN', 'value DOUBLE', '_hw_provenance JSON', '_hw_ingested_at TIMESTAMP WITH TIME ZONE']);
    const rows = (await engine.query(`SELECT sensor, unit, min(time) AS first, max(time) AS last, count(DISTINCT time) AS n FROM ${info.table} GROUP BY ALL ORDER BY sensor`)).rows;
    // Later pages start just before each series' oldest point read (s2 named by unit = ''): none read twice or skipped.
    assert.deepEqual(rows.map((r) => [r[0], r[1], String(r[2]), String(r[3]), Number(r[4])]), [
      ['s1', 'C', '2023-11-14 23:13:10+00', '2023-11-15 00:13:10+00', 361],
      ['s2', null, '2023-11-14 23:13:10+00', '2023-11-15 00:13:10+00', 361],
    ]);
    // Parts land unordered (land-streamed); the provenance names each point's series and time.
    const [first] = (await engine.query(`SELECT _hw_provenance FROM ${info.table} WHERE sensor = 's1' ORDER BY time DESC LIMIT 1`)).rows;
    assert.deepEqual(JSON.parse(String(first![0])), { measurement: 'temperature', series: 'sensor=s1,unit=C', time: '2023-11-15T00:13:10Z' });
  });

  test('--from and --to read exactly that range; the per-series cap keeps one series from filling the sample', async () => {
    const { engine } = workspace!;
    const ranged = await engine.sample('tsdb', 'plant/autogen/temperature', { limit: 10_000, from: '2023-11-14T22:13:20Z', to: '2023-11-14T22:14:50Z' });
    assert.equal(ranged.rowCount, 2 * 10);
    const capped = await engine.sample('tsdb', 'plant/autogen/temperature', { limit: 50, from: 'first', to: 'last' });
    assert.equal(capped.rowCount, 50);
  });

  test('the profile tells measurements (regular at 10 s, naming both gaps and the late point) from events (irregular)', async () => {
    const { engine } = workspace!;
    const boiler = await engine.profile((await engine.sample('tsdb', 'plant/autogen/boiler', { limit: 10_000, from: 'first' })).id);
    const c = boiler.facts.cadence!;
    assert.ok(c, 'a cadence fact');
    assert.equal(c.regular, true, c.evidence);
    assert.equal(c.median, 10);
    assert.equal(c.seriesField, '_hw_provenance.series');
    assert.deepEqual(c.gaps.longest.map((g) => [g.from, g.to, g.seconds, g.missing]), [
      ['2023-11-14T22:46:40.000000Z', '2023-11-14T22:48:40.000000Z', 120, 11],
      ['2023-11-14T22:30:00.000000Z', '2023-11-14T22:31:00.000000Z', 60, 5],
    ]);
    assert.equal(c.gaps.count, 2);
    assert.deepEqual(c.offGrid, { count: 1, examples: [{ series: 'unit=b1', time: '2023-11-14T23:03:23.000000Z', lateBy: 3 }] });
    const door = (await engine.profile((await engine.sample('tsdb', 'plant/autogen/door', { limit: 10_000, from: 'first' })).id)).facts.cadence!;
    assert.equal(door.regular, false, door.evidence);
    assert.deepEqual(door.gaps, { count: 0, longest: [] });
  });

  test('the generated contract names the API by its origin, never the credentials, and is valid ODCS 3.1', { skip: standardsMissing() }, async () => {
    const { engine } = workspace!;
    const result = await engine.generate({ kind: 'odcs', source: 'tsdb', entity: 'plant/autogen/temperature' });
    const [file] = result.files;
    assert.ok(file);
    const { path } = file;
    assert.equal(validateArtifact(path), 'ODCS v3.1.0');
    const contract = parseYaml(readFileSync(path, 'utf8')) as { servers: Record<string, unknown>[] };
    assert.deepEqual(contract.servers[0], {
      server: 'tsdb', type: 'api', location: server!.url, description: "InfluxDB source 'tsdb', plant/autogen/temperature. Credentials are not part of the contract.",
      customProperties: [{ property: 'sourceKind', value: 'influxdb' }, { property: 'entity', value: 'plant/autogen/temperature' }],
    });
    assert.ok(!readFileSync(path, 'utf8').includes(PASSWORD));
    // The frequency is the measured arrival cadence (every 10 s), not the daily placeholder.
    const frequency = (parseYaml(readFileSync(path, 'utf8')) as { slaProperties: { property: string; value: number; unit: string; description: string }[] }).slaProperties.find((p) => p.property === 'frequency');
    assert.deepEqual([frequency?.value, frequency?.unit], [10, 's']);
    assert.match(frequency?.description ?? '', /Arrival cadence measured in the sample, regular: 100% of .* intervals within ±10% of the median 10 s over 2 series of time/);
  });

  test('wrong credentials, an unknown database and an HTML page are clear errors naming the source, never the password', async () => {
    const { engine } = workspace!;
    const expectError = async (call: Promise<unknown>, pattern: RegExp) => {
      const error = await call.then(() => undefined, (e: unknown) => e as Error);
      assert.ok(error instanceof HeadwaterError, `an error: ${String(error)}`);
      assert.match(error.message, pattern);
      assert.ok(!error.message.includes(PASSWORD) && !error.message.includes('not-the-password'), error.message);
    };
    await expectError(engine.sample('wrong', 'plant/autogen/temperature', { limit: 10 }), /InfluxDB source 'wrong'.*HTTP 401/);
    await expectError(engine.sample('tsdb', 'nodb/autogen/temperature', { limit: 10 }), /InfluxDB source 'tsdb', entity 'nodb\/autogen\/temperature': database 'nodb' has no measurement/);
    await expectError(engine.sample('portal', 'plant/autogen/temperature', { limit: 10 }), /InfluxDB source 'portal'.*not InfluxDB's JSON: <html>/);
    // A query the server rejects: a retention policy it does not have.
    await expectError(engine.sample('tsdb', 'plant/nopolicy/temperature', { limit: 10, from: 'first', to: 'last' }), /InfluxDB source 'tsdb': the last point of plant\/nopolicy\/temperature: the server refused the statement: retention policy not found: nopolicy/);
    const down = await engine.describe('wrong');
    assert.equal(down.reachable, false);
    assert.match(down.detail ?? '', /HTTP 401/);
  });
});
