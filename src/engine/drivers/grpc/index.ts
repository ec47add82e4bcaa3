// gRPC driver (kind `grpc`): server reflection gives services > methods > message fields; unary and
// server-streaming methods are sampled with a JSON request (options.requests), and responses are
// decoded to ProtoJSON records (int64 as strings, enums by name, Timestamps as RFC 3339). A unary
// response whose records are one repeated message field lands one row per element.
import { HeadwaterError, redact } from '../../../shared/errors.js';
import type { BrowseNode, Field, FieldType, Provenance, Schema } from '../../../shared/types.js';
import { duckTypeFor, FieldSetBuilder } from '../kit/inference.js';
import type { BatchSampleStream, Description, Driver, DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource } from '../driver.js';
import { isObject } from '../kit/rest/records.js';
import { commonJsExports, lazyModule } from '../kit/lazy.js';
import { reflect, type Reflected } from './reflection.js';
import { manifest } from './manifest.js';

type Grpc = typeof import('@grpc/grpc-js');
type ProtoType = import('protobufjs').Type;
type ProtoMethod = import('protobufjs').Method;

interface Connection {
  grpc: Grpc;
  client: import('@grpc/grpc-js').Client;
  metadata: import('@grpc/grpc-js').Metadata;
  deadlineMs: number;
  address: string;
}

function addressOf(source: ResolvedSource): { address: string; tls: boolean } {
  const url = source.url ?? '';
  const match = /^(grpcs?):\/\/([^/]+)\/?$/i.exec(url) ?? /^()([^/:]+:\d+)$/.exec(url);
  if (!match) throw new HeadwaterError('usage', `gRPC source '${source.name}' needs a url like grpc://host:port (grpcs:// for TLS).`, { source: source.name });
  return { address: match[2]!, tls: match[1]!.toLowerCase() === 'grpcs' || manifest.settings(source).tls };
}

// CommonJS: bundled, import() gives only `default` (the CLI failed with "reading 'createInsecure'").
const loadGrpc = lazyModule('@grpc/grpc-js', () => import('@grpc/grpc-js').then((m) => commonJsExports<Grpc>(m, 'credentials')));

