// What the AWS kinds built on the SDK share (SQS, Kinesis): where the source is (KIND://REGION[/NAME]
// [?endpoint=URL], the options taking precedence), the client settings that send credentials only to
// the endpoint they were configured for, and SDK errors restated with the source, the entity and the
// cause. A custom endpoint (moto, LocalStack) never gets the ambient AWS credential chain.
import { HeadwaterError, redact } from '../../../shared/errors.js';
import type { ResolvedSource } from '../driver.js';
import { option } from './options.js';

const SECRET = 'as ${secret:NAME} or ${env:VAR}, never literally';

/** The connection options every AWS kind takes, in its manifest's `options`. */
export const AWS_OPTIONS = {
  region: option.string('Region (default: the URL, else AWS_REGION, else us-east-1).', { form: { label: 'Region', placeholder: 'us-east-1' } }),
  endpoint: option.string('Endpoint URL of a compatible service (default: AWS). Credentials are sent only there.', { form: { label: 'Endpoint (empty for AWS)' } }),
  profile: option.string('A profile of ~/.aws/config to take credentials from (default: the AWS environment and profile chain).', { form: { label: 'AWS profile' } }),
  accessKeyId: option.string(`Access key id, ${SECRET}.`, { form: { label: 'Access key id', secret: true } }),
  secretAccessKey: option.string(`Secret access key, ${SECRET}.`, { form: { label: 'Secret access key', secret: true } }),
  sessionToken: option.string(`Session token for temporary credentials, ${SECRET}.`),
  requestTimeoutMs: option.integer('Timeout of one request, in milliseconds.', { minimum: 100, default: 15_000 }),
};

export interface AwsSettings {
  region?: string;
  endpoint?: string;
  profile?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  requestTimeoutMs: number;
}

export interface AwsLocation {
  region: string;
  endpoint?: string;
  /** The one queue or stream the source is limited to (the URL's path, or the kind's own option). */
  name?: string;
}

/** KIND://REGION[/NAME][?endpoint=URL], with the options taking precedence. */
export function awsLocation(source: ResolvedSource, title: string, settings: AwsSettings, name: string | undefined): AwsLocation {
  let fromUrl: Partial<AwsLocation> = {};
  if (source.url) {
    let url: URL;
    try {
      url = new URL(source.url);
    } catch {
      throw new HeadwaterError('usage', `${title} source '${source.name}': '${redact(source.url, source.secrets)}' is not a URL; write ${source.kind}://REGION[/NAME][?endpoint=URL].`, { source: source.name });
    }
    const path = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ''));
    const endpoint = url.searchParams.get('endpoint');
    fromUrl = { ...(url.hostname ? { region: url.hostname } : {}), ...(path ? { name: path } : {}), ...(endpoint ? { endpoint } : {}) };
  }
  const region = settings.region || fromUrl.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
  const endpoint = settings.endpoint || fromUrl.endpoint;
  const limited = name || fromUrl.name;
  return { region, ...(endpoint ? { endpoint } : {}), ...(limited ? { name: limited } : {}) };
}

/** Where the source is, for messages: the endpoint's host (never its credentials) or the AWS region. */
export function awsWhere(source: ResolvedSource, location: AwsLocation): string {
  if (!location.endpoint) return `AWS ${location.region}`;
  try {
    return `${new URL(location.endpoint).host} (${location.region})`;
  } catch {
    return `${redact(location.endpoint, source.secrets)} (${location.region})`;
  }
}

