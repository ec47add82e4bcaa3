// Options several kinds share, said once: the relational connection and its guards (PostgreSQL,
// MySQL), the HTTP client's bounds (HTTP, REST, GraphQL), the API client (REST, GraphQL) and the data
// file format (files, HTTP downloads, S3 objects). Each kind's manifest spreads the groups it takes.
import type { RestPaginator } from '../../../shared/rest.js';
import { option, type FormHint, type OptionsOf } from './options.js';
import type { SampleSupport } from './sample-support.js';

const SECRET_NOTE = 'write ${secret:NAME} or ${env:VAR}, never the value itself';

/** A TCP port: a number, or a text of digits or one ${env:VAR} reference (resolved before the check that counts). */
export function portField(description: string, form?: FormHint, fallback?: number) {
  return option.shaped<number | string>({ type: ['integer', 'string'], default: fallback, minimum: 1, maximum: 65535, pattern: '^([0-9]{1,5}|\\$\\{(env|secret):[A-Za-z_][A-Za-z0-9_.-]*\\})$', description }, form);
}

/** Top-level fields of a relational source (a URL's parts are overridden by these). */
export function relationalFields(server: string, defaultPort: number, example: string) {
  return {
    url: option.string(`Connection URL, e.g. ${example}. May hold \${secret:NAME} and \${env:VAR} references (the password as \${secret:NAME}, never literally).`, { form: { label: 'URL', placeholder: example } }),
    host: option.string(`${server} server host name or address (instead of a URL; a URL's parts are overridden by these fields).`, { form: { label: 'Host', placeholder: 'localhost' } }),
    port: portField(`${server} server port (default ${defaultPort}).`, { label: 'Port', placeholder: String(defaultPort) }),
    database: option.string(`The database to connect to (others stay browsable where the server allows).`, { form: { label: 'Database' } }),
    user: option.string('The role or user to connect as. A read-only role is best; Headwater\'s sessions are read-only anyway.', { form: { label: 'User' } }),
    password: option.string(`The password: ${SECRET_NOTE}.`, { form: { label: 'Password', secret: true } }),
    replica: option.shaped<string | Record<string, unknown>>({
      type: ['string', 'object'],
      additionalProperties: false,
      properties: {
        url: { type: 'string' }, host: { type: 'string' }, port: { type: ['integer', 'string'] }, database: { type: 'string' },
        user: { type: 'string' }, password: { type: 'string' }, sslmode: { type: 'string' },
      },
      description: 'A read replica, as a URL or as fields over this source\'s own (host, port, user, password...). Samples read from it by default (--primary reads the primary); a sample names it in its status when the server it reached is a primary.',
    }),
  };
}

/** TLS, timeouts and cost guards of a relational source. */
export function relationalOptions(server: string, timeouts: { statement: string; lock: string }) {
  return {
    sslmode: option.oneOf(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'DISABLED', 'PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'],
      'TLS. disable/prefer: no TLS; require: encrypted, server not verified; verify-ca: the certificate chain is verified; verify-full: chain and host name are verified. MySQL\'s ssl-mode names are accepted too. Default: the URL\'s sslmode, else disable.'),
    sslrootcert: option.string('PEM file of the CA that signed the server certificate (relative to the workspace folder).'),
    sslcert: option.string('PEM client certificate, for servers that require one.'),
    sslkey: option.string('PEM client key for sslcert.'),
    statementTimeoutMs: option.integer(`Longest a single statement may run (${timeouts.statement}), in milliseconds.`, { minimum: 1, default: 30_000 }),
    lockTimeoutMs: option.integer(`Longest a statement waits for a lock (${timeouts.lock}), in milliseconds.`, { minimum: 1, default: 2_000 }),
    connectTimeoutMs: option.integer(`How long to wait for the ${server} server to answer a connection, in milliseconds (a URL's connect_timeout wins).`, { minimum: 1, default: 10_000 }),
    maxScanRows: option.integer('A sample whose EXPLAIN estimates it scans more rows than this is refused before reading (unless --allow-scan).', { minimum: 0, default: 5_000_000 }),
    confirmFullRows: option.integer('A full read of a table the catalog estimates above this many rows needs --yes.', { minimum: 0, default: 100_000 }),
    confirmFullBytes: option.integer('A full read of a table above this many bytes needs --yes.', { minimum: 0, default: 256 * 1024 * 1024 }),
  };
}
export type RelationalSettings = OptionsOf<ReturnType<typeof relationalFields>> & OptionsOf<ReturnType<typeof relationalOptions>>;

