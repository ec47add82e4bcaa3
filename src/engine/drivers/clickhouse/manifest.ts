// The clickhouse kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { CONTRACT_TODO, parsedUrl } from '../kit/contract.js';
import { defineManifest } from '../kit/manifest.js';
import { portField } from '../kit/option-groups.js';
import { option } from '../kit/options.js';

export const manifest = defineManifest({
  kind: 'clickhouse',
  title: 'ClickHouse',
  summary: 'ClickHouse over its HTTP interface: databases > tables with engine and keys, SAMPLE or sorting-key-ordered reads under read-only limits',
  schemes: ['clickhouse:', 'clickhouses:'],
  fields: {
    url: option.string('clickhouse://user:${secret:NAME}@host:8123/database (clickhouses:// for HTTPS); fields below override its parts.', { form: { label: 'URL', placeholder: 'clickhouse://localhost:8123/default' } }),
    host: option.string('ClickHouse server host (instead of a URL).', { form: { label: 'Host', placeholder: 'localhost' } }),
    port: portField('HTTP(S) interface port (default 8123, or 8443 with ssl).', { label: 'Port', placeholder: '8123' }),
    database: option.string('Database the tree opens on and that bare table names refer to (others stay browsable).', { form: { label: 'Database' } }),
    user: option.string('User name. A user whose profile allows readonly=2 (reads only, settings allowed) is best.', { form: { label: 'User' } }),
    password: option.string('The password: write ${secret:NAME} or ${env:VAR}, never the value itself.', { form: { label: 'Password', secret: true } }),
  },
  options: {
    ssl: option.boolean('Use HTTPS (the server certificate is verified against the system CAs).', { default: false }),
    maxExecutionTime: option.integer('max_execution_time of every query, in seconds: the server stops a query that runs longer.', { minimum: 1, maximum: 3600, default: 30 }),
    maxBytesToRead: option.integer('max_bytes_to_read of every sample query: the server refuses to read more (uncompressed) bytes than this from the table.', { minimum: 1, default: 8 * 1024 ** 3 }),
    requestTimeoutMs: option.integer('Longest wait for an HTTP answer (and between its chunks), in milliseconds.', { minimum: 100, maximum: 3_600_000, default: 60_000 }),
    confirmFullRows: option.integer('A full read of a table with more rows than this (system.parts) needs --yes.', { minimum: 0, default: 1_000_000 }),
    confirmFullBytes: option.integer('A full read of a table with more bytes on disk than this needs --yes.', { minimum: 0, default: 256 * 1024 * 1024 }),
  },
  needsOneOf: ['url', 'host'],
  samples: {
    strategies: ['head', 'random', 'full'],
    options: ['where'],
    hint: '--where takes one ClickHouse boolean expression over the table\'s columns (no table functions, SETTINGS or FORMAT).',
  },
  semantics: {
    reads: 'SELECT over HTTP with readonly=1, max_execution_time, max_result_rows and max_bytes_to_read on every query; random samples use the table\'s SAMPLE BY key.',
    order: 'head: the sorting key (ORDER BY) order; random: the SAMPLE clause\'s hash subset; full: the order parts are read in.',
  },
  contractServer: (definition, entity) => {
    const url = parsedUrl(definition.url);
    const [database, table] = entity.includes('.') ? [entity.slice(0, entity.indexOf('.')), entity.slice(entity.indexOf('.') + 1)] : [undefined, entity];
    const host = (definition as { host?: string }).host ?? url?.hostname ?? CONTRACT_TODO;
    const ssl = url?.protocol === 'clickhouses:' || (definition.options as { ssl?: unknown } | undefined)?.ssl === true;
    const written = (definition as { port?: unknown }).port ?? (url?.port ? Number(url.port) : undefined);
    return {
      type: 'clickhouse',
      host,
      // ODCS requires a port: an ${env:…} reference cannot be one, so the default port stands in.
      port: typeof written === 'number' ? written : ssl ? 8443 : 8123,
      database: database ?? (definition as { database?: string }).database ?? (url && url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : CONTRACT_TODO),
      description: `clickhouse source '${definition.name}', table ${table}. Credentials are not part of the contract.`,
    };
  },
});
