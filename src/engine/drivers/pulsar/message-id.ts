// Pulsar message ids: the WebSocket API passes them as the base64 of the MessageIdData protobuf
// (ledgerId = 1, entryId = 2, partition = 3, batch_index = 4; other fields are not positions). No
// npm protobuf schema of Pulsar's wire format is maintained, and four varints do not justify one:
// read and written here. Shown to people as ledger:entry:partition:batch, as Pulsar's tools print them.

export interface MessageId {
  ledger: bigint;
  entry: bigint;
  partition: number;
  batch: number;
  /** Messages in the batch this one came in (0 or absent: not batched). */
  batchSize?: number;
}

function readVarint(bytes: Uint8Array, at: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  for (let i = at; i < bytes.length; i++) {
    const byte = bytes[i]!;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [value, i + 1];
    shift += 7n;
    if (shift > 63n) break;
  }
  throw new Error('a truncated varint');
}

function writeVarint(value: bigint, out: number[]): void {
  let rest = BigInt.asUintN(64, value);
  do {
    let byte = Number(rest & 0x7fn);
    rest >>= 7n;
    if (rest) byte |= 0x80;
    out.push(byte);
  } while (rest);
}

const signed64 = (v: bigint) => BigInt.asIntN(64, v);
const signed32 = (v: bigint) => Number(BigInt.asIntN(32, v));

/** A message id from its base64 protobuf; throws on anything else. */
export function decodeMessageId(base64: string): MessageId {
  const bytes = Buffer.from(base64, 'base64');
  const id: MessageId = { ledger: -1n, entry: -1n, partition: -1, batch: -1 };
  let at = 0;
  let seen = 0;
  while (at < bytes.length) {
    const [key, next] = readVarint(bytes, at);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    at = next;
    if (wire === 0) {
      const [value, after] = readVarint(bytes, at);
      at = after;
      if (field === 1) id.ledger = signed64(value);
      else if (field === 2) id.entry = signed64(value);
      else if (field === 3) id.partition = signed32(value);
      else if (field === 4) id.batch = signed32(value);
      else if (field === 6) id.batchSize = signed32(value);
      seen |= field <= 2 ? field : 0;
    } else if (wire === 2) {
      const [length, after] = readVarint(bytes, at);
      at = after + Number(length);
    } else {
      throw new Error(`an unexpected protobuf wire type ${wire}`);
    }
  }
  if (seen !== 3 || at !== bytes.length) throw new Error('not a Pulsar message id');
  return id;
}

/** The base64 protobuf the WebSocket reader takes as its start (exclusive). */
export function encodeMessageId(id: MessageId): string {
  const out: number[] = [0x08];
  writeVarint(id.ledger, out);
  out.push(0x10);
  writeVarint(id.entry, out);
  if (id.partition >= 0) {
    out.push(0x18);
    writeVarint(BigInt(id.partition), out);
  }
  if (id.batch >= 0) {
    out.push(0x20);
    writeVarint(BigInt(id.batch), out);
  }
  return Buffer.from(out).toString('base64');
}

export function formatMessageId(id: MessageId): string {
  return `${id.ledger}:${id.entry}:${id.partition}:${id.batch}`;
}

/**
 * A message id as a person writes it: ledger:entry[:partition[:batch]] (Pulsar's tools print this
 * form) or the base64 the WebSocket API and a sample's provenance carry. Undefined when it is neither.
 */
export function parseMessageId(text: string): MessageId | undefined {
  const parts = /^(-?\d{1,19}):(-?\d{1,19})(?::(-?\d{1,10}))?(?::(-?\d{1,10}))?$/.exec(text.trim());
  if (parts) return { ledger: BigInt(parts[1]!), entry: BigInt(parts[2]!), partition: parts[3] ? Number(parts[3]) : -1, batch: parts[4] ? Number(parts[4]) : -1 };
  if (!/^[A-Za-z0-9+/]+=*$/.test(text.trim()) || text.trim().length < 4) return undefined;
  try {
    return decodeMessageId(text.trim());
  } catch {
    return undefined;
  }
}

/** Order within one topic or partition: ledger, entry, then batch index (-1, a whole entry, first). */
export function compareMessageIds(a: Pick<MessageId, 'ledger' | 'entry' | 'batch'>, b: Pick<MessageId, 'ledger' | 'entry' | 'batch'>): number {
  if (a.ledger !== b.ledger) return a.ledger < b.ledger ? -1 : 1;
  if (a.entry !== b.entry) return a.entry < b.entry ? -1 : 1;
  return Math.max(a.batch, -1) - Math.max(b.batch, -1);
}

/** Whether `id` is past `last` (an id whose batch index is -1 stands for its whole entry). */
export function isPast(id: MessageId, last: MessageId): boolean {
  if (last.batch < 0) return compareMessageIds({ ...id, batch: -1 }, last) > 0;
  return compareMessageIds(id, last) > 0;
}

/** Whether `id` is the last message up to `last`: its entry and batch index, or the entry's final message. */
export function reaches(id: MessageId, last: MessageId): boolean {
  if (last.batch >= 0 || id.batch < 0) return compareMessageIds(id, last) >= 0;
  const entry = compareMessageIds({ ...id, batch: -1 }, last);
  return entry > 0 || (entry === 0 && id.batch >= (id.batchSize ?? 0) - 1);
}

/**
 * The exclusive start that makes the reader deliver `id` first: the entry before it (entry -1 of a
 * ledger is before its first entry). Messages of a batch before `id.batch` are skipped by the reader.
 */
export function startBefore(id: MessageId): MessageId {
  return { ledger: id.ledger, entry: id.entry - 1n, partition: id.partition, batch: -1 };
}
