// Where the sampled data lives, read from the source entry as written in sources.yaml: host, port,
// database, user. Never a password: generated files name an environment variable (or a config
// provider) that holds it, derived from the entry's own `${env:…}`/`${secret:…}` reference.
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitQualified } from '../../shared/names.js';
import type { SourceDefinition } from '../../shared/protocol.js';
import type { SampleInfo } from '../../shared/types.js';

export type ConnectionKind = 'postgres' | 'mysql' | 'sqlite' | 'file' | 'other';

export interface Connection {
  kind: ConnectionKind;
  /** The source's name, as sources.yaml calls it. */
  source: string;
  host?: string;
  port?: number;
  database?: string;
  /** PostgreSQL schema / MySQL database of the entity. */
  schema?: string;
  table: string;
  /** The entity as the driver names it (`public.orders`, `orders`, `events.ndjson`). */
  entity: string;
  /** A user name, or the environment variable that holds it when the entry references one. */
  user?: string;
  userEnv?: string;
  /** Environment variable that holds the password (never the value). */
  passwordEnv: string;
  sslmode?: string;
  /** sqlite / file: the path as written. */
  path?: string;
  format?: string;
  /** The source's SSH tunnel (its `ssh:` block, aliases resolved), or why it could not be read. */
  ssh?: { hops: { host: string; port: number; user: string }[]; keyEnv: string } | { problem: string };
}

import { hopsFor } from '../drivers/kit/ssh/pool.js';
import { sshBlock } from '../drivers/kit/ssh/schema.js';

const REFERENCE = /\$\{(secret|env):([A-Za-z_][A-Za-z0-9_.-]*)\}/;

