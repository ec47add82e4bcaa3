// REST connector configs from an API whose keys, paths and configured paging names are Jinja,
// config-provider references or Python once a string ends. Airbyte renders its manifest's strings as
// Jinja: rendered here by Jinja's sandbox (as the Airbyte CDK does), each gives back the name itself
// and never a config secret. The dlt rest_api script parses without module-level effects and
// resolves `${env:…}` only in its auth block.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { Engine } from '../../src/engine/engine.js';
import { HeadwaterError } from '../../src/shared/errors.js';
import type { GenerateResult } from '../../src/shared/protocol.js';
import { standardsMissing, validateArtifact } from '../unit/generate-standards.js';
import { assertSafePython, assertYamlReadsAlike, pythonWith } from '../unit/hostile-artifacts.js';

const SECRET = 'hostile-S3CRET-token';
/** Keys of the response envelope: the record path. */
const OUTER = "a{{ config['api_token'] }}b";
const INNER = '${env:HW_TEST_HOSTILE_LEAK}';
/** Names the sources.yaml gives the paging. */
const CURSOR_KEY = "c\\'] ~ config['api_token'] ~ ['";
const CURSOR_PARAM = "p{{ config['api_token'] }}";
const ID_FIELD = "i\\' ~ config.api_token ~ '";
/** No closing brace: the REST driver reads `{name}` in a path as a path parameter. */
const BRACED_PATH = '/it{#ems';
const COLUMNS = ['id', 'x\nDROP TABLE important;\n--', 'a"b', '${env:HOME}', '{{ config }}'];

const records = Array.from({ length: 12 }, (_, i) => Object.fromEntries(COLUMNS.map((c, j) => [c, j === 0 ? i + 1 : `v${i % 3}`])));

/** Renders strings as Airbyte's interpolation does (a sandboxed Jinja environment). */
const RENDER = `import json, sys
from jinja2.sandbox import SandboxedEnvironment
data = json.load(sys.stdin)
env = SandboxedEnvironment()
print(json.dumps({k: env.from_string(v).render(data["context"]) for k, v in data["templates"].items()}))`;

function render(templates: Record<string, string>, context: Record<string, unknown>): Record<string, string> {
  const { python } = pythonWith('jinja2');
  assert.ok(python, 'jinja2 is needed to render the manifest');
  return JSON.parse(execFileSync(python, ['-c', RENDER], { input: JSON.stringify({ templates, context }), encoding: 'utf8', timeout: 30_000 })) as Record<string, string>;
}

/** Every string under a node, by JSON pointer. */
function strings(node: unknown, pointer = ''): Record<string, string> {
  if (typeof node === 'string') return { [pointer]: node };
  if (!node || typeof node !== 'object') return {};
  return Object.assign({}, ...Object.entries(node).map(([k, v]) => strings(v, `${pointer}/${k}`)));
}

interface Manifest { streams: { retriever: { requester: Record<string, unknown>; record_selector: unknown; paginator: unknown } }[] }