async function connect(source: ResolvedSource): Promise<Connection> {
  const grpc = await loadGrpc();
  const { address, tls } = addressOf(source);
  const client = new grpc.Client(address, tls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  const settings = manifest.settings(source);
  for (const [key, value] of Object.entries(settings.metadata ?? {})) metadata.set(key.toLowerCase(), value);
  return { grpc, client, metadata, deadlineMs: settings.deadlineMs, address };
}

function grpcError(source: ResolvedSource, what: string, error: unknown): HeadwaterError {
  const e = error as { code?: number; details?: string; message?: string };
  const names: Record<number, string> = { 1: 'CANCELLED', 2: 'UNKNOWN', 3: 'INVALID_ARGUMENT', 4: 'DEADLINE_EXCEEDED', 5: 'NOT_FOUND', 7: 'PERMISSION_DENIED', 12: 'UNIMPLEMENTED', 13: 'INTERNAL', 14: 'UNAVAILABLE', 16: 'UNAUTHENTICATED' };
  const status = e.code !== undefined ? `${names[e.code] ?? `status ${e.code}`}: ` : '';
  return new HeadwaterError('source', redact(`gRPC source '${source.name}': ${what} failed: ${status}${e.details ?? e.message ?? String(error)}`, source.secrets), { source: source.name }, { cause: error });
}

async function reflected(source: ResolvedSource): Promise<Reflected & { connection: Connection }> {
  const connection = await connect(source);
  try {
    return { ...(await reflect(connection.client, connection.metadata, Date.now() + connection.deadlineMs)), connection };
  } catch (error) {
    connection.client.close();
    throw grpcError(source, `server reflection on ${connection.address}`, error);
  }
}

function methodOf(source: ResolvedSource, r: Reflected, entity: string): { service: string; method: ProtoMethod } {
  const [service, name] = entity.split('/');
  const found = service && name && r.services.includes(service) ? r.root.lookupService(service).methods[name] : undefined;
  if (!found) throw new HeadwaterError('not_found', `gRPC source '${source.name}' has no method '${entity}' (write service/Method, e.g. ${r.services[0] ?? 'pkg.Service'}/List).`, { source: source.name, entity });
  found.resolve();
  return { service: service!, method: found };
}

const kindOf = (m: ProtoMethod) => (m.requestStream ? (m.responseStream ? 'bidi-streaming' : 'client-streaming') : m.responseStream ? 'server-streaming' : 'unary');

const protojson = lazyModule('protobufjs', async () => (await import('protobufjs/ext/protojson.js')).default);

/** The one repeated message field of a response, when that is where its records are. */
function recordsField(type: ProtoType): string | undefined {
  const repeated = type.fieldsArray.filter((f) => f.repeated && !f.map && f.resolve().resolvedType && 'fieldsArray' in f.resolvedType!);
  return repeated.length === 1 ? repeated[0]!.name : undefined;
}

/** One sampled call: what is sent where, how responses become records and batches. */
interface GrpcCall {
  source: ResolvedSource;
  entity: string;
  path: string;
  request: Uint8Array;
  connection: Connection;
  signal: AbortSignal;
  limit: number;
  json: ProtoJson;
  responseType: ProtoType;
  /** The repeated field of a unary response that holds its records. */
  listField?: string;
  batchOf(records: Record<string, unknown>[], provenance: Provenance[], bytes: number): RecordBatch;
  /** Says why a server stream stopped before its end. */
  note(note: string): void;
}

async function sampleGrpc(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<BatchSampleStream> {
  const r = await reflected(source);
  const { connection } = r;
  try {
    const { method } = methodOf(source, r, entity);
    const kind = kindOf(method);
    if (kind !== 'unary' && kind !== 'server-streaming') throw new HeadwaterError('usage', `gRPC source '${source.name}': ${entity} is ${kind}; only unary and server-streaming methods are sampled.`, { source: source.name, entity });
    const json = protojsonOf(await protojson());
    const responseType = method.resolvedResponseType!;
    const requestJson = (manifest.settings(source).requests ?? {})[entity] ?? {};
    const request = encodeRequest(source, entity, method.resolvedRequestType!, json, requestJson);
    const listField = kind === 'unary' ? recordsField(responseType) : undefined;
    const builder = new FieldSetBuilder();
    const call: GrpcCall = {
      source, entity, path: `/${entity}`, request, connection, signal: ctx.signal, limit: options.limit, json, responseType, listField,
      batchOf: (records, provenance, bytes) => {
        const observed = builder.observe(records);
        const batch: RecordBatch = { rows: observed.rows, provenance, bytes };
        if (observed.fields) batch.fields = observed.fields;
        return batch;
      },
      note: (note) => {
        stream.notes = [note];
      },
    };
    const stream: BatchSampleStream = {
      fields: [], method: kind === 'unary' ? 'snapshot' : 'tail',
      query: `${kind} ${entity}(${JSON.stringify(requestJson)})${listField ? ` · records in ${listField}` : ''}`, notes: [], batches: read(),
    };
    async function* read(): AsyncGenerator<RecordBatch> {
      try {
        yield* kind === 'unary' ? unaryBatches(call) : serverStreamBatches(call);
      } finally {
        connection.client.close();
      }
    }
    return stream;
  } catch (error) {
    connection.client.close();
    throw error;
  }
}

/** The request message from the source's JSON for this method, or a clear error when it does not fit the type. */
function encodeRequest(source: ResolvedSource, entity: string, requestType: ProtoType, json: ProtoJson, requestJson: unknown): Uint8Array {
  try {
    return requestType.encode(json.fromJson(requestType, requestJson)).finish();
  } catch (error) {
    throw new HeadwaterError('usage', `gRPC source '${source.name}': the request for ${entity} does not fit ${requestType.fullName.replace(/^\./, '')}: ${(error as Error).message}`, { source: source.name, entity });
  }
}

const toRecord = (call: GrpcCall, bytes: Buffer) => call.json.toJson(call.responseType, call.responseType.decode(bytes)) as Record<string, unknown>;

/** A unary call's response as one batch: the items of its records field, else the message itself. */
async function* unaryBatches(call: GrpcCall): AsyncGenerator<RecordBatch> {
  const { connection, signal } = call;
  const deadline = Date.now() + connection.deadlineMs;
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const pending = connection.client.makeUnaryRequest(call.path, (b: Uint8Array) => Buffer.from(b), (b: Buffer) => b, call.request, connection.metadata, { deadline }, (error, value) => (error ? reject(error) : resolve(value!)));
    signal.addEventListener('abort', () => pending.cancel(), { once: true });
  }).catch((error: unknown) => {
    if (signal.aborted) return undefined;
    throw grpcError(call.source, call.entity, error);
  });
  if (!bytes) return;
  const message = toRecord(call, bytes);
  const field = call.listField ? call.json.fieldJsonName(call.responseType, call.listField) : undefined;
  const list = field && Array.isArray(message[field]) ? message[field] as unknown[] : undefined;
  const records = list ? list.map((item) => (isObject(item) ? item : { value: item })) : [message];
  yield call.batchOf(records, records.map((_v, index) => ({ method: call.entity, ...(list ? { index } : {}) })), bytes.length);
}

