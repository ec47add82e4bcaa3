// MQTT: a private Mosquitto (test/services/mosquitto.ts) that refuses anonymous clients; a publisher
// sends numbered readings the whole time, which a tap lands. The broker logs every packet it
// receives, so the suite checks Headwater subscribed and never published.
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { ALL, secretFor, startTraffic, type Backend } from '../backend.js';
import { mosquittoSkipReason, startMosquitto } from '../../services/mosquitto.js';
import { freePort } from '../../services/process.js';

const backend: Backend = {
  kind: 'mqtt',
  skipReason: mosquittoSkipReason,
  async start() {
    const password = secretFor('mqtt');
    const publisherPassword = secretFor('mqtt-publisher');
    const server = await startMosquitto({ users: { reader: password, publisher: publisherPassword } });
    let publisher: mqtt.MqttClient;
    try {
      publisher = await mqtt.connectAsync(server.url, { protocolVersion: 5, clientId: 'fixture-publisher', username: 'publisher', password: publisherPassword });
    } catch (error) {
      await server.stop();
      throw error;
    }
    const traffic = startTraffic((n) => publisher.publishAsync(`conformance/sensors/${n % 4}`, JSON.stringify({ n, celsius: 20 + (n % 10) / 10, at: new Date().toISOString() }), { qos: 1 }));
    const entry = (port: number) => `kind: mqtt\nurl: mqtt://reader:\${secret:MQTT_PASSWORD}@127.0.0.1:${port}\noptions:\n  topics: ['conformance/#']`;
    const closed = await freePort();
    return {
      source: entry(server.port),
      unreachable: { source: entry(closed), where: `127.0.0.1:${closed}` },
      secrets: { MQTT_PASSWORD: password },
      async statementLog() {
        const packets = readFileSync(server.logFile, 'utf8').split('\n').filter((line) => / Received \w+ from headwater-/.test(line));
        return { seen: packets.length, notReads: packets.filter((line) => / Received PUBLISH from /.test(line)) };
      },
      async stop() {
        await traffic.stop();
        await publisher.endAsync();
        await server.stop();
      },
    };
  },
  // A tap: records are what the publisher sends while it listens, without end.
  fixture: { entity: 'conformance/#', rows: Number.MAX_SAFE_INTEGER, browsePath: [], options: { windowSeconds: 60 } },
  unknownEntity: 'conformance/nothing',
  unreachableCause: /connection refused|ECONNREFUSED/i,
  supports: { ...ALL, unknownEntity: 'any topic filter is a valid subscription: one nobody publishes to lands an empty sample', statementLog: true },
};

export default backend;
