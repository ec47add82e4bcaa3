// Broker connections that read each Kafka response straight into one buffer of its size. kafkajs's
// own socket hands it a new 64 KiB buffer per read and joins a response's reads into one buffer once
// it is complete: for 16 MiB Fetch responses that is every byte copied once more, and a stream of
// large allocations whose external-memory pressure made V8 collect garbage 60-80 times per GB
// (measured: ~2 s of GC and ~1 s of copying per 1M ~1 KB records, on the thread that also spools).
// Node's `onread` lets us choose the buffer each read lands in: the 4-byte size first, then exactly
// the rest of that response, which kafkajs then gets whole, as one chunk (it joins nothing). Large
// response buffers come from a small pool: the reader gives each back (releaseFrame) once its
// records were walked, so a read of any length allocates a few of them.
import { connect, type Socket } from 'node:net';
import type { ISocketFactory } from 'kafkajs';

const KEEP_ALIVE_MS = 60_000;
/** Kafka's own cap on a response (socket.request.max.bytes is far smaller): a larger size is a broken stream. */
const MAX_FRAME = 1024 * 1024 * 1024;
/** Responses this large are read into pooled buffers (Fetch responses); smaller ones into their own. */
const POOLED_FROM = 1024 * 1024;
/** One response being walked and the next one arriving. */
const POOLED_MAX = 2;
const free: Buffer[] = [];
/** Pooled buffers lent out, by the memory they hold (a view of it finds its buffer). */
const lent = new WeakMap<ArrayBufferLike, Buffer>();

function frameOf(length: number): Buffer {
  if (length < POOLED_FROM) return Buffer.allocUnsafe(length);
  const at = free.findIndex((b) => b.length >= length);
  const whole = at >= 0 ? free.splice(at, 1)[0]! : Buffer.allocUnsafe(length);
  lent.set(whole.buffer, whole);
  return whole.subarray(0, length);
}

/**
 * Gives back the pooled buffer a response was read into, given any view of it: call it only once
 * nothing reads that response any more (its next use overwrites it). Other views are ignored.
 */
export function releaseFrame(view: Uint8Array): void {
  const whole = lent.get(view.buffer);
  if (!whole) return;
  lent.delete(view.buffer);
  if (free.length < POOLED_MAX) free.push(whole);
}

// @ts-expect-error kafkajs ships no types for its internal modules.
const connectionClass = (): Promise<{ prototype: Record<string | symbol, unknown> }> => import('kafkajs/src/network/connection.js').then((m: { default: { prototype: Record<string | symbol, unknown> } }) => m.default);
const JOINS_NOTHING = Symbol('headwater: joins nothing');

/**
 * kafkajs keeps the empty rest of each response as a pending chunk, so the next response, though it
 * arrives whole, was copied to be joined to it: that empty chunk is dropped first.
 */
export async function joinNothing(): Promise<void> {
  const { prototype } = await connectionClass();
  if (prototype[JOINS_NOTHING]) return;
  const processData = prototype.processData;
  if (typeof processData !== 'function') throw new Error('this kafkajs version reads responses another way; pin kafkajs 2.2.x');
  prototype.processData = function (this: { chunks: Buffer[] }, raw: Buffer) {
    if (this.chunks.length === 1 && this.chunks[0]!.length === 0) this.chunks = [];
    return (processData as (raw: Buffer) => unknown).call(this, raw);
  };
  prototype[JOINS_NOTHING] = true;
}

/** Plain TCP connections framed as above (TLS and tunnelled connections keep kafkajs's socket). */
export const framedSockets: ISocketFactory = ({ host, port, onConnect }) => {
  const header = Buffer.allocUnsafe(4);
  let headerFilled = 0;
  let frame: Buffer | undefined;
  let filled = 0;
  // eslint-disable-next-line prefer-const -- the read callbacks below need it before connect() returns
  let socket: Socket;
  const deliver = (complete: Buffer) => {
    frame = undefined;
    socket.emit('data', complete);
  };
  const started = (size: number) => {
    if (size < 0 || size > MAX_FRAME) {
      socket.destroy(new Error(`Kafka broker ${host}:${port} sent a response of ${size} bytes: the connection is out of step`));
      return;
    }
    frame = frameOf(4 + size);
    header.copy(frame, 0);
    filled = 4;
    headerFilled = 0;
    if (size === 0) deliver(frame);
  };
  socket = connect({
    host,
    port,
    onread: {
      // The next read goes where the stream is: the rest of the size, or the rest of this response (never past it).
      buffer: () => (frame ? frame.subarray(filled) : header.subarray(headerFilled)),
      callback: (bytes: number) => {
        if (frame) {
          filled += bytes;
          if (filled === frame.length) deliver(frame);
        } else {
          headerFilled += bytes;
          if (headerFilled === 4) started(header.readInt32BE(0));
        }
        return true;
      },
    },
  }, onConnect);
  socket.setKeepAlive(true, KEEP_ALIVE_MS);
  return socket;
};
