// Keys and values as landed. `auto` decodes the Confluent wire format (magic byte 0 + 4-byte schema
// id) through the schema registry when one is configured (Avro, Protobuf, JSON Schema), else JSON,
// else UTF-8 text, else bytes. A record whose schema id the registry does not know is rejected with
// that reason; the rest of the sample lands.
import { schemaRegistryModule, type KafkaSettings } from './connection.js';

export type PayloadEncoding = 'auto' | 'json' | 'string' | 'hex' | 'base64' | 'registry';
export type DecodedFormat = 'json' | 'string' | 'hex' | 'base64' | 'avro' | 'protobuf' | 'json-schema' | 'empty';

export interface Decoded {
  /** JSON text for the JSON column, or null. */
  json: string | null;
  format: DecodedFormat;
  schemaId?: number;
}

export class RecordDecodeError extends Error {}

/** A key or value for the spool: JSON text, or (format `auto`) the bytes in base64 for DuckDB to classify. */
export interface Spooled { text: string | null; format: DecodedFormat | 'auto'; schemaId?: number }

function spooled(decoded: Decoded): Spooled {
  return { text: decoded.json, format: decoded.format, ...(decoded.schemaId !== undefined ? { schemaId: decoded.schemaId } : {}) };
}

interface Registry {
  decode(buffer: Buffer): Promise<unknown>;
  getSchema(id: number): Promise<unknown>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class PayloadDecoder {
  private registry: Promise<Registry> | undefined;
  private readonly schemaTypes = new Map<number, Promise<DecodedFormat>>();

  constructor(private readonly settings: KafkaSettings, private readonly keyEncoding: PayloadEncoding, private readonly valueEncoding: PayloadEncoding) {}

  decodeKey(data: Buffer | null): Decoded | Promise<Decoded> {
    return this.decode(data, this.keyEncoding);
  }

  decodeValue(data: Buffer | null): Decoded | Promise<Decoded> {
    return this.decode(data, this.valueEncoding);
  }

  /**
   * For the spool DuckDB lands from: under `auto`, the bytes go as base64 (no escaping, no UTF-8
   * pass in JS) and DuckDB tells JSON from text from bytes; everything else is decoded here.
   */
  spool(data: Buffer | null, which: 'key' | 'value'): Spooled | Promise<Spooled> {
    const encoding = which === 'key' ? this.keyEncoding : this.valueEncoding;
    if (encoding === 'auto' && data && data.length && !(data[0] === 0 && data.length >= 5 && this.settings.schemaRegistry)) {
      return { text: data.toString('base64'), format: 'auto' };
    }
    const decoded = this.decode(data, encoding);
    return decoded instanceof Promise ? decoded.then(spooled) : spooled(decoded);
  }

  /** Whether the spool may copy these bytes as they are (`auto`, and not in the registry's wire format). */
  spoolsRaw(buffer: Buffer, start: number, end: number, which: 'key' | 'value'): boolean {
    if ((which === 'key' ? this.keyEncoding : this.valueEncoding) !== 'auto') return false;
    return start < 0 || end === start || !(buffer[start] === 0 && end - start >= 5 && this.settings.schemaRegistry);
  }

  /** Synchronous unless the registry is involved, so plain JSON topics decode without awaiting per record. */
  private decode(data: Buffer | null, encoding: PayloadEncoding): Decoded | Promise<Decoded> {
    if (data === null || data.length === 0) return { json: null, format: 'empty' };
    switch (encoding) {
      case 'hex': return { json: JSON.stringify(data.toString('hex')), format: 'hex' };
      case 'base64': return { json: JSON.stringify(data.toString('base64')), format: 'base64' };
      case 'string': return { json: JSON.stringify(data.toString('utf8')), format: 'string' };
      case 'registry': return this.viaRegistry(data);
      case 'json': {
        const text = data.toString('utf8');
        try {
          JSON.parse(text);
        } catch (error) {
          throw new RecordDecodeError(`not JSON: ${(error as Error).message}`);
        }
        return { json: text, format: 'json' };
      }
      default: {
        if (data[0] === 0 && data.length >= 5 && this.settings.schemaRegistry) return this.viaRegistry(data);
        let text: string;
        try {
          text = utf8.decode(data);
        } catch {
          return { json: JSON.stringify(data.toString('base64')), format: 'base64' };
        }
        const first = text.charCodeAt(0);
        // JSON documents and scalars; a plain word stays text.
        if (first === 123 || first === 91 || first === 34 || (first >= 48 && first <= 57) || first === 45 || text === 'true' || text === 'false' || text === 'null') {
          try {
            JSON.parse(text);
            return { json: text, format: 'json' };
          } catch {
            // text that only looks like JSON
          }
        }
        return { json: JSON.stringify(text), format: 'string' };
      }
    }
  }

  private async viaRegistry(data: Buffer): Promise<Decoded> {
    if (data[0] !== 0 || data.length < 5) throw new RecordDecodeError(`not in the schema registry's wire format (magic byte ${data[0]}, ${data.length} bytes)`);
    const schemaId = data.readInt32BE(1);
    const registry = await this.client();
    const format = await this.formatOf(registry, schemaId);
    let value: unknown;
    try {
      value = await registry.decode(data);
    } catch (error) {
      throw new RecordDecodeError(`schema id ${schemaId}: ${(error as Error).message}`);
    }
    const plain = format === 'protobuf' && value && typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON(): unknown }).toJSON() : value;
    return { json: JSON.stringify(plain, jsonReplacer), format, schemaId };
  }

  private formatOf(registry: Registry, schemaId: number): Promise<DecodedFormat> {
    let pending = this.schemaTypes.get(schemaId);
    if (!pending) {
      pending = registry.getSchema(schemaId).then(
        (schema) => {
          const name = (schema as { constructor?: { name?: string } }).constructor?.name ?? '';
          return /proto/i.test(name) ? 'protobuf' : /json/i.test(name) ? 'json-schema' : 'avro';
        },
        (error: unknown) => {
          const status = (error as { status?: number }).status;
          throw new RecordDecodeError(status === 404
            ? `unknown schema id ${schemaId}: the registry at ${this.settings.schemaRegistry?.url} has no such schema`
            : `schema id ${schemaId} could not be read from the registry at ${this.settings.schemaRegistry?.url}: ${(error as Error).message}`);
        },
      );
      this.schemaTypes.set(schemaId, pending);
    }
    return pending;
  }

  private client(): Promise<Registry> {
    const config = this.settings.schemaRegistry;
    if (!config) return Promise.reject(new RecordDecodeError('the value is in the schema registry wire format but the source names no schemaRegistry'));
    this.registry ??= schemaRegistryModule().then(({ SchemaRegistry }) => new SchemaRegistry({
      host: config.url,
      ...(config.username ? { auth: { username: config.username, password: config.password ?? '' } } : {}),
    }, { forSchemaOptions: { wrapUnions: false } }) as unknown as Registry);
    return this.registry;
  }
}

/** Avro longs, bytes and fixed land as JSON: bigints as text, buffers as base64. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return Buffer.from((value as { data: number[] }).data).toString('base64');
  }
  return value;
}

/** Header values are bytes: UTF-8 text when they are, else base64; repeated names become lists. */
export function headersText(headers: Record<string, Buffer | Buffer[] | undefined> | undefined): string | null {
  if (!headers) return null;
  const names = Object.keys(headers);
  if (!names.length) return null;
  const text = (b: Buffer | undefined): string | null => {
    if (!b) return null;
    try {
      return utf8.decode(b);
    } catch {
      return b.toString('base64');
    }
  };
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const value = headers[name];
    out[name] = Array.isArray(value) ? value.map(text) : text(value);
  }
  return JSON.stringify(out);
}
