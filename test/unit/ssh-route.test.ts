// Which endpoints a source's driver connects to through a tunnel, and the source pointed at local
// forwards instead, for every URL shape the TCP kinds take (table-driven, with near misses).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ResolvedSource } from '../../src/engine/drivers/driver.js';
import { manifestFor } from '../../src/engine/drivers/registry.js';
import { endpointsOf, mapEndpoints, mapUrl } from '../../src/engine/drivers/kit/ssh/route.js';

const local = (endpoint: { host: string; port: number }) => ({ host: '127.0.0.1', port: 40000 + (endpoint.port % 1000) });

function source(kind: string, url: string | undefined, options: Record<string, unknown> = {}): ResolvedSource {
  return { name: 's', kind, url, options, secrets: [], baseDir: '/w' };
}

describe('tunnel routes', { timeout: 10_000 }, () => {
  test('URLs: each host of a list is mapped; credentials, paths and queries stay', () => {
    const cases: [string, number, string][] = [
      ['postgres://u:p%40ss@db.internal:5433/shop?sslmode=disable', 5432, 'postgres://u:p%40ss@127.0.0.1:40433/shop?sslmode=disable'],
      ['postgres://db.internal/shop', 5432, 'postgres://127.0.0.1:40432/shop'],
      ['redis://:secret@cache:6380/2', 6379, 'redis://:secret@127.0.0.1:40380/2'],
      ['kafka://b1:9092,b2:9093', 9092, 'kafka://127.0.0.1:40092,127.0.0.1:40093'],
      ['nats://a:4222,nats://tok@b:4223', 4222, 'nats://127.0.0.1:40222,nats://tok@127.0.0.1:40223'],
      ['mysql://u@[fd00::5]:3307/db', 3306, 'mysql://u@127.0.0.1:40307/db'],
    ];
    for (const [url, port, expected] of cases) assert.equal(mapUrl(url, port, local), expected, url);
  });

  test('a scheme\'s own default port applies when the URL names none', () => {
    const spec = manifestFor('rabbitmq')!.tunnel!;
    const routed = mapEndpoints(source('rabbitmq', 'amqps://u:p@mq.internal/vh'), spec, 'amqp:', (e) => e);
    assert.equal(routed.url, 'amqps://u:p@mq.internal:5671/vh');
    assert.equal(mapEndpoints(source('mqtt', 'mqtts://broker'), manifestFor('mqtt')!.tunnel!, 'mqtt:', (e) => e).url, 'mqtts://broker:8883');
  });

  test('host and port fields win over the URL, and keep the URL\'s port when they name none', () => {
    const spec = manifestFor('postgres')!.tunnel!;
    const fields = mapEndpoints(source('postgres', 'postgres://ignored:6000/db', { host: 'db.internal', port: 5433 }), spec, 'postgres:', local);
    assert.deepEqual([fields.url, fields.options.host, fields.options.port], ['postgres://ignored:6000/db', '127.0.0.1', 40433]);
    const urlPort = endpointsOf(source('postgres', 'postgres://ignored:6000/db', { host: 'db.internal' }), spec, 'postgres:');
    assert.deepEqual(urlPort, [{ host: 'db.internal', port: 6000 }]);
  });

  test('no URL: the kind\'s default endpoint, as the SSH server sees localhost', () => {
    assert.deepEqual(endpointsOf(source('redis', undefined), manifestFor('redis')!.tunnel!, 'redis:'), [{ host: 'localhost', port: 6379 }]);
  });

  test('RabbitMQ: the management API is forwarded too, from its own URL or the AMQP host', () => {
    const spec = manifestFor('rabbitmq')!.tunnel!;
    assert.deepEqual(endpointsOf(source('rabbitmq', 'amqp://u@mq:5672/'), spec, 'amqp:'), [{ host: 'mq', port: 5672 }, { host: 'mq', port: 15672 }]);
    const own = mapEndpoints(source('rabbitmq', 'amqp://u@mq:5672/', { managementUrl: 'https://admin.mq:443/api' }), spec, 'amqp:', local);
    assert.equal(own.options.managementUrl, 'https://127.0.0.1:40443/api');
  });

  test('Kafka\'s brokers option is mapped like its URL, and the duplicate endpoints are listed once', () => {
    const spec = manifestFor('kafka')!.tunnel!;
    assert.equal(spec.sockets, true);
    assert.deepEqual(endpointsOf(source('kafka', undefined, { brokers: 'b1:9092, b1:9092,b2' }), spec, 'kafka:'), [{ host: 'b1', port: 9092 }, { host: 'b2', port: 9092 }]);
  });

  test('Cassandra\'s contact points are mapped, the port field filling in those without one; no default URL is made up', () => {
    const spec = manifestFor('cassandra')!.tunnel!;
    const routed = mapEndpoints(source('cassandra', undefined, { contactPoints: ['n1.internal', 'n2.internal:9142'], port: 9043 }), spec, 'cassandra:', local);
    assert.deepEqual([routed.url, routed.options.contactPoints], [undefined, ['127.0.0.1:40043', '127.0.0.1:40142']]);
    assert.deepEqual(endpointsOf(source('cassandra', undefined, { contactPoints: ['n1'] }), spec, 'cassandra:'), [{ host: 'n1', port: 9042 }]);
    assert.equal(mapEndpoints(source('cassandra', 'cassandra://u@n1:9042,n2/ks', {}), spec, 'cassandra:', local).url, 'cassandra://u@127.0.0.1:40042,127.0.0.1:40042/ks');
  });

  test('MongoDB: the connection string\'s host is mapped, credentials and options kept', () => {
    const spec = manifestFor('mongodb')!.tunnel!;
    assert.equal(mapEndpoints(source('mongodb', 'mongodb://u:p@db.internal/shop?authSource=admin', {}), spec, 'mongodb:', local).url, 'mongodb://u:p@127.0.0.1:40017/shop?authSource=admin');
  });

  test('kinds without a TCP connection have no tunnel', () => {
    for (const kind of ['sqlite', 'file', 'logs']) assert.equal(manifestFor(kind)?.tunnel, undefined, kind);
    for (const kind of ['postgres', 'mysql', 'redis', 'rabbitmq', 'nats', 'mqtt', 'kafka', 'mongodb', 'cassandra']) assert.ok(manifestFor(kind)?.tunnel, kind);
  });
});