/** A server stream, one message per batch, cancelled at the record limit or on abort. */
async function* serverStreamBatches(call: GrpcCall): AsyncGenerator<RecordBatch> {
  const { connection, signal } = call;
  const deadline = Date.now() + connection.deadlineMs;
  const pending = connection.client.makeServerStreamRequest(call.path, (b: Uint8Array) => Buffer.from(b), (b: Buffer) => b, call.request, connection.metadata, { deadline });
  const onAbort = () => pending.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  let n = 0;
  try {
    for await (const bytes of pending as AsyncIterable<Buffer>) {
      yield call.batchOf([toRecord(call, bytes)], [{ method: call.entity, message: n++ }], bytes.length);
      if (n >= call.limit) {
        call.note(`stopped at the record limit (${call.limit}); the stream was cancelled`);
        return;
      }
    }
  } catch (error) {
    if (signal.aborted) return;
    throw grpcError(call.source, call.entity, error);
  } finally {
    signal.removeEventListener('abort', onAbort);
    pending.cancel();
  }
}

interface ProtoJson {
  fromJson(type: ProtoType, value: unknown): import('protobufjs').Message;
  toJson(type: ProtoType, message: import('protobufjs').Message): unknown;
  fieldJsonName(type: ProtoType, field: string): string;
}

function protojsonOf(ext: Awaited<ReturnType<typeof protojson>>): ProtoJson {
  return {
    fromJson: (type, value) => ext.fromJson(type, value as never),
    toJson: (type, message) => ext.toJson(type, message),
    // ProtoJSON names fields in lowerCamelCase unless json_name says otherwise.
    fieldJsonName: (type, field) => type.fields[field]?.options?.json_name as string | undefined ?? field.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()),
  };
}

