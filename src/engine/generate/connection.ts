// Where the sampled data lives, read from the source entry as written in sources.yaml: host, port,
// database, user. Never a password: generated files name an environment variable (or a config
// provider) that holds it, derived from the entry's own `${env:…}`/`${secret:…}` reference.
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
}

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

export function connectionOf(sample: SampleInfo, definition: SourceDefinition | undefined): Connection {
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
  const parts = sample.entity.split('.');
  const relational = kind === 'postgres' || kind === 'mysql';
  const database = setting(definition, 'database') ?? (url && url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : undefined);
  const schema = relational && parts.length > 1 ? parts.slice(0, -1).join('.') : kind === 'postgres' ? 'public' : kind === 'mysql' ? database : undefined;
  const defaultPort = kind === 'postgres' ? 5432 : kind === 'mysql' ? 3306 : undefined;
  return {
    kind,
    source: sample.source,
    host: relational ? setting(definition, 'host') ?? (url?.hostname || 'localhost') : undefined,
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
    path: kind === 'sqlite' || kind === 'file' ? definition?.path ?? rawUrl : undefined,
    format: kind === 'file' ? (/\.(csv|tsv|json|ndjson|jsonl|parquet)(\.gz)?$/i.exec(sample.entity)?.[1]?.toLowerCase() ?? 'json') : undefined,
  };
}
