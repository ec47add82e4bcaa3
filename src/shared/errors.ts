// Errors that cross process boundaries: a stable code plus a message naming source, entity and cause.

export type ErrorCode =
  | 'usage' | 'not_found' | 'connection' | 'source' | 'native_module' | 'workspace_locked' | 'cancelled' | 'internal';

export interface HeadwaterErrorData {
  code: ErrorCode;
  source?: string;
  entity?: string;
  hint?: string;
}

export class HeadwaterError extends Error {
  readonly code: ErrorCode;
  readonly source?: string;
  readonly entity?: string;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, data: Omit<HeadwaterErrorData, 'code'> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HeadwaterError';
    this.code = code;
    this.source = data.source;
    this.entity = data.entity;
    this.hint = data.hint;
  }

  get data(): HeadwaterErrorData {
    return { code: this.code, source: this.source, entity: this.entity, hint: this.hint };
  }
}

export function isHeadwaterErrorData(value: unknown): value is HeadwaterErrorData {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'string';
}

/** Replaces secret values and URL credentials in a message before it is logged or shown. */
export function redact(text: string, secrets: Iterable<string> = []): string {
  let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^/\s@]*@/gi, (_m, head: string) => `${head}:***@`);
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}

/** Why a fetch() failed: the network error's code (ECONNREFUSED...) rather than undici's "fetch failed". */
export function networkCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
