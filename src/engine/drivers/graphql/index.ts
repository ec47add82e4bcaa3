// GraphQL driver (kind `graphql`): introspection gives the tree (query fields > arguments and element
// fields); a sample of a list field runs a generated, depth-limited query and follows Relay
// connections (first/after, pageInfo) or offset arguments. The `errors` array is surfaced: with no
// data it is the error, beside data it is a note on the sample. Requests go through the REST
// driver's polite client (auth, retries, Retry-After, redaction).
import { HeadwaterError } from '../../../shared/errors.js';
import type { BrowseNode, Provenance, Schema } from '../../../shared/types.js';
import { FieldSetBuilder } from '../kit/inference.js';
import type { BatchSampleStream, Description, Driver, DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource } from '../driver.js';
import { RestClient } from '../kit/rest/client.js';
import { restConfigOf } from '../kit/rest/config.js';
import { isObject } from '../kit/rest/records.js';
import { fieldsOfType, listFieldOf, loadGraphql, queryFields, samplingQuery, type ListField } from './schema.js';
import { manifest } from './manifest.js';

/** The source's settings: page size, depth and arguments per query field (e.g. { search: { term: "x" } }), and the API client's. */
const optionsOf = (source: ResolvedSource) => manifest.settings(source);

function endpointOf(source: ResolvedSource): URL {
  if (!source.url || !/^https?:\/\//i.test(source.url)) throw new HeadwaterError('usage', `GraphQL source '${source.name}' needs the endpoint's http(s) 'url'.`, { source: source.name });
  return new URL(source.url);
}

interface GraphqlAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[] }[];
  /** Size of the HTTP answer, for byte budgets. */
  bytes?: number;
}

async function run(client: RestClient, url: URL, query: string, variables: Record<string, unknown>, what: string): Promise<GraphqlAnswer> {
  const response = await client.postJson(url, { query, variables }, what);
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch (error) {
    throw client.fail(`${what} answered invalid JSON (${(error as Error).message}): ${response.text.slice(0, 80)}`);
  }
  if (!isObject(body)) throw client.fail(`${what} answered ${typeof body} instead of a GraphQL response`);
  return { ...(body as GraphqlAnswer), bytes: response.bytes };
}

export function describeErrors(errors: NonNullable<GraphqlAnswer['errors']>): string {
  const shown = errors.slice(0, 3).map((e) => `"${e.message}"${e.path?.length ? ` at ${e.path.join('.')}` : ''}`);
  return `${errors.length} GraphQL error${errors.length === 1 ? '' : 's'}: ${shown.join('; ')}${errors.length > 3 ? '; …' : ''}`;
}

async function introspect(source: ResolvedSource, ctx: DriverContext) {
  const g = await loadGraphql();
  // The schema is not sampled data: its bytes do not count against the sample's byte budget.
  const client = new RestClient(source, restConfigOf(source, optionsOf(source)), { ...ctx, countBytes: undefined });
  const answer = await run(client, endpointOf(source), g.getIntrospectionQuery(), {}, 'introspection');
  if (!answer.data) {
    throw client.fail(`introspection failed (${answer.errors ? describeErrors(answer.errors) : 'no data'}); servers often disable it in production: sample with a development endpoint, or ask for introspection to be allowed.`);
  }
  return { g, client, schema: g.buildClientSchema(answer.data as unknown as import('graphql').IntrospectionQuery) };
}

async function listField(source: ResolvedSource, entity: string, ctx: DriverContext) {
  const { g, client, schema } = await introspect(source, ctx);
  const field = queryFields(schema)[entity];
  if (!field) throw new HeadwaterError('not_found', `GraphQL source '${source.name}' has no query field '${entity}'.`, { source: source.name, entity });
  const list = listFieldOf(g, entity, field);
  if (!list) throw new HeadwaterError('usage', `GraphQL source '${source.name}': query field '${entity}' returns ${String(field.type)}, not a list or a connection of objects.`, { source: source.name, entity });
  return { g, client, list };
}

function describePaging(list: ListField): string {
  switch (list.paging.type) {
    case 'relay': return `Relay connection of ${list.element.name} (${list.paging.firstArg}/${list.paging.afterArg}, pageInfo)`;
    case 'offset': return `list of ${list.element.name} (${list.paging.offsetArg}/${list.paging.limitArg})`;
    case 'single': return `list of ${list.element.name} (one request)`;
  }
}