/** A message type as Headwater fields, in ProtoJSON names and representations. */
function fieldsOfMessage(type: ProtoType, depth = 0): Field[] {
  return type.fieldsArray.map((f) => {
    f.resolve();
    const name = f.options?.json_name as string | undefined ?? f.name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    let fieldType: FieldType;
    let children: Field[] | undefined;
    let enumValues: string[] | undefined;
    const resolved = f.resolvedType;
    if (resolved && 'fieldsArray' in resolved) {
      const full = resolved.fullName.replace(/^\./, '');
      if (full === 'google.protobuf.Timestamp') fieldType = 'timestamptz';
      else if (depth < 3) {
        fieldType = 'struct';
        children = fieldsOfMessage(resolved, depth + 1);
      } else fieldType = 'json';
    } else if (resolved) {
      fieldType = 'string';
      enumValues = Object.keys((resolved as import('protobufjs').Enum).values);
    } else {
      fieldType = ({ double: 'float', float: 'float', int32: 'integer', uint32: 'integer', sint32: 'integer', fixed32: 'integer', sfixed32: 'integer', bool: 'boolean', string: 'string', bytes: 'binary' } as Record<string, FieldType>)[f.type]
        // 64-bit integers are strings in ProtoJSON.
        ?? (/64$/.test(f.type) ? 'string' : 'json');
    }
    let field: Field = { name, type: fieldType, duckType: duckTypeFor(fieldType), nativeType: f.type, nullable: true };
    if (children) field.children = children;
    if (enumValues) field.enumValues = enumValues;
    if (f.map) field = { name, type: 'map', duckType: duckTypeFor('map'), nativeType: `map<${(f as unknown as import('protobufjs').MapField).keyType}, ${f.type}>`, nullable: true };
    else if (f.repeated) field = { name, type: 'list', duckType: duckTypeFor('list'), nativeType: `repeated ${f.type}`, nullable: true, children: [{ ...field, name: 'element' }] };
    return field;
  });
}

const driver: Driver = {
  kind: 'grpc',

  async describe(source): Promise<Description> {
    try {
      const r = await reflected(source);
      r.connection.client.close();
      const methods = r.services.reduce((n, s) => n + r.root.lookupService(s).methodsArray.length, 0);
      return { reachable: true, detail: `${r.connection.address}: ${r.services.length} services, ${methods} methods (server reflection)` };
    } catch (error) {
      return { reachable: false, detail: (error as Error).message };
    }
  },

  async browse(source, path): Promise<BrowseNode[]> {
    const r = await reflected(source);
    r.connection.client.close();
    if (path.length === 0) {
      return r.services.map((s) => ({ id: s, label: s, kind: 'group', sampleable: false, expandable: true, detail: `${r.root.lookupService(s).methodsArray.length} methods` }));
    }
    if (path.length === 1) {
      return r.root.lookupService(path[0]!).methodsArray.map((m) => {
        m.resolve();
        const kind = kindOf(m);
        const sampleable = kind === 'unary' || kind === 'server-streaming';
        return {
          id: m.name, label: m.name, kind: 'endpoint', entity: `${path[0]}/${m.name}`, sampleable, expandable: true,
          detail: `${kind}: ${m.resolvedRequestType!.name} → ${m.resolvedResponseType!.name}${sampleable ? '' : ' (not sampled)'}`,
        } satisfies BrowseNode;
      });
    }
    const { method } = methodOf(source, r, `${path[0]}/${path[1]}`);
    const describeFields = (type: ProtoType, role: string): BrowseNode[] => type.fieldsArray.map((f) => ({
      id: `${role}.${f.name}`, label: f.name, kind: 'column', sampleable: false, expandable: false,
      detail: `${role} ${f.repeated ? 'repeated ' : ''}${f.type} = ${f.id}`,
    }));
    return [...describeFields(method.resolvedRequestType!, 'request'), ...describeFields(method.resolvedResponseType!, 'response')];
  },

  async nativeSchema(source, entity): Promise<Schema | undefined> {
    const r = await reflected(source);
    r.connection.client.close();
    const { method } = methodOf(source, r, entity);
    const response = method.resolvedResponseType!;
    const listField = !method.responseStream ? recordsField(response) : undefined;
    const type = listField ? response.fields[listField]!.resolvedType as ProtoType : response;
    return { fields: fieldsOfMessage(type) };
  },

  sample: sampleGrpc,
};

export default driver;
