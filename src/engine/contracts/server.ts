// A contract's server block as a Headwater source. The contract names where the data lives; it never
// holds a secret: credentials are `${env:VAR}` / `${secret:NAME}` references in the server's
// customProperties (user, password), the <SERVER>_USER / <SERVER>_PASSWORD environment variables, or
// the sources.yaml source of the server's name.
import { basename, dirname } from 'node:path';
import { HeadwaterError } from '../../shared/errors.js';
import type { SourceDefinition } from '../../shared/protocol.js';
import { customProperty, type OdcsContract, type OdcsServer } from './odcs.js';

export const CHECKABLE_SERVER_TYPES = ['postgres', 'postgresql', 'mysql', 'local (sqlite or files)', 'custom (sqlite or files)'];

const FILE_FORMATS = new Set(['csv', 'tsv', 'json', 'ndjson', 'parquet']);
const REFERENCE = /^\$\{(secret|env):[A-Za-z_][A-Za-z0-9_.-]*\}$/;

export interface ContractSource {
  server: OdcsServer;
  /** The source to sample: a sources.yaml entry of the server's name, or one built from the block. */
  definition: SourceDefinition;
  /** The entity to sample for a schema object, in the driver's terms. */
  entityFor(physicalName: string): string;
}

export function selectServer(contract: OdcsContract, name: string | undefined, contractPath: string): OdcsServer {
  const servers = contract.servers ?? [];
  if (!servers.length) throw new HeadwaterError('usage', `${contractPath}: the contract has no servers block, so there is nothing to connect to.`, { hint: 'Add a server (type, host, port, database, schema) as ODCS v3.1 describes.' });
  if (!name) return servers[0]!;
  const found = servers.find((s) => s.server === name);
  if (!found) throw new HeadwaterError('usage', `${contractPath}: no server named '${name}' (servers: ${servers.map((s) => s.server).join(', ')}).`);
  return found;
}

/** Where to sample: `known` are the workspace's sources by name (sources.yaml wins when its kind fits). */
export function contractSource(server: OdcsServer, known: SourceDefinition[], contractPath: string, env: Record<string, string | undefined> = process.env): ContractSource {
  const fail = (message: string) => new HeadwaterError('usage', `${contractPath}: server '${server.server}' (${server.type}): ${message}`, { source: server.server });
  const credentials = (): Partial<SourceDefinition> => {
    const out: Partial<SourceDefinition> = {};
    for (const field of ['user', 'password'] as const) {
      // Without a reference in the contract: <SERVER>_USER / <SERVER>_PASSWORD, the variables the generated contracts name.
      const variable = `${server.server.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${field.toUpperCase()}`;
      const value = customProperty(server, field) ?? (env[variable] !== undefined ? `\${env:${variable}}` : undefined);
      if (value === undefined || value === null) continue;
      if (typeof value !== 'string') throw fail(`customProperties ${field} must be a string.`);
      if (field === 'password' && !REFERENCE.test(value)) throw fail('customProperties password must be a ${env:VAR} or ${secret:NAME} reference, never the password itself.');
      out[field] = value;
    }
    return out;
  };
  const type = server.type.toLowerCase();
  const named = known.find((d) => d.name === server.server);
  const format = (server.format ?? (customProperty(server, 'format') as string | undefined))?.toLowerCase();
  if (type === 'postgres' || type === 'postgresql') {
    const definition = named?.kind === 'postgres' ? named : required({ name: server.server, kind: 'postgres', host: server.host, port: server.port, database: server.database, ...credentials() }, fail, ['host', 'database']);
    const schema = server.schema;
    return { server, definition, entityFor: (name) => (name.includes('.') || !schema ? name : `${schema}.${name}`) };
  }
  if (type === 'mysql') {
    const definition = named?.kind === 'mysql' ? named : required({ name: server.server, kind: 'mysql', host: server.host, port: server.port, database: server.database, ...credentials() }, fail, ['host', 'database']);
    const database = server.database;
    return { server, definition, entityFor: (name) => (name.includes('.') || !database ? name : `${database}.${name}`) };
  }
  if (type === 'local' || type === 'custom') {
    const path = server.path;
    // A custom server named after a source (a topic, an API, a document store...) checks that source.
    if (named && (type === 'custom' || named.kind === 'sqlite' || named.kind === 'file')) return { server, definition: named, entityFor: (name) => name };
    if (!path) throw fail('a local or custom server needs a path (a SQLite database or a data file/folder).');
    if (format === 'sqlite' || /\.(sqlite3?|db)$/i.test(path)) return { server, definition: { name: server.server, kind: 'sqlite', path }, entityFor: (name) => name };
    if (!format || FILE_FORMATS.has(format)) {
      // A file path samples the file itself; a folder samples the entity named by the object.
      const isFile = /\.(csv|tsv|json|ndjson|jsonl|parquet)(\.gz)?$/i.test(path);
      const definition: SourceDefinition = { name: server.server, kind: 'file', path: isFile ? dirname(path) : path, ...(format ? { options: { format } } : {}) };
      return { server, definition, entityFor: (name) => (isFile ? basename(path) : name) };
    }
    throw fail(`format '${format}' cannot be checked (sqlite, ${[...FILE_FORMATS].join(', ')}).`);
  }
  if (named) return { server, definition: named, entityFor: (name) => name };
  throw fail(`this server type cannot be checked yet (checkable: ${CHECKABLE_SERVER_TYPES.join(', ')}; or name the server after a source in .headwater/sources.yaml).`);
}

function required(definition: SourceDefinition, fail: (message: string) => Error, fields: string[]): SourceDefinition {
  const missing = fields.filter((f) => definition[f] === undefined || definition[f] === '');
  if (missing.length) throw fail(`missing ${missing.join(', ')}.`);
  return Object.fromEntries(Object.entries(definition).filter(([, v]) => v !== undefined)) as SourceDefinition;
}
