// Message payloads as landed: JSON stays JSON (so inference sees its fields), UTF-8 text becomes a
// JSON string, anything else base64. The format column says which.
import type { Field } from '../../shared/types.js';

export type PayloadFormat = 'json' | 'text' | 'base64' | 'empty';

export interface DecodedPayload {
  /** JSON text, as the workspace's JSON columns take it. */
  json: string | null;
  format: PayloadFormat;
  bytes: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodePayload(data: Uint8Array | string | null | undefined): DecodedPayload {
  if (data === null || data === undefined || data.length === 0) return { json: null, format: 'empty', bytes: 0 };
  let text: string;
  const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  if (typeof data === 'string') {
    text = data;
  } else {
    try {
      text = utf8.decode(data);
    } catch {
      return { json: JSON.stringify(Buffer.from(data).toString('base64')), format: 'base64', bytes };
    }
  }
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      JSON.parse(text);
      return { json: text, format: 'json', bytes };
    } catch {
      // text that only looks like JSON
    }
  }
  return { json: JSON.stringify(text), format: 'text', bytes };
}

/** The three payload columns every message driver lands, after its own metadata columns. */
export const PAYLOAD_FIELDS: Field[] = [
  { name: 'payload', type: 'json', duckType: 'JSON', nullable: true },
  { name: 'payload_format', type: 'string', duckType: 'VARCHAR', nullable: false },
  { name: 'payload_bytes', type: 'integer', duckType: 'INTEGER', nullable: false },
];

export function payloadCells(p: DecodedPayload): unknown[] {
  return [p.json, p.format, p.bytes];
}

/** Message headers as a JSON object (values that are buffers become text). */
export function headersJson(headers: Record<string, unknown> | undefined): string | null {
  if (!headers || Object.keys(headers).length === 0) return null;
  return JSON.stringify(headers, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
      return Buffer.from((value as { data: number[] }).data).toString('utf8');
    }
    return value;
  });
}
