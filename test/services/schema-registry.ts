// A Confluent-compatible schema registry for tests, in-process on a free loopback port. Why not a
// packaged one: Karapace is no longer published on PyPI, Apicurio publishes no runnable jar on Maven
// Central and Confluent's registry is not on Maven Central either. This serves the REST subset
// clients use (register, look up, fetch by id, subjects, versions, config) with Confluent's error
// codes, so the driver talks to it exactly as to a real registry.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface StoredSchema {
  id: number;
  schema: string;
  schemaType: 'AVRO' | 'PROTOBUF' | 'JSON';
  references: unknown[];
}

export interface SchemaRegistryService {
  url: string;
  /** Requests served, as `METHOD path`, for assertions on what a client asked. */
  requests: string[];
  stop(): Promise<void>;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export async function startSchemaRegistry(): Promise<SchemaRegistryService> {
  const schemas: StoredSchema[] = [];
  const subjects = new Map<string, number[]>(); // subject -> schema ids by version
  const requests: string[] = [];

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': CONTENT_TYPE });
    res.end(JSON.stringify(body));
  };
  const notFound = (res: ServerResponse, code: number, message: string) => send(res, 404, { error_code: code, message });
  const readBody = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
  };
  const describe = (subject: string, version: number, stored: StoredSchema) => ({
    subject, version, id: stored.id, schema: stored.schema, ...(stored.schemaType === 'AVRO' ? {} : { schemaType: stored.schemaType }), references: stored.references,
  });

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://registry');
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      requests.push(`${req.method} ${url.pathname}`);
      if (req.method === 'GET' && parts[0] === 'schemas' && parts[1] === 'ids' && parts[2]) {
        const stored = schemas.find((s) => s.id === Number(parts[2]));
        if (!stored) return notFound(res, 40403, 'Schema not found');
        return send(res, 200, { schema: stored.schema, ...(stored.schemaType === 'AVRO' ? {} : { schemaType: stored.schemaType }), references: stored.references });
      }
      if (req.method === 'GET' && parts[0] === 'subjects' && parts.length === 1) return send(res, 200, [...subjects.keys()]);
      if (req.method === 'GET' && parts[0] === 'config') return send(res, 200, { compatibilityLevel: 'BACKWARD' });
      if (parts[0] === 'subjects' && parts[1]) {
        const subject = parts[1];
        const versions = subjects.get(subject);
        if (req.method === 'POST' && parts[2] === 'versions') {
          const body = await readBody(req);
          const schemaType = (body.schemaType as StoredSchema['schemaType'] | undefined) ?? 'AVRO';
          const text = String(body.schema);
          let stored = schemas.find((s) => s.schema === text && s.schemaType === schemaType);
          if (!stored) {
            stored = { id: schemas.length + 1, schema: text, schemaType, references: (body.references as unknown[] | undefined) ?? [] };
            schemas.push(stored);
          }
          const list = versions ?? [];
          if (!list.includes(stored.id)) list.push(stored.id);
          subjects.set(subject, list);
          return send(res, 200, { id: stored.id });
        }
        if (req.method === 'POST' && parts.length === 2) {
          const body = await readBody(req);
          const index = (versions ?? []).findIndex((id) => schemas[id - 1]?.schema === String(body.schema));
          if (index < 0) return notFound(res, versions ? 40403 : 40401, versions ? 'Schema not found' : `Subject '${subject}' not found.`);
          return send(res, 200, describe(subject, index + 1, schemas[versions![index]! - 1]!));
        }
        if (!versions) return notFound(res, 40401, `Subject '${subject}' not found.`);
        if (req.method === 'GET' && parts[2] === 'versions' && !parts[3]) return send(res, 200, versions.map((_, i) => i + 1));
        if (req.method === 'GET' && parts[2] === 'versions' && parts[3]) {
          const version = parts[3] === 'latest' ? versions.length : Number(parts[3]);
          const id = versions[version - 1];
          if (!id) return notFound(res, 40402, 'Version not found.');
          return send(res, 200, describe(subject, version, schemas[id - 1]!));
        }
      }
      return notFound(res, 404, `No route for ${req.method} ${url.pathname}`);
    })().catch((error: unknown) => send(res, 500, { error_code: 50001, message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
