// Generated artifacts for REST samples of the fixture API (test/fixtures/rest): every one validates
// against its standard (Airbyte declarative schema, dlt rest_api summary, OpenAPI 3.1, ODCS, ...), none
// holds a fixture secret, each pages the way the sample learned, and the generated dlt rest_api
// pipeline loads the same records Headwater sampled into DuckDB.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { Engine } from '../../src/engine/engine.js';
import type { GenerateResult } from '../../src/shared/protocol.js';
import { FIXTURE_SECRETS, ITEMS, startRestFixture, type RestFixture } from '../fixtures/rest/server.js';
import { repoRoot } from '../services/paths.js';
import { isCi } from '../services/prerequisites.js';
import { assertProvenance, standardsMissing, validateArtifact } from '../unit/generate-standards.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const run = promisify(execFile);
const venvBin = join(repoRoot, '.venv-tools', 'bin');
const python = join(venvBin, 'python');
/** Outside CI a missing venv skips the dlt runs; under CI it fails them. */
const dltSkip = isCi || existsSync(python) ? false : `${python} is missing: run scripts/install-python-tools.sh`;

/** Endpoint → the source that serves it, and the dlt table its records land in. */
const ENDPOINTS = [
  { source: 'api', entity: '/link', table: 'link', paginator: 'link-header' },
  { source: 'api', entity: '/next-url', table: 'next_url', paginator: 'next-url' },
  { source: 'api', entity: '/cursor', table: 'cursor', paginator: 'cursor' },
  { source: 'api', entity: '/stripe', table: 'stripe', paginator: 'starting-after' },
  { source: 'api', entity: '/offset-total', table: 'offset_total', paginator: 'offset' },
  { source: 'api', entity: '/offset', table: 'offset', paginator: 'offset' },
  { source: 'api', entity: '/pages', table: 'pages', paginator: 'page-number' },
  { source: 'api', entity: 'single', table: 'single', paginator: 'single-page' },
  { source: 'secure', entity: '/secure', table: 'secure', paginator: 'single-page' },
  { source: 'keyed', entity: '/apikey', table: 'apikey', paginator: 'page-number' },
  // Its tokens last two requests, shorter than any client caches them: generated and checked, not run.
  { source: 'oauth', entity: '/oauth-data', table: 'oauth_data', paginator: 'cursor', run: false },
] as const;
const SECRETS = [FIXTURE_SECRETS.bearer, FIXTURE_SECRETS.apiKey, FIXTURE_SECRETS.clientSecret];

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name)) : [join(dir, name)]));
}

