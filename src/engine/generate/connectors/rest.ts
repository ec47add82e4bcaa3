// REST connector configs from what a sample learned about an endpoint (SampleInfo.schema.rest): an
// Airbyte low-code declarative manifest, and a dlt rest_api config with a pipeline script that runs
// it. Both page the way the sample did (paginator, record path) and read secrets from the engine's
// config (Airbyte `{{ config['…'] }}`) or the environment (dlt `${env:…}`), never from the file.
import { HeadwaterError } from '../../../shared/errors.js';
import { restPathText, type RestEndpointProfile, type RestPaginator } from '../../../shared/rest.js';
import { envNameOf, envRef } from '../connection.js';
import { commentLines, commentText, jinjaLiteral, jinjaString, pyString, quoted } from '../escape.js';
import type { GenerationEvidence } from '../evidence.js';
import { safeName, tableName } from '../evidence.js';
import { jsonSchema } from '../schemas/schemas.js';
import { dltMain } from './dlt-main.js';

type Json = Record<string, unknown>;

/** The endpoint profile the sample recorded; REST kinds need one. */
export function restProfile(evidence: GenerationEvidence): RestEndpointProfile {
  const rest = evidence.sample.schema.rest;
  if (!rest) {
    const { sample } = evidence;
    throw new HeadwaterError('usage', `Sample ${sample.id} of '${sample.source}/${sample.entity}' (${sample.sourceKind}) has no REST endpoint profile: REST connector configs need a sample of a REST endpoint.`, { source: sample.source, entity: sample.entity, hint: 'Sample the endpoint again with this version, then generate.' });
  }
  return rest;
}

/** One secret the connector needs: its config key (Airbyte spec, dlt auth field) and the variable that holds it. */
interface SecretSlot {
  key: string;
  env: string;
  title: string;
}