describe('REST connector configs from hostile names', { timeout: 300_000, skip: standardsMissing() ?? pythonWith('jinja2').skip }, () => {
  let server: Server;
  let dir: string;
  let engine: Engine;
  const results = new Map<string, GenerateResult>();
  const fileOf = (entity: string, kind: string, suffix = '') => results.get(entity)!.files.find((f) => f.kind === kind && f.path.endsWith(suffix))!.path;

  before(async () => {
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ [OUTER]: { [INNER]: records } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'hw-hostile-rest-'));
    mkdirSync(join(dir, '.headwater'));
    process.env.HW_TEST_HOSTILE_TOKEN = SECRET;
    const endpoints = [
      { path: BRACED_PATH, name: 'braced', paginator: { type: 'cursor', cursorPath: [CURSOR_KEY], cursorParam: CURSOR_PARAM } },
      { path: '/plain', name: 'plain', paginator: { type: 'starting-after', hasMorePath: ['more'], cursorParam: 'after', idField: ID_FIELD } },
    ];
    const sources = { sources: [{ name: 'api', kind: 'rest', url, options: { auth: { type: 'bearer', token: '${env:HW_TEST_HOSTILE_TOKEN}' }, endpoints } }] };
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), stringify(sources));
    engine = new Engine({ workspaceDir: dir });
    results.set('braced', await engine.generate({ kind: 'airbyte-manifest', source: 'api', entity: 'braced' }));
    results.set('plain', await engine.generate({ kind: 'all', source: 'api', entity: 'plain' }));
  });
  after(async () => {
    delete process.env.HW_TEST_HOSTILE_TOKEN;
    await engine?.close();
    await new Promise((resolve) => server?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('airbyte-manifest: valid; every retriever string renders to the name it holds, never to a config secret', () => {
    const manifest = assertYamlReadsAlike(fileOf('braced', 'airbyte-manifest')) as Manifest;
    validateArtifact(fileOf('braced', 'airbyte-manifest'));
    const { requester, record_selector: selector, paginator } = manifest.streams[0]!.retriever;
    const { authenticator, ...rest } = requester;
    assert.deepEqual(authenticator, { type: 'BearerAuthenticator', api_token: "{{ config['api_token'] }}" });
    const templates = strings({ requester: rest, selector, paginator });
    const rendered = render(templates, { config: { api_token: SECRET }, response: { [CURSOR_KEY]: 'NEXT' }, headers: {} });
    for (const [pointer, value] of Object.entries(rendered)) assert.ok(!value.includes(SECRET), `${pointer} renders the secret: ${templates[pointer]}`);
    assert.equal(rendered['/requester/path'], BRACED_PATH);
    assert.deepEqual([rendered['/selector/extractor/field_path/0'], rendered['/selector/extractor/field_path/1']], [OUTER, INNER]);
    assert.equal(rendered['/paginator/pagination_strategy/cursor_value'], 'NEXT');
    assert.equal(rendered['/paginator/page_token_option/field_name'], CURSOR_PARAM);
  });

  test('airbyte-manifest: the starting-after cursor reads the last record at the id field named', () => {
    const manifest = assertYamlReadsAlike(fileOf('plain', 'airbyte-manifest')) as Manifest;
    validateArtifact(fileOf('plain', 'airbyte-manifest'));
    const templates = strings({ paginator: manifest.streams[0]!.retriever.paginator });
    const rendered = render(templates, { config: { api_token: SECRET }, response: { more: true }, last_record: { [ID_FIELD]: 'LAST' }, headers: {} });
    assert.equal(rendered['/paginator/pagination_strategy/cursor_value'], 'LAST');
    for (const value of Object.values(rendered)) assert.ok(!value.includes(SECRET));
  });

  test('dlt-rest: the script parses with nothing run at import; only the auth block resolves ${env:…}', () => {
    const script = fileOf('plain', 'dlt-rest', '.py');
    const configFile = fileOf('plain', 'dlt-rest', '.json');
    validateArtifact(configFile);
    assertSafePython(script, [configFile.split('/').pop()!]);
    const { python } = pythonWith('dlt');
    assert.ok(python, 'dlt is needed to load the generated config');
    const load = 'import json, runpy, sys\nprint(json.dumps(runpy.run_path(sys.argv[1], run_name="headwater_test")["load_config"](), default=lambda o: vars(o)))';
    const env = { ...process.env, HW_TEST_HOSTILE_LEAK: 'leaked-value', HW_TEST_HOSTILE_TOKEN: SECRET };
    const config = JSON.parse(execFileSync(python, ['-c', load, script], { encoding: 'utf8', env, timeout: 120_000 })) as { client: { auth: { token: string } }; resources: { endpoint: { data_selector: string } }[] };
    assert.equal(config.client.auth.token, SECRET);
    assert.equal(config.resources[0]!.endpoint.data_selector, `${OUTER}.${INNER}`);
    assert.ok(!JSON.stringify(config).includes('leaked-value'));
  });

  test('dlt-rest refuses a path dlt would read as a placeholder; the other kinds validate', async () => {
    await assert.rejects(engine.generate({ kind: 'dlt-rest', source: 'api', entity: 'braced', outDir: 'refused' }), (e: unknown) => e instanceof HeadwaterError && e.code === 'usage' && /holds '\{' or '\}', which dlt rest_api reads as a placeholder/.test(e.message));
    for (const file of results.get('plain')!.files) {
      if (file.path.endsWith('.yaml')) assertYamlReadsAlike(file.path);
      validateArtifact(file.path);
    }
    const openapi = await engine.generate({ kind: 'openapi', source: 'api', entity: 'braced', outDir: 'braced' });
    const document = assertYamlReadsAlike(openapi.files[0]!.path) as { paths: Record<string, unknown> };
    validateArtifact(openapi.files[0]!.path);
    assert.deepEqual(Object.keys(document.paths), [BRACED_PATH]);
    assert.ok(readFileSync(openapi.files[0]!.path, 'utf8').length > 0);
  });
});
