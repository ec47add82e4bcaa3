// The Add Source form's decisions over the kinds the engine describes (the real manifests): which
// fields it asks, where each answer goes in the entry, and that what it writes is a valid entry.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kindInfo, manifestFor } from '../../src/engine/drivers/registry.js';
import { parseSources } from '../../src/engine/sources/config.js';
import { fieldsToAsk, placeAnswer, secretNameFor } from '../../src/extension/sourceForm.js';
import type { SourceDefinition } from '../../src/shared/protocol.js';

const info = (kind: string) => kindInfo(manifestFor(kind)!);

describe('Add Source form', { timeout: 30_000 }, () => {
  const cases: { kind: string; chosen?: string; optional: string[]; asked: string[] }[] = [
    // Of a "one of" group only the chosen member, and it becomes required.
    { kind: 'postgres', chosen: 'host', optional: ['port', 'user', 'password'], asked: ['host!', 'port', 'user', 'password'] },
    { kind: 'postgres', chosen: 'url', optional: [], asked: ['url!'] },
    { kind: 'sqlite', chosen: 'path', optional: [], asked: ['path!'] },
    // Required fields are always asked; optional ones only when picked, options included.
    { kind: 'rest', optional: [], asked: ['url!'] },
    { kind: 's3', optional: ['options.secretAccessKey'], asked: ['options.secretAccessKey'] },
    { kind: 'logs', optional: [], asked: ['path!'] },
  ];
  for (const { kind, chosen, optional, asked } of cases) {
    test(`${kind}${chosen ? ` by ${chosen}` : ''} asks ${asked.join(', ')}`, async () => {
      const fields = fieldsToAsk(await info(kind), chosen, optional);
      assert.deepEqual(fields.map((f) => `${f.name}${f.required ? '!' : ''}`), asked);
    });
  }

  test('secret fields are marked, and named in the secret store after the source and the field', async () => {
    const postgres = await info('postgres');
    assert.equal(postgres.fields.find((f) => f.name === 'password')?.secret, true);
    assert.equal(postgres.fields.find((f) => f.name === 'user')?.secret, false);
    assert.equal(secretNameFor('shop'), 'SHOP_PASSWORD');
    assert.equal(secretNameFor('my-lake', 'options.secretAccessKey'), 'MY_LAKE_SECRET_ACCESS_KEY');
  });

  test('answers land at the top or under options, and the entry is one sources.yaml accepts', async () => {
    const s3 = await info('s3');
    const definition: SourceDefinition = { name: 'lake', kind: 's3' };
    placeAnswer(definition, s3.fields.find((f) => f.name === 'url')!, 's3://bucket/prefix');
    placeAnswer(definition, s3.fields.find((f) => f.name === 'options.endpoint')!, 'http://127.0.0.1:9000');
    placeAnswer(definition, s3.fields.find((f) => f.name === 'options.secretAccessKey')!, '${secret:LAKE_SECRET_ACCESS_KEY}');
    assert.deepEqual(definition, { name: 'lake', kind: 's3', url: 's3://bucket/prefix', options: { endpoint: 'http://127.0.0.1:9000', secretAccessKey: '${secret:LAKE_SECRET_ACCESS_KEY}' } });
    assert.deepEqual(parseSources(`sources:\n  - ${JSON.stringify(definition)}\n`, 'x').problems, []);
  });
});