function isAwsEndpoint(endpoint: string): boolean {
  try {
    return /(^|\.)amazonaws\.com(\.cn)?$/.test(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

/** The SDK client configuration (region, endpoint, credentials) of a source; refuses to send ambient credentials to a non-AWS endpoint. */
export function awsClientConfig(source: ResolvedSource, title: string, settings: AwsSettings, location: AwsLocation): Record<string, unknown> {
  const accessKeyId = settings.accessKeyId || undefined;
  const secretAccessKey = settings.secretAccessKey || undefined;
  const explicit = accessKeyId && secretAccessKey;
  if ((accessKeyId || secretAccessKey) && !explicit) {
    throw new HeadwaterError('usage', `${title} source '${source.name}': accessKeyId and secretAccessKey go together; one is missing.`, { source: source.name });
  }
  const { region, endpoint } = location;
  if (endpoint && !isAwsEndpoint(endpoint) && !explicit && !settings.profile) {
    throw new HeadwaterError('usage', `${title} source '${source.name}': the endpoint ${awsWhere(source, location)} is not AWS, so the ambient AWS credentials are not sent to it; give the source its own credentials.`, {
      source: source.name, hint: 'Set options.accessKeyId and options.secretAccessKey (as ${secret:NAME} or ${env:VAR}) or options.profile.',
    });
  }
  return {
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(explicit ? { credentials: { accessKeyId, secretAccessKey, ...(settings.sessionToken ? { sessionToken: settings.sessionToken } : {}) } } : {}),
    ...(!explicit && settings.profile ? { profile: settings.profile } : {}),
    maxAttempts: 3,
  };
}

const CREDENTIAL_ERRORS = new Set(['UnrecognizedClientException', 'InvalidSignatureException', 'MissingAuthenticationTokenException', 'MissingAuthenticationToken',
  'ExpiredTokenException', 'InvalidClientTokenId', 'CredentialsProviderError', 'IncompleteSignatureException', 'SignatureDoesNotMatch', 'InvalidAccessKeyId', 'AuthFailure']);
const NETWORK = /(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH)/;

export interface AwsErrorContext {
  source: ResolvedSource;
  title: string;
  where: string;
  /** What was being done ("listing queues"). */
  what: string;
  entity?: string;
  /** The names (SDK error names) meaning the entity does not exist, and what to call it ("queue"). */
  notFound: { names: readonly string[]; noun: string };
  /** The permissions the kind needs, for an AccessDenied hint. */
  permissions: string;
}

/** An SDK or network error restated with the source, where it is, what was being done, and the cause. Secrets never show. */
export function awsError(c: AwsErrorContext, error: unknown): HeadwaterError {
  if (error instanceof HeadwaterError) return error;
  const e = error as { name?: string; code?: string; message?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.Code ?? e.name ?? 'Error';
  const { source, what, entity } = c;
  const data = { source: source.name, ...(entity ? { entity } : {}) };
  const say = (text: string) => redact(`${c.title} source '${source.name}' at ${c.where}: ${text}`, source.secrets);
  const message = (e.message ?? '').split('\n')[0]!;
  const status = e.$metadata?.httpStatusCode;
  if (name === 'AbortError') return new HeadwaterError('cancelled', say(`${what} was cancelled.`), data, { cause: error });
  if (CREDENTIAL_ERRORS.has(name) || (status === 403 && !/AccessDenied/.test(name))) {
    return new HeadwaterError('connection', say(`the credentials were refused while ${what} (${name}${status ? `, HTTP ${status}` : ''}).`), { ...data, hint: 'Check accessKeyId / secretAccessKey (as ${secret:NAME} or ${env:VAR}), the profile, or the AWS_* environment.' }, { cause: error });
  }
  if (/AccessDenied/.test(name)) return new HeadwaterError('connection', say(`access denied while ${what}.`), { ...data, hint: `The credentials work but lack permission (${c.permissions}).` }, { cause: error });
  if (c.notFound.names.includes(name)) {
    return new HeadwaterError('not_found', say(`${what}: ${entity ? `${c.notFound.noun} '${entity}' does not exist` : 'not found'} (${name}).`), data, { cause: error });
  }
  const network = e.code ?? NETWORK.exec(message)?.[1];
  if (network || name === 'TimeoutError') {
    const why = network === 'ECONNREFUSED' ? 'connection refused (ECONNREFUSED)' : network === 'ENOTFOUND' ? 'host not found (ENOTFOUND)' : `${network ?? name}${message ? `: ${message}` : ''}`;
    return new HeadwaterError('connection', say(`cannot reach the endpoint while ${what}: ${why}.`), data, { cause: error });
  }
  if (name === 'SyntaxError' || /Deserialization error/.test(e.message ?? '')) {
    return new HeadwaterError('source', say(`${what} failed: the endpoint answered${status ? ` HTTP ${status}` : ''} with a body the ${c.title} API does not send (is it a ${c.title} endpoint?).`), data, { cause: error });
  }
  if (['TypeError', 'RangeError', 'ReferenceError'].includes(name)) {
    // A fault of Headwater's, not of the source: the JS text says nothing to the user (the cause keeps it for the log).
    return new HeadwaterError('internal', say(`${what} failed inside Headwater's ${c.title} driver (${name}).`), { ...data, hint: 'Report it with the engine log.' }, { cause: error });
  }
  return new HeadwaterError('source', say(`${what} failed: ${name}${message && message !== name ? `: ${message}` : ''}`), data, { cause: error });
}
