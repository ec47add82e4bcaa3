// Where the relational drivers (PostgreSQL and MySQL/MariaDB) connect: connection fields from a URL
// and/or sources.yaml settings, TLS by sslmode, a declared read replica.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { HeadwaterError } from '../../../../shared/errors.js';
import type { ResolvedSource } from '../../driver.js';

/** Fields that say where to connect; a replica given as a URL replaces all of them. */
const CONNECTION_FIELDS = ['host', 'port', 'database', 'user', 'password'];

/**
 * The source's declared replica (`replica:` a URL, or fields over the primary's), as a source of its
 * own with the same name and secrets, or undefined when none is declared.
 */
export function replicaSource(source: ResolvedSource, replica: string | Record<string, unknown> | undefined): ResolvedSource | undefined {
  if (replica === undefined || replica === '') return undefined;
  const { replica: _replica, ...options } = source.options;
  if (typeof replica === 'string') {
    for (const field of CONNECTION_FIELDS) delete options[field];
    return { ...source, url: replica, options };
  }
  if (typeof replica !== 'object' || Array.isArray(replica)) {
    throw new HeadwaterError('usage', `Source '${source.name}': replica must be a URL or connection fields (host, port, user...).`, { source: source.name });
  }
  const fields = replica as Record<string, unknown>;
  const url = typeof fields.url === 'string' ? fields.url : undefined;
  if (url) for (const field of CONNECTION_FIELDS) delete options[field];
  const { url: _url, ...rest } = fields;
  return { ...source, url: url ?? source.url, options: { ...options, ...rest } };
}

/** "host:port" of a source's connection fields, for messages. */
export function endpointText(endpoint: Endpoint): string {
  return `${endpoint.host}:${endpoint.port}`;
}

export interface Endpoint {
  host: string;
  port: number;
  database?: string;
  user?: string;
}

/** A connection field given at the top level of the source entry or under `options` (both land in options). */
export function sourceSetting(options: Record<string, unknown>, name: string): string | undefined {
  const value = options[name];
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' ? value : String(value);
}

export interface ConnectionFieldSpec {
  /** For messages: "PostgreSQL", "MySQL". */
  server: string;
  /** URL protocols accepted, e.g. ['postgres:', 'postgresql:']. */
  protocols: string[];
  example: string;
  defaultPort: number;
  /** Query parameters of the URL that may also carry these fields (libpq's ?host=, ?dbname=...). */
  urlParams?: Partial<Record<'host' | 'port' | 'database' | 'user' | 'password', string>>;
}

export interface ConnectionFields {
  host: string;
  port: number;
  database?: string;
  user?: string;
  password?: string;
  /** The first of these URL query parameters that is set. */
  param(...names: string[]): string | undefined;
  /** Contents of a file named by a setting (or URL parameter), relative to the workspace. */
  readFile(setting: string, ...aliases: string[]): string | undefined;
  /** The absolute path of that file. */
  filePath(setting: string, ...aliases: string[]): string | undefined;
}

/** Connection fields from the source's URL and/or its host/port/database/user/password settings (settings win; its manifest parsed them). */
export function connectionFields(source: { name: string; url?: string; baseDir: string }, options: Record<string, unknown>, spec: ConnectionFieldSpec): ConnectionFields {
  const fail = (message: string) => new HeadwaterError('usage', `${spec.server} source '${source.name}': ${message}`, { source: source.name });
  let url: URL | undefined;
  if (source.url) {
    try {
      url = new URL(source.url);
    } catch {
      throw fail(`the URL is not valid (expected ${spec.example}).`);
    }
    if (!spec.protocols.includes(url.protocol)) throw fail(`the URL must start with ${spec.protocols.map((p) => `${p}//`).join(' or ')}.`);
  }
  const param = (...names: string[]): string | undefined => {
    for (const name of names) {
      const value = url?.searchParams.get(name);
      if (value) return value;
    }
    return undefined;
  };
  const fromParam = (field: keyof NonNullable<ConnectionFieldSpec['urlParams']>) => (spec.urlParams?.[field] ? param(spec.urlParams[field]) : undefined);
  const decoded = (text: string | undefined) => (text ? decodeURIComponent(text) : undefined);
  const filePath = (setting: string, ...aliases: string[]): string | undefined => {
    const file = sourceSetting(options, setting) ?? param(setting, ...aliases);
    if (!file) return undefined;
    return isAbsolute(file) ? file : resolve(source.baseDir, file);
  };
  return {
    host: sourceSetting(options, 'host') ?? fromParam('host') ?? (url?.hostname ? decodeURIComponent(url.hostname).replace(/^\[(.*)\]$/, '$1') : undefined) ?? 'localhost',
    port: Number(sourceSetting(options, 'port') ?? fromParam('port') ?? (url?.port || spec.defaultPort)),
    database: sourceSetting(options, 'database') ?? fromParam('database') ?? (url && url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : undefined),
    user: sourceSetting(options, 'user') ?? fromParam('user') ?? decoded(url?.username),
    password: sourceSetting(options, 'password') ?? fromParam('password') ?? decoded(url?.password),
    param,
    filePath,
    readFile(setting, ...aliases) {
      const path = filePath(setting, ...aliases);
      if (!path) return undefined;
      try {
        return readFileSync(path, 'utf8');
      } catch (error) {
        throw fail(`cannot read ${setting} ${path} (${(error as Error).message}).`);
      }
    },
  };
}

/**
 * TLS by libpq's sslmode names (MySQL's ssl-mode names are accepted too): disable, require (encrypt,
 * do not verify), verify-ca (verify the chain, not the name), verify-full (chain and host name).
 * `prefer`/`allow` connect without TLS: the drivers cannot fall back from one to the other.
 */
export function tlsOptions(sourceName: string, server: string, mode: string, files: { ca?: string; cert?: string; key?: string }): ConnectionOptions | false {
  const normalized = mode.toLowerCase().replace(/_/g, '-');
  const client = { ...(files.cert ? { cert: files.cert } : {}), ...(files.key ? { key: files.key } : {}) };
  switch (normalized) {
    case 'disable':
    case 'disabled':
    case 'allow':
    case 'prefer':
    case 'preferred':
      return false;
    case 'require':
    case 'required':
      // libpq: with a root certificate, require behaves like verify-ca.
      return files.ca ? { ca: files.ca, rejectUnauthorized: true, checkServerIdentity: () => undefined, ...client } : { rejectUnauthorized: false, ...client };
    case 'verify-ca':
      return { ...(files.ca ? { ca: files.ca } : {}), rejectUnauthorized: true, checkServerIdentity: () => undefined, ...client };
    case 'verify-full':
    case 'verify-identity':
      return { ...(files.ca ? { ca: files.ca } : {}), rejectUnauthorized: true, ...client };
    default:
      throw new HeadwaterError('usage', `${server} source '${sourceName}': unknown sslmode '${mode}' (use disable, require, verify-ca or verify-full).`, { source: sourceName });
  }
}

/** What a socket error code means for a connection to `where`, or undefined when it is not one. */
export function socketFailure(code: string | undefined, where: string): string | undefined {
  switch (code) {
    case 'ECONNREFUSED':
      return `cannot connect to ${where}: connection refused (is the server running and listening there?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot connect to ${where}: host not found`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `cannot connect to ${where}: host unreachable or not answering (${code})`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `the connection to ${where} was closed by the server (${code})`;
    default:
      return undefined;
  }
}