/** The environment variable a reference reads (`${secret:X}` on the command line is HEADWATER_SECRET_X). */
export function envNameOf(reference: string | undefined): string | undefined {
  const match = reference ? REFERENCE.exec(reference) : null;
  if (!match) return undefined;
  return match[1] === 'env' ? match[2]! : `HEADWATER_SECRET_${match[2]!.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

function setting(definition: SourceDefinition | undefined, name: string): string | undefined {
  const value = definition?.[name] ?? definition?.options?.[name];
  return value === undefined || value === null || value === '' ? undefined : String(value);
}

function connectionKind(kind: string): ConnectionKind {
  if (kind === 'postgres' || kind === 'postgresql') return 'postgres';
  if (kind === 'mysql' || kind === 'mariadb') return 'mysql';
  if (kind === 'sqlite' || kind === 'file') return kind;
  return 'other';
}

/**
 * Where a sqlite/file source's data is, as a contract can find it again: relative paths are the
 * workspace's (as the drivers resolve them); an absolute path inside the workspace becomes relative.
 * An ad-hoc source (sampled by path, not in sources.yaml) is named by its path.
 */
function dataPath(sample: SampleInfo, definition: SourceDefinition | undefined, workspaceDir: string | undefined): string | undefined {
  const raw = definition ? definition.path ?? definition.url : sample.source;
  const written = raw?.startsWith('file://') ? fileURLToPath(raw) : raw?.replace(/^sqlite:\/\//i, '');
  if (!written || !workspaceDir) return written;
  const absolute = isAbsolute(written) ? written : resolve(workspaceDir, written);
  const inside = relative(workspaceDir, absolute);
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : absolute;
}

export function connectionOf(sample: SampleInfo, definition: SourceDefinition | undefined, workspaceDir?: string): Connection {
  const kind = connectionKind(definition?.kind ?? sample.sourceKind);
  let url: URL | undefined;
  const rawUrl = definition?.url;
  if (rawUrl && /^[a-z][a-z0-9+.-]*:\/\//i.test(rawUrl)) {
    try {
      // References would not parse as URL parts: read the parts around them, never their values.
      url = new URL(rawUrl.replace(new RegExp(REFERENCE.source, 'g'), 'ref'));
    } catch {
      url = undefined;
    }
  }
  const rawUserInUrl = rawUrl ? /^[a-z][a-z0-9+.-]*:\/\/([^:@/]*)[:@]/i.exec(rawUrl)?.[1] : undefined;
  const rawPasswordInUrl = rawUrl ? /^[a-z][a-z0-9+.-]*:\/\/[^:@/]*:([^@/]*)@/i.exec(rawUrl)?.[1] : undefined;
  const rawUser = setting(definition, 'user') ?? (url?.username ? rawUserInUrl : undefined);
  const rawPassword = setting(definition, 'password') ?? rawPasswordInUrl;
  const upperSource = sample.source.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const relational = kind === 'postgres' || kind === 'mysql';
  // The drivers name relations `schema.table`, quoting parts that need it (`"my.schema"."t"`).
  const parts = relational ? splitQualified(sample.entity.trim(), kind === 'mysql' ? '`' : '"') : [sample.entity];
  // A Kafka URL's authority is the bootstrap list (`kafka://a:9092,b:9092`), which URL() may not parse.
  const bootstrap = (definition?.kind ?? sample.sourceKind) === 'kafka' && rawUrl ? rawUrl.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/^[^@/]*@/, '').split('/')[0] : undefined;
  const database = setting(definition, 'database') ?? (url && url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : undefined);
  const schema = relational && parts.length > 1 ? parts.slice(0, -1).join('.') : kind === 'postgres' ? 'public' : kind === 'mysql' ? database : undefined;
  const defaultPort = kind === 'postgres' ? 5432 : kind === 'mysql' ? 3306 : undefined;
  return {
    kind,
    source: sample.source,
    host: relational ? setting(definition, 'host') ?? (url?.hostname || 'localhost') : bootstrap,
    port: relational ? Number(setting(definition, 'port') ?? (url?.port || defaultPort)) : undefined,
    database,
    schema,
    table: relational ? parts[parts.length - 1]! : sample.entity,
    entity: sample.entity,
    user: rawUser && !REFERENCE.test(rawUser) ? decodeURIComponent(rawUser) : undefined,
    userEnv: envNameOf(rawUser),
    // A literal password in sources.yaml is never copied: it gets a variable name like any other.
    passwordEnv: envNameOf(rawPassword) ?? `${upperSource}_PASSWORD`,
    sslmode: setting(definition, 'sslmode') ?? url?.searchParams.get('sslmode') ?? undefined,
    path: kind === 'sqlite' || kind === 'file' ? dataPath(sample, definition, workspaceDir) : undefined,
    format: kind === 'file' ? (/\.(csv|tsv|json|ndjson|jsonl|parquet)(\.gz)?$/i.exec(sample.entity)?.[1]?.toLowerCase() ?? 'json') : undefined,
    ...(definition?.ssh !== undefined ? { ssh: tunnelOf(definition, workspaceDir, upperSource) } : {}),
  };
}

/** The hops of the source's tunnel (no secret: the key is an environment variable's name). */
function tunnelOf(definition: SourceDefinition, workspaceDir: string | undefined, upperSource: string): NonNullable<Connection['ssh']> {
  try {
    const hops = hopsFor(sshBlock(definition.ssh)!, workspaceDir ?? process.cwd(), definition.name).map(({ host, port, user }) => ({ host, port, user }));
    return { hops, keyEnv: `${upperSource}_SSH_KEY` };
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
}

/** A Kafka Connect / Airbyte / ODCS config-provider reference to an environment variable. */
export function envRef(name: string): string {
  return `\${env:${name}}`;
}

/** The user as every generated file writes it: the entry's variable, its literal name, or <SOURCE>_USER. */
export function connectionUser(evidence: { connection: Connection }): string {
  const c = evidence.connection;
  return c.userEnv ? envRef(c.userEnv) : c.user ?? envRef(`${c.source.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_USER`);
}
