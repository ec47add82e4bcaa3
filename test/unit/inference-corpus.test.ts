import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SchemaInferrer } from '../../src/engine/inference/infer.js';
import { fieldsByPath, project, readNdjson, type Projection } from '../fixtures/inference/helpers.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'inference');

interface Expected {
  records: number;
  keys: { paths: string[]; status: string }[];
  /** When set, `paths` lists some of the paths and this is how many there are in all. */
  pathCount?: number;
  paths: Record<string, Projection>;
}

describe('inference corpus: tricky records and their expected schema', () => {
  const cases = readdirSync(FIXTURES).filter((name) => name.endsWith('.ndjson')).map((name) => name.replace(/\.ndjson$/, ''));
  test('has the corpus the issue asks for', () => {
    for (const name of ['mixed-numbers', 'nulls-first', 'sparse', 'unicode', 'deep-nesting', 'maps', 'empty-containers']) assert.ok(cases.includes(name), name);
  });
  for (const name of cases) {
    test(name, async () => {
      const expected = JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), 'utf8')) as Expected;
      const input = await readNdjson(join(FIXTURES, `${name}.ndjson`));
      assert.deepEqual(input.malformed, []);
      const inferrer = new SchemaInferrer();
      inferrer.observe(input.records, input.provenance);
      const schema = inferrer.result();
      assert.equal(schema.records, expected.records);
      const byPath = fieldsByPath(schema);
      if (expected.pathCount === undefined) assert.deepEqual([...byPath.keys()].sort(), Object.keys(expected.paths).sort());
      else assert.equal(byPath.size, expected.pathCount);
      for (const [path, projection] of Object.entries(expected.paths)) {
        const field = byPath.get(path);
        assert.ok(field, `path ${path} inferred`);
        assert.deepEqual(project(field), projection, `path ${path}`);
      }
      assert.deepEqual(schema.keys.map((k) => ({ paths: k.paths, status: k.status })), expected.keys);
      // The schema is plain JSON: it survives a round trip unchanged.
      assert.deepEqual(JSON.parse(JSON.stringify(schema)), schema);
    });
  }
});