function authSetting(evidence: GenerationEvidence, name: string): string | undefined {
  const definition = evidence.definition;
  const auth = (definition?.options?.auth ?? definition?.auth) as Record<string, unknown> | undefined;
  const value = auth?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** The variable a secret is read from: the one the source entry references, else <SOURCE>_<KEY>. */
function slot(evidence: GenerationEvidence, setting: string, key: string, title: string): SecretSlot {
  const env = envNameOf(authSetting(evidence, setting)) ?? `${evidence.sample.source.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${key.toUpperCase()}`;
  return { key, env, title };
}

function secretSlots(evidence: GenerationEvidence, rest: RestEndpointProfile): SecretSlot[] {
  switch (rest.auth.scheme) {
    case 'bearer': return [slot(evidence, 'token', 'api_token', 'Bearer token')];
    case 'api-key': return [slot(evidence, 'value', 'api_key', `API key (${rest.auth.in ?? 'header'} ${rest.auth.name ?? ''})`.replace(' )', ')'))];
    case 'basic': return [slot(evidence, 'username', 'username', 'User name'), slot(evidence, 'password', 'password', 'Password')];
    case 'oauth2-client-credentials': return [slot(evidence, 'clientId', 'client_id', 'OAuth2 client id'), slot(evidence, 'clientSecret', 'client_secret', 'OAuth2 client secret')];
    default: return [];
  }
}

/** Fixed query parameters, without the API key when it travels in the query. */
function fixedParams(rest: RestEndpointProfile): Record<string, string> {
  const keyParam = rest.auth.scheme === 'api-key' && rest.auth.in === 'query' ? rest.auth.name : undefined;
  return Object.fromEntries(Object.entries(rest.params).filter(([k, v]) => k !== keyParam && v !== '***'));
}

/** Records' schema as draft-07 (what Airbyte's InlineSchemaLoader and catalogs use). */
function recordSchema(evidence: GenerationEvidence): Json {
  const schema = jsonSchema(evidence);
  return { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', additionalProperties: true, properties: schema.properties };
}

const streamName = (evidence: GenerationEvidence, rest: RestEndpointProfile) => safeName(tableName(rest.path.split('?')[0]!.replace(/\/+$/, '')) || evidence.sample.entity).toLowerCase();

/** Jinja access to a body path: `response['meta']['next_cursor']`, each key a Jinja string literal. */
const jinjaPath = (root: string, path: readonly string[]) => `${root}${path.map((k) => `[${jinjaString(k)}]`).join('')}`;
const requestParameter = (field: string) => ({ type: 'RequestOption', inject_into: 'request_parameter', field_name: jinjaLiteral(field) });

function airbytePaginator(paginator: RestPaginator): Json {
  switch (paginator.type) {
    case 'single-page':
      return { type: 'NoPagination' };
    case 'link-header':
      return {
        type: 'DefaultPaginator',
        pagination_strategy: { type: 'CursorPagination', cursor_value: "{{ headers['link']['next']['url'] }}", stop_condition: "{{ 'next' not in headers['link'] }}" },
        page_token_option: { type: 'RequestPath' },
      };
    case 'next-url': {
      const next = jinjaPath('response', paginator.nextUrlPath);
      return {
        type: 'DefaultPaginator',
        pagination_strategy: { type: 'CursorPagination', cursor_value: `{{ ${next} }}`, stop_condition: `{{ not ${next} }}` },
        page_token_option: { type: 'RequestPath' },
      };
    }
    case 'cursor': {
      const cursor = jinjaPath('response', paginator.cursorPath);
      const stop = paginator.hasMorePath ? `{{ not ${cursor} or not ${jinjaPath('response', paginator.hasMorePath)} }}` : `{{ not ${cursor} }}`;
      return {
        type: 'DefaultPaginator',
        pagination_strategy: { type: 'CursorPagination', cursor_value: `{{ ${cursor} }}`, stop_condition: stop },
        page_token_option: requestParameter(paginator.cursorParam),
      };
    }
    case 'starting-after':
      return {
        type: 'DefaultPaginator',
        pagination_strategy: { type: 'CursorPagination', cursor_value: `{{ ${jinjaPath('last_record', [paginator.idField])} }}`, stop_condition: `{{ not ${jinjaPath('response', paginator.hasMorePath)} }}` },
        page_token_option: requestParameter(paginator.cursorParam),
      };
    case 'offset':
      return {
        type: 'DefaultPaginator',
        pagination_strategy: { type: 'OffsetIncrement', page_size: paginator.pageSize },
        page_token_option: requestParameter(paginator.offsetParam),
        page_size_option: requestParameter(paginator.limitParam),
      };
    case 'page-number':
      return {
        type: 'DefaultPaginator',
        pagination_strategy: { type: 'PageIncrement', start_from_page: paginator.startPage, ...(paginator.pageSize ? { page_size: paginator.pageSize } : {}) },
        page_token_option: requestParameter(paginator.pageParam),
        ...(paginator.sizeParam && paginator.pageSize ? { page_size_option: requestParameter(paginator.sizeParam) } : {}),
      };
  }
}

function airbyteAuthenticator(rest: RestEndpointProfile, secrets: SecretSlot[]): Json | undefined {
  const ref = (key: string) => `{{ config['${key}'] }}`;
  const auth = rest.auth;
  switch (auth.scheme) {
    case 'bearer': return { type: 'BearerAuthenticator', api_token: ref(secrets[0]!.key) };
    case 'api-key': return { type: 'ApiKeyAuthenticator', api_token: ref(secrets[0]!.key), inject_into: auth.in === 'query' ? requestParameter(auth.name ?? 'api_key') : { type: 'RequestOption', inject_into: 'header', field_name: jinjaLiteral(auth.name ?? 'X-API-Key') } };
    case 'basic': return { type: 'BasicHttpAuthenticator', username: ref('username'), password: ref('password') };
    case 'oauth2-client-credentials':
      return { type: 'OAuthAuthenticator', token_refresh_endpoint: auth.tokenUrl === undefined ? undefined : jinjaLiteral(auth.tokenUrl), client_id: ref('client_id'), client_secret: ref('client_secret'), grant_type: 'client_credentials', ...(auth.scopes?.length ? { scopes: auth.scopes } : {}) };
    default: return undefined;
  }
}

export function airbyteManifest(evidence: GenerationEvidence): Json {
  const rest = restProfile(evidence);
  const secrets = secretSlots(evidence, rest);
  const name = streamName(evidence, rest);
  const authenticator = airbyteAuthenticator(rest, secrets);
  const params = fixedParams(rest);
  return {
    version: '7.28.2',
    type: 'DeclarativeSource',
    description: `${evidence.provenance} Paginator ${rest.paginator.type}${rest.paginatorGiven ? ' (configured)' : ' (detected)'}, records at ${restPathText(rest.recordPath)}.`,
    check: { type: 'CheckStream', stream_names: [name] },
    streams: [{
      type: 'DeclarativeStream',
      name,
      ...(evidence.key.length ? { primary_key: evidence.key } : {}),
      retriever: {
        type: 'SimpleRetriever',
        requester: {
          type: 'HttpRequester',
          // Airbyte renders these as Jinja templates: a name holding `{{` stays text.
          url_base: jinjaLiteral(rest.baseUrl),
          path: jinjaLiteral(rest.path),
          http_method: rest.method,
          ...(authenticator ? { authenticator } : {}),
          ...(Object.keys(params).length ? { request_parameters: Object.fromEntries(Object.entries(params).map(([k, v]) => [jinjaLiteral(k), jinjaLiteral(v)])) } : {}),
        },
        record_selector: { type: 'RecordSelector', extractor: { type: 'DpathExtractor', field_path: rest.recordPath.map(jinjaLiteral) } },
        paginator: airbytePaginator(rest.paginator),
      },
      schema_loader: { type: 'InlineSchemaLoader', schema: recordSchema(evidence) },
    }],
    spec: {
      type: 'Spec',
      connection_specification: {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        required: secrets.map((s) => s.key),
        additionalProperties: true,
        properties: Object.fromEntries(secrets.map((s) => [s.key, { type: 'string', title: s.title, airbyte_secret: true, description: `Headwater's source reads it from $${s.env}.` }])),
      },
    },
  };
}

/** dlt JSONPath of a body path (`meta.next_cursor`). */
const dltPath = (path: readonly string[]) => (path.length ? path.join('.') : '$');

function dltPaginator(paginator: RestPaginator): Json | string {
  switch (paginator.type) {
    case 'single-page': return 'single_page';
    case 'link-header': return { type: 'header_link' };
    case 'next-url': return { type: 'json_link', next_url_path: dltPath(paginator.nextUrlPath) };
    case 'cursor': return { type: 'cursor', cursor_path: dltPath(paginator.cursorPath), cursor_param: paginator.cursorParam, ...(paginator.hasMorePath ? { has_more_path: dltPath(paginator.hasMorePath) } : {}) };
    // dlt has no "after the last record's id" paginator: the script supplies one (StartingAfterPaginator).
    case 'starting-after': return { type: 'starting_after', has_more_path: dltPath(paginator.hasMorePath), cursor_param: paginator.cursorParam, id_field: paginator.idField };
    case 'offset': return { type: 'offset', limit: paginator.pageSize, offset_param: paginator.offsetParam, limit_param: paginator.limitParam, total_path: paginator.totalPath ? dltPath(paginator.totalPath) : null, stop_after_empty_page: true };
    case 'page-number': return { type: 'page_number', base_page: paginator.startPage, page_param: paginator.pageParam, total_path: paginator.totalPagesPath ? dltPath(paginator.totalPagesPath) : null, stop_after_empty_page: true };
  }
}

function dltAuth(rest: RestEndpointProfile, secrets: SecretSlot[]): Json | undefined {
  const auth = rest.auth;
  const env = (i: number) => envRef(secrets[i]!.env);
  switch (auth.scheme) {
    case 'bearer': return { type: 'bearer', token: env(0) };
    case 'api-key': return { type: 'api_key', name: auth.name ?? 'X-API-Key', api_key: env(0), location: auth.in === 'query' ? 'query' : 'header' };
    case 'basic': return { type: 'http_basic', username: env(0), password: env(1) };
    case 'oauth2-client-credentials': return { type: 'oauth2_client_credentials', access_token_url: auth.tokenUrl, client_id: env(0), client_secret: env(1), ...(auth.scopes?.length ? { access_token_request_data: { scope: auth.scopes.join(' ') } } : {}) };
    default: return undefined;
  }
}

/** A dlt RESTAPIConfig (as JSON: secrets as `${env:VAR}`, which the generated script resolves). */
export function dltRestConfig(evidence: GenerationEvidence): Json {
  const rest = restProfile(evidence);
  const secrets = secretSlots(evidence, rest);
  const auth = dltAuth(rest, secrets);
  const params: Record<string, string | number> = fixedParams(rest);
  // dlt's page_number paginator sends only the page: the page size is a fixed parameter.
  if (rest.paginator.type === 'page-number' && rest.paginator.sizeParam && rest.paginator.pageSize) params[rest.paginator.sizeParam] = rest.paginator.pageSize;
  for (const text of [rest.path, ...Object.entries(params).flat()]) noPlaceholder(evidence, text);
  return {
    'x-headwater': { generatedFrom: evidence.provenance, paginator: rest.paginator.type, recordPath: restPathText(rest.recordPath) },
    client: { base_url: rest.baseUrl.replace(/\/?$/, '/'), ...(auth ? { auth } : {}) },
    resources: [{
      name: streamName(evidence, rest),
      ...(evidence.key.length ? { primary_key: evidence.key, write_disposition: 'merge' } : { write_disposition: 'replace' }),
      endpoint: {
        path: rest.path.replace(/^\//, ''),
        method: rest.method,
        ...(Object.keys(params).length ? { params } : {}),
        data_selector: dltPath(rest.recordPath),
        paginator: dltPaginator(rest.paginator),
      },
    }],
  };
}

/** dlt rest_api formats `{…}` in paths and parameters as placeholders (str.format): a brace is refused. */
function noPlaceholder(evidence: GenerationEvidence, text: string | number): void {
  if (typeof text !== 'string' || !/[{}]/.test(text)) return;
  const { sample } = evidence;
  throw new HeadwaterError('usage', `${commentText(sample.source)}/${commentText(sample.entity)}: ${quoted(text)} holds '{' or '}', which dlt rest_api reads as a placeholder; not writing a dlt config.`, { source: sample.source, entity: sample.entity, hint: 'Write this dlt config by hand.' });
}

/** The pipeline script that loads the config file beside it. */
export function dltRestPipeline(evidence: GenerationEvidence, configFile: string): string {
  const rest = restProfile(evidence);
  const pipelineName = safeName(`${evidence.sample.source}_${streamName(evidence, rest)}`).toLowerCase();
  const dataset = `${safeName(evidence.sample.source).toLowerCase()}_raw`;
  return `${dltRestHeader(evidence, rest, configFile, pipelineName, dataset)}
${DLT_REST_HELPERS}${dltRestMain(configFile, pipelineName, dataset)}`;
}

/** The script's comment: where it came from, how to run it, where it loads. */
function dltRestHeader(evidence: GenerationEvidence, rest: RestEndpointProfile, configFile: string, pipelineName: string, dataset: string): string {
  const secrets = secretSlots(evidence, rest);
  return commentLines('#', [
    evidence.provenance,
    `dlt rest_api pipeline for ${evidence.sample.source} GET ${rest.path}: paginator ${rest.paginator.type}, records at ${restPathText(rest.recordPath)}.`,
    `Run: pip install "dlt[duckdb]"; ${secrets.map((s) => `${s.env}=… `).join('')}python ${pipelineName}_pipeline.py`,
    `Config: ${configFile} beside this script (the auth values there are \${env:VAR} references, resolved below).`,
    `Loads into DuckDB (HEADWATER_DLT_DUCKDB, default ./${pipelineName}.duckdb), dataset HEADWATER_DLT_DATASET (default ${dataset}).`,
  ]);
}

/** The same in every script: imports, the Stripe-style paginator dlt lacks, and reading `${env:VAR}` references. */
const DLT_REST_HELPERS = `import json
import os
import re
from pathlib import Path

import dlt
from dlt.sources.helpers.rest_client.paginators import BasePaginator
from dlt.sources.rest_api import rest_api_source

REFERENCE = re.compile(r"\\$\\{env:([A-Za-z_][A-Za-z0-9_.-]*)\\}")


class StartingAfterPaginator(BasePaginator):
    """Stripe style: while has_more, the next page starts after the last record's id."""

    def __init__(self, has_more_path: str, cursor_param: str, id_field: str) -> None:
        super().__init__()
        self.has_more_path = has_more_path.split(".")
        self.cursor_param = cursor_param
        self.id_field = id_field
        self.last_id = None

    def update_state(self, response, data=None) -> None:
        body = response.json()
        for key in self.has_more_path:
            body = body.get(key) if isinstance(body, dict) else None
        self.last_id = data[-1].get(self.id_field) if data else None
        self._has_next_page = bool(body) and self.last_id is not None

    def update_request(self, request) -> None:
        request.params = {**(request.params or {}), self.cursor_param: self.last_id}


def resolve(value):
    # Secrets come from the environment, never from the config file.
    if isinstance(value, str):
        def read(match):
            name = match.group(1)
            if name not in os.environ:
                raise SystemExit(f"{name} is not set (the REST source's credentials)")
            return os.environ[name]
        return REFERENCE.sub(read, value)
    if isinstance(value, dict):
        return {k: resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v) for v in value]
    return value


`;

/** The parts naming this pipeline: the config file it loads, its name and its dataset. */
function dltRestMain(configFile: string, pipelineName: string, dataset: string): string {
  return `def load_config() -> dict:
    config = json.loads(Path(__file__).with_name(${pyString(configFile)}).read_text())
    config.pop("x-headwater", None)
    # Only the auth block holds references: a name elsewhere that looks like one stays text.
    if "auth" in config["client"]:
        config["client"]["auth"] = resolve(config["client"]["auth"])
    for resource in config["resources"]:
        paginator = resource["endpoint"].get("paginator")
        if isinstance(paginator, dict) and paginator.get("type") == "starting_after":
            paginator.pop("type")
            resource["endpoint"]["paginator"] = StartingAfterPaginator(**paginator)
    return config


${dltMain(pipelineName, dataset, `rest_api_source(load_config())`)}`;
}