/** Bounds of every HTTP exchange. */
export const httpClientOptions = {
  headers: option.stringMap(`Request headers (${SECRET_NOTE} for credentials).`),
  connectTimeoutMs: option.integer('Longest wait for the TCP/TLS connection, in milliseconds.', { minimum: 1, default: 10_000 }),
  timeoutMs: option.integer('Longest wait from the connection to the first byte of the answer, in milliseconds.', { minimum: 1, default: 30_000 }),
  idleTimeoutMs: option.integer('Longest silence between two chunks of a response body, in milliseconds.', { minimum: 1, default: 30_000 }),
  allowCrossOrigin: option.boolean('Follow a next link or redirect to another origin than the URL\'s (scheme, host, port), without any credential. Default: refused when the source has credentials (auth, headers, secrets), followed otherwise; the sample\'s status names it.'),
};
export type HttpClientSettings = OptionsOf<typeof httpClientOptions>;

export type ApiAuth =
  | { type: 'bearer'; token: string }
  | { type: 'basic'; username: string; password: string }
  | { type: 'apiKey' | 'api-key'; in?: 'header' | 'query'; name?: string; value: string }
  | { type: 'oauth2' | 'oauth2-client-credentials'; tokenUrl: string; clientId: string; clientSecret: string; scopes?: string[] };

const text = { type: 'string', minLength: 1 };

/** A polite API client: authentication, paging and retry bounds (REST, GraphQL). */
export const apiClientOptions = {
  ...httpClientOptions,
  auth: option.shaped<ApiAuth>({
    type: 'object',
    required: ['type'],
    discriminator: { propertyName: 'type' },
    oneOf: [
      { additionalProperties: false, required: ['type', 'token'], properties: { type: { const: 'bearer' }, token: text } },
      { additionalProperties: false, required: ['type', 'username', 'password'], properties: { type: { const: 'basic' }, username: text, password: text } },
      { additionalProperties: false, required: ['type', 'value'], properties: { type: { enum: ['apiKey', 'api-key'] }, in: { enum: ['header', 'query'] }, name: text, value: text } },
      {
        additionalProperties: false, required: ['type', 'tokenUrl', 'clientId', 'clientSecret'],
        properties: { type: { enum: ['oauth2', 'oauth2-client-credentials'] }, tokenUrl: text, clientId: text, clientSecret: text, scopes: { type: 'array', items: { type: 'string' } } },
      },
    ],
    description: `bearer {token}, basic {username, password}, apiKey {in: header|query, name, value} or oauth2 client credentials {tokenUrl, clientId, clientSecret, scopes}; ${SECRET_NOTE} for every secret.`,
  }),
  maxPages: option.integer('Most pages one sample reads.', { minimum: 1, default: 1000 }),
  maxResponseBytes: option.integer('Largest response body of one request, refused without reading it all (default 64 MiB).', { minimum: 1, default: 64 * 1024 * 1024 }),
  maxRetries: option.integer('Retries of one request after 429/5xx/network errors.', { minimum: 0, default: 6 }),
  retryBaseMs: option.integer('First backoff step in milliseconds, doubled per retry with jitter; also the floor under Retry-After: 0.', { minimum: 1, default: 500 }),
  retryMaxMs: option.integer('Longest single wait in milliseconds for Retry-After, rate-limit resets and backoff.', { minimum: 1, default: 60_000 }),
};
export type ApiClientSettings = OptionsOf<typeof apiClientOptions>;

/** A REST endpoint listed by hand: its path, or the path with what sampling needs (kit/rest/config.ts reads it). */
export type EndpointSetting = string | {
  path: string; name?: string; params?: Record<string, string | number | boolean>; recordPath?: string | string[];
  paginator?: RestPaginator; tags?: string[]; summary?: string;
};

/** What a data file's samples support (file, HTTP, S3): a filter is a query on the sample. */
export const FILE_SAMPLES: SampleSupport = {
  strategies: ['head', 'random', 'full'],
  options: [],
  hint: 'To filter, sample the file and query the sample: headwater query "SELECT * FROM samples.<id> WHERE …".',
};

/** How a data file is read (the extension and the sniffer decide what these leave open). */
export const fileFormatOptions = {
  format: option.oneOf(['csv', 'tsv', 'json', 'ndjson', 'jsonl', 'json-lines', 'jsonlines', 'parquet'], 'The format, instead of the one the file extension gives.'),
  compression: option.oneOf(['gzip', 'gz', 'none'], 'gzip, instead of what the .gz extension says.'),
  delimiter: option.string('CSV: the column separator (default: sniffed; tab for TSV).', { minLength: 1 }),
  header: option.boolean('CSV: whether the first line names the columns (default: sniffed).'),
  quote: option.string('CSV: the quote character (default: sniffed).'),
  escape: option.string('CSV: the escape character (default: sniffed).'),
  nullstr: option.string('CSV: the text that stands for NULL.'),
};
export type FileFormatSettings = OptionsOf<typeof fileFormatOptions>;