describe('generate for REST samples', { skip: standardsMissing() ?? false }, () => {
  let server: RestFixture;
  let dir: string;
  let engine: Engine;
  let workspace: TestWorkspace | undefined;
  const results = new Map<string, GenerateResult>();
  const fileOf = (entity: string, kind: string) => results.get(entity)!.files.find((f) => f.kind === kind)!.path;

  before(async () => {
    server = await startRestFixture();
    process.env.HW_TEST_GEN_BEARER = FIXTURE_SECRETS.bearer;
    process.env.HW_TEST_GEN_APIKEY = FIXTURE_SECRETS.apiKey;
    process.env.HW_TEST_GEN_CLIENT_SECRET = FIXTURE_SECRETS.clientSecret;
    workspace = createTestWorkspace('hw-generate-rest-', `sources:
  - name: api
    kind: rest
    url: ${server.url}
    options:
      endpoints:
        - /link
        - /next-url
        - /cursor
        - /stripe
        - /offset-total
        - /offset
        - /pages
        - { path: /single, name: single, recordPath: result.rows }
  - name: secure
    kind: rest
    url: ${server.url}
    options:
      auth:
        type: bearer
        token: \${env:HW_TEST_GEN_BEARER}
  - name: keyed
    kind: rest
    url: ${server.url}
    options:
      auth:
        type: apiKey
        in: query
        name: api_key
        value: \${env:HW_TEST_GEN_APIKEY}
  - name: oauth
    kind: rest
    url: ${server.url}
    options:
      auth:
        type: oauth2
        tokenUrl: ${server.url}/oauth/token
        clientId: ${FIXTURE_SECRETS.clientId}
        clientSecret: \${env:HW_TEST_GEN_CLIENT_SECRET}
`);
    ({ dir, engine } = workspace);
    for (const { source, entity } of ENDPOINTS) {
      await engine.sample(source, entity, {});
      results.set(entity, await engine.generate({ kind: 'all', source, entity }));
    }
  });
  after(async () => {
    delete process.env.HW_TEST_GEN_BEARER;
    delete process.env.HW_TEST_GEN_APIKEY;
    delete process.env.HW_TEST_GEN_CLIENT_SECRET;
    await workspace?.close();
    await server?.close();
  });

  test('every artifact validates against its standard and names its sample', () => {
    const checked = new Set<string>();
    for (const result of results.values()) {
      assert.ok(result.files.some((f) => f.kind === 'airbyte-manifest') && result.files.some((f) => f.kind === 'dlt-rest'), 'the REST kinds apply to REST samples');
      assert.ok(!result.files.some((f) => f.kind === 'debezium' || f.kind === 'jdbc' || f.kind === 'dlt'), 'relational kinds do not');
      for (const file of result.files) {
        checked.add(validateArtifact(file.path));
        assertProvenance(file.path, result.sample);
      }
    }
    for (const standard of ['Airbyte declarative component schema', 'dlt rest_api config', 'OpenAPI 3.1', 'ODCS v3.1.0', 'JSON Schema 2020-12']) assert.ok(checked.has(standard), `nothing was checked against ${standard}`);
  });

  test('no generated file holds a fixture secret; auth reads the variables the sources reference', () => {
    const files = ['contracts', 'connectors', 'schemas'].flatMap((folder) => filesUnder(join(dir, folder)));
    assert.ok(files.length >= ENDPOINTS.length * 8, `${files.length} files`);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const secret of SECRETS) assert.ok(!text.includes(secret), `${file} contains a fixture secret`);
    }
    const secure = JSON.parse(readFileSync(fileOf('/secure', 'dlt-rest'), 'utf8'));
    assert.deepEqual(secure.client.auth, { type: 'bearer', token: '${env:HW_TEST_GEN_BEARER}' });
    const keyed = JSON.parse(readFileSync(fileOf('/apikey', 'dlt-rest'), 'utf8'));
    assert.deepEqual(keyed.client.auth, { type: 'api_key', name: 'api_key', api_key: '${env:HW_TEST_GEN_APIKEY}', location: 'query' });
    assert.equal(keyed.resources[0].endpoint.params, undefined, 'the key is not a fixed query parameter');
    const manifest = parseYaml(readFileSync(fileOf('/secure', 'airbyte-manifest'), 'utf8'));
    assert.deepEqual(manifest.streams[0].retriever.requester.authenticator, { type: 'BearerAuthenticator', api_token: "{{ config['api_token'] }}" });
    assert.equal(manifest.spec.connection_specification.properties.api_token.airbyte_secret, true);
    const oauth = JSON.parse(readFileSync(fileOf('/oauth-data', 'dlt-rest'), 'utf8'));
    assert.deepEqual(oauth.client.auth, { type: 'oauth2_client_credentials', access_token_url: `${server.url}/oauth/token`, client_id: '${env:OAUTH_CLIENT_ID}', client_secret: '${env:HW_TEST_GEN_CLIENT_SECRET}' });
    const oauthManifest = parseYaml(readFileSync(fileOf('/oauth-data', 'airbyte-manifest'), 'utf8'));
    assert.equal(oauthManifest.streams[0].retriever.requester.authenticator.grant_type, 'client_credentials');
    const keyedManifest = parseYaml(readFileSync(fileOf('/apikey', 'airbyte-manifest'), 'utf8'));
    assert.deepEqual(keyedManifest.streams[0].retriever.requester.authenticator.inject_into, { type: 'RequestOption', inject_into: 'request_parameter', field_name: 'api_key' });
  });

  test('the manifest and the dlt config page the way the sample learned', () => {
    const airbyteOf = (entity: string) => parseYaml(readFileSync(fileOf(entity, 'airbyte-manifest'), 'utf8')).streams[0].retriever;
    const dltOf = (entity: string) => JSON.parse(readFileSync(fileOf(entity, 'dlt-rest'), 'utf8')).resources[0].endpoint;
    assert.deepEqual(airbyteOf('/link').paginator.page_token_option, { type: 'RequestPath' });
    assert.deepEqual(dltOf('/link').paginator, { type: 'header_link' });
    assert.equal(airbyteOf('/next-url').paginator.pagination_strategy.cursor_value, "{{ response['links']['next'] }}");
    assert.deepEqual(dltOf('/next-url').paginator, { type: 'json_link', next_url_path: 'links.next' });
    assert.deepEqual(airbyteOf('/cursor').record_selector.extractor.field_path, ['data']);
    assert.equal(airbyteOf('/cursor').paginator.page_token_option.field_name, 'cursor');
    assert.deepEqual(dltOf('/cursor').paginator, { type: 'cursor', cursor_path: 'meta.next_cursor', cursor_param: 'cursor' });
    assert.equal(airbyteOf('/stripe').paginator.pagination_strategy.cursor_value, "{{ last_record['id'] }}");
    assert.deepEqual(airbyteOf('/offset-total').paginator.pagination_strategy, { type: 'OffsetIncrement', page_size: 5 });
    assert.equal(dltOf('/offset-total').paginator.total_path, 'total');
    assert.equal(dltOf('/offset').paginator.total_path, null);
    assert.equal(airbyteOf('/pages').paginator.pagination_strategy.type, 'PageIncrement');
    assert.equal(dltOf('/pages').paginator.total_path, 'total_pages');
    assert.deepEqual(airbyteOf('single').paginator, { type: 'NoPagination' });
    assert.equal(dltOf('single').data_selector, 'result.rows');
    assert.equal(dltOf('single').paginator, 'single_page');
  });

  test('OpenAPI takes the path, server, envelope and auth from the sample', () => {
    const document = parseYaml(readFileSync(fileOf('/cursor', 'openapi'), 'utf8'));
    assert.deepEqual(Object.keys(document.paths), ['/cursor']);
    assert.equal(document.servers[0].url, server.url);
    assert.deepEqual(Object.keys(document.paths['/cursor'].get.responses['200'].content['application/json'].schema.properties), ['data']);
    const secure = parseYaml(readFileSync(fileOf('/secure', 'openapi'), 'utf8'));
    assert.deepEqual(secure.components.securitySchemes, { bearerAuth: { type: 'http', scheme: 'bearer' } });
  });

  test('the generated dlt rest_api pipelines load the records Headwater sampled into DuckDB', { skip: dltSkip }, async () => {
    assert.ok(existsSync(python), `${python} is missing: run scripts/install-python-tools.sh`);
    const canonical = 'SELECT id::VARCHAR, name, price::VARCHAR FROM %s ORDER BY id';
    for (const endpoint of ENDPOINTS) {
      if ('run' in endpoint) continue;
      const { source, entity, table } = endpoint;
      const result = results.get(entity)!;
      const target = join(dir, `dlt-${table}.duckdb`);
      try {
        await run(python, [fileOf(entity, 'dlt-rest').replace(/\.dlt-rest-api\.json$/, '_rest_pipeline.py')], {
          cwd: dir,
          timeout: 300_000,
          env: { ...process.env, HEADWATER_DLT_DUCKDB: target, HEADWATER_DLT_PIPELINES_DIR: join(dir, '.dlt-pipelines'), RUNTIME__LOG_LEVEL: 'WARNING' },
        });
      } catch (error) {
        const { stdout, stderr } = error as { stdout?: string; stderr?: string };
        assert.fail(`the dlt pipeline for ${source} ${entity} failed:\n${stdout ?? ''}\n${SECRETS.reduce((text, secret) => text.split(secret).join('***'), stderr ?? '')}`);
      }
      const info = await engine.sampleInfo(result.sample);
      const sampled = (await engine.query(canonical.replace('%s', info.table), 1000)).rows;
      // dlt's DuckDB may write a newer storage version than Node's DuckDB reads: read it with the venv's.
      const { stdout } = await run(python, ['-c', 'import duckdb, json, sys\nprint(json.dumps(duckdb.connect(sys.argv[1], read_only=True).sql(sys.argv[2]).fetchall()))', target, canonical.replace('%s', `${source}_raw.${table}`)]);
      const loaded = JSON.parse(stdout) as unknown[][];
      assert.ok(sampled.length > 0, `${entity}: the sample is empty`);
      assert.deepEqual(loaded, sampled, `${source} ${entity}: dlt loaded other records than Headwater sampled`);
      if (source === 'api' && entity !== 'single') assert.equal(loaded.length, ITEMS.length, `${entity}: every page`);
    }
  });
});