async function sampleGraphql(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<BatchSampleStream> {
  const { g, list } = await listField(source, entity, ctx);
  const client = new RestClient(source, restConfigOf(source, optionsOf(source)), ctx);
  const settings = optionsOf(source);
  const given = settings.args?.[entity] ?? {};
  const missing = list.requiredArgs.filter((a) => given[a] === undefined);
  if (missing.length) throw new HeadwaterError('usage', `GraphQL source '${source.name}': query field '${entity}' needs ${missing.map((a) => `'${a}'`).join(', ')}; set them under options.args.${entity}.`, { source: source.name, entity });
  const query = samplingQuery(g, list, given, settings.maxDepth);
  const url = endpointOf(source);
  const pageSize = Math.max(1, Math.min(settings.pageSize, options.limit));
  const maxPages = optionsOf(source).maxPages;
  const builder = new FieldSetBuilder();
  const stream: BatchSampleStream = { fields: [], method: 'page range', query: `${query} · ${describePaging(list)}, ${pageSize} per page`, notes: [], batches: pages() };
  const errorNotes: string[] = [];

  async function* pages(): AsyncGenerator<RecordBatch> {
    let variables: Record<string, unknown> = { ...given };
    if (list.paging.type === 'relay') variables[list.paging.firstArg] = pageSize;
    if (list.paging.type === 'offset') Object.assign(variables, { [list.paging.offsetArg]: 0, [list.paging.limitArg]: pageSize });
    let landed = 0;
    let stopped: string | undefined;
    try {
      for (let page = 1; ; page++) {
        if (ctx.signal.aborted) return;
        let answer: GraphqlAnswer;
        try {
          answer = await run(client, url, query, variables, `query ${entity} (page ${page})`);
        } catch (error) {
          if (ctx.signal.aborted) return;
          throw error;
        }
        const value = answer.data?.[entity];
        if (answer.errors?.length) {
          if (value === undefined || value === null) throw client.fail(`query ${entity} (page ${page}): ${describeErrors(answer.errors)}`);
          errorNotes.push(`page ${page}: ${describeErrors(answer.errors)} (the affected fields landed as null)`);
        }
        let records: Record<string, unknown>[];
        let next: Record<string, unknown> | undefined;
        const position = list.paging.type === 'relay' ? String(variables[list.paging.afterArg] ?? '') : list.paging.type === 'offset' ? Number(variables[list.paging.offsetArg]) : 0;
        if (list.paging.type === 'relay') {
          const connection = isObject(value) ? value : {};
          const edges = Array.isArray(connection.edges) ? connection.edges : [];
          records = edges.map((e) => (isObject(e) && isObject(e.node) ? e.node : {}));
          const info = isObject(connection.pageInfo) ? connection.pageInfo : {};
          if (info.hasNextPage === true && typeof info.endCursor === 'string' && records.length) next = { ...variables, [list.paging.afterArg]: info.endCursor };
        } else {
          records = (Array.isArray(value) ? value : []).map((r) => (isObject(r) ? r : { value: r }));
          if (list.paging.type === 'offset' && records.length >= pageSize) next = { ...variables, [list.paging.offsetArg]: Number(variables[list.paging.offsetArg]) + records.length };
        }
        const observed = builder.observe(records);
        const provenance: Provenance[] = records.map((_r, index) => ({ page, index, field: entity, paginator: list.paging.type, ...(list.paging.type === 'single' ? {} : { from: position }) }));
        const batch: RecordBatch = { rows: observed.rows, provenance, bytes: answer.bytes ?? 0 };
        if (observed.fields) batch.fields = observed.fields;
        landed += records.length;
        if (next && landed >= options.limit) {
          stopped = `stopped at the record limit (${options.limit}) after page ${page}; more pages remain`;
          next = undefined;
        } else if (next && page >= maxPages) {
          stopped = `stopped at the page budget (maxPages ${maxPages}); more pages remain`;
          next = undefined;
        }
        yield batch;
        if (!next) return;
        variables = next;
      }
    } finally {
      stream.notes = [...errorNotes, ...(stopped ? [stopped] : [])];
    }
  }
  return stream;
}

const driver: Driver = {
  kind: 'graphql',

  async describe(source, ctx): Promise<Description> {
    try {
      const { g, client, schema } = await introspect(source, ctx);
      const fields = Object.entries(queryFields(schema));
      const lists = fields.filter(([name, f]) => listFieldOf(g, name, f)).length;
      return { reachable: true, detail: `${client.publicUrl(endpointOf(source))}: ${fields.length} query fields, ${lists} of them lists or connections; ${Object.keys(schema.getTypeMap()).filter((n) => !n.startsWith('__')).length} types` };
    } catch (error) {
      return { reachable: false, detail: (error as Error).message };
    }
  },

  async browse(source, path, ctx): Promise<BrowseNode[]> {
    const { g, schema } = await introspect(source, ctx);
    const fields = queryFields(schema);
    const settings = optionsOf(source);
    if (path.length === 0) {
      return Object.entries(fields).map(([name, field]) => {
        const list = listFieldOf(g, name, field);
        const missing = list ? list.requiredArgs.filter((a) => settings.args?.[name]?.[a] === undefined) : [];
        return {
          id: name, label: `${name}: ${String(field.type)}`, kind: 'endpoint', entity: name,
          sampleable: !!list && missing.length === 0,
          expandable: field.args.length > 0 || !!list,
          detail: list ? describePaging(list) + (missing.length ? `; needs ${missing.join(', ')} (options.args)` : '') : 'not a list: not sampled',
          ...(field.description ? { tooltip: field.description } : {}),
        } satisfies BrowseNode;
      });
    }
    const field = fields[path[0]!];
    if (!field || path.length > 1) return [];
    const list = listFieldOf(g, path[0]!, field);
    const args: BrowseNode[] = field.args.map((a) => ({ id: `(${a.name})`, label: `(${a.name}: ${String(a.type)})`, kind: 'column', sampleable: false, expandable: false, detail: 'argument' }));
    const elementFields: BrowseNode[] = list ? Object.values(list.element.getFields()).map((f) => ({ id: f.name, label: f.name, kind: 'column', sampleable: false, expandable: false, detail: String(f.type) })) : [];
    return [...args, ...elementFields];
  },

  async nativeSchema(source, entity, ctx): Promise<Schema | undefined> {
    const { g, list } = await listField(source, entity, ctx);
    return { fields: fieldsOfType(g, list.element, optionsOf(source).maxDepth) };
  },

  sample: sampleGraphql,
};

export default driver;
