// The MQTT driver against a private Mosquitto: a windowed tap lands exactly the messages published
// during it (topics, QoS, retain flags, payloads, user properties), retained messages show in the
// tree and arrive first, and the tap leaves no session behind.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import mqtt from 'mqtt';
import type { Engine } from '../../src/engine/engine.js';
import { waitFor } from '../services/process.js';
import { mosquittoSkipReason, startMosquitto, type MosquittoService } from '../services/mosquitto.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

describe('MQTT driver', { skip: mosquittoSkipReason() }, () => {
  let server: MosquittoService;
  let engine: Engine;
  let workspace: TestWorkspace | undefined;
  let publisher: mqtt.MqttClient;

  before(async () => {
    server = await startMosquitto();
    publisher = await mqtt.connectAsync(server.url, { protocolVersion: 5, clientId: 'fixture-publisher' });
    await publisher.publishAsync('plant/config', JSON.stringify({ line: 'A', speed: 3 }), { qos: 1, retain: true });
    workspace = createTestWorkspace('hw-mqtt-test-', `sources:\n  - name: plant\n    kind: mqtt\n    url: ${server.url}\n    options:\n      topics: ['plant/#']\n`);
    ({ engine } = workspace);
  });

  after(async () => {
    await workspace?.close();
    await publisher?.endAsync();
    await server?.stop();
  });

  test('the tree shows the filters and the retained topics, with pub/sub semantics', async () => {
    const nodes = await engine.browse('plant', []);
    assert.deepEqual(nodes.map((n) => n.id), ['plant/#', 'plant/config']);
    assert.match(nodes[1]!.detail ?? '', /retained message \(json, 22 B\)/);
    assert.match(nodes[0]!.tooltip ?? '', /QoS 1 at-least-once/);
  });

  test('a tap lands the retained message and every message published in its window', async () => {
    const subacks = () => readFileSync(server.logFile, 'utf8').match(/Sending SUBACK to headwater-/g)?.length ?? 0;
    const earlier = subacks();
    const sampling = engine.sample('plant', 'plant/#', { windowSeconds: 30, limit: 6 });
    // The tap listens once the broker has acknowledged its subscription (the broker logs every SUBACK).
    await waitFor(() => subacks() > earlier, { timeoutMs: 20_000, what: 'the tap to subscribe' });
    const sent = [
      { topic: 'plant/line/a/temp', payload: JSON.stringify({ c: 21.5, n: 1 }), qos: 0 as const },
      { topic: 'plant/line/a/temp', payload: JSON.stringify({ c: 21.7, n: 2 }), qos: 1 as const },
      { topic: 'plant/line/b/state', payload: 'RUNNING', qos: 2 as const },
      { topic: 'plant/line/b/raw', payload: Buffer.from([0xde, 0xad, 0xbe, 0xef]), qos: 1 as const },
      { topic: 'plant/line/a/temp', payload: JSON.stringify({ c: 22, n: 3 }), qos: 1 as const, properties: { userProperties: { source: 'sensor-7' } } },
    ];
    for (const m of sent) await publisher.publishAsync(m.topic, m.payload, { qos: m.qos, ...(m.properties ? { properties: m.properties } : {}) });
    const info = await sampling;
    assert.equal(info.status, 'complete');
    assert.equal(info.rowCount, 6);
    const rows = (await engine.query(`SELECT topic, qos, retain, payload_format, payload::VARCHAR, user_properties::VARCHAR FROM ${info.table} ORDER BY rowid`)).rows;
    assert.deepEqual(rows[0], ['plant/config', 1, true, 'json', JSON.stringify({ line: 'A', speed: 3 }), null]);
    assert.deepEqual(rows.slice(1), [
      ['plant/line/a/temp', 0, false, 'json', '{"c":21.5,"n":1}', null],
      ['plant/line/a/temp', 1, false, 'json', '{"c":21.7,"n":2}', null],
      ['plant/line/b/state', 1, false, 'text', '"RUNNING"', null],
      ['plant/line/b/raw', 1, false, 'base64', JSON.stringify(Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('base64')), null],
      ['plant/line/a/temp', 1, false, 'json', '{"c":22,"n":3}', '{"source":"sensor-7"}'],
    ]);
  });

  test('a window with no traffic ends complete with only the retained message', async () => {
    const info = await engine.sample('plant', 'plant/config', { windowSeconds: 1 });
    assert.equal(info.status, 'complete');
    assert.equal(info.rowCount, 1);
    assert.match(info.query, /SUBSCRIBE plant\/config QoS 1 for 1 s/);
  });
});
