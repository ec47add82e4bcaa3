// kafkajs decodes gzip by itself; topics compressed with snappy, lz4 or zstd (the usual producer
// settings) need codecs registered. Pure-JS decoders, since the native kafkajs codec packages do
// not build here (kafkajs-lz4 needs lz4 0.6, @kafkajs/zstd needs cppzst): kafkajs-snappy (xerial
// framing, as Kafka's snappy-java writes it), lz4js (LZ4 frames) and fzstd (zstd frames).
// Headwater only reads, so compressing is refused.
import { lazyModule } from '../kit/lazy.js';

export type KafkajsModule = typeof import('kafkajs');

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

function readOnly(name: string, decompress: (buffer: Buffer) => Uint8Array | number[]): () => Codec {
  return () => ({
    compress: () => Promise.reject(new Error(`Headwater never produces to Kafka (${name} compression is for reading only)`)),
    decompress: async (buffer) => {
      const out = decompress(buffer);
      if (Buffer.isBuffer(out)) return out;
      return out instanceof Uint8Array ? Buffer.from(out.buffer, out.byteOffset, out.byteLength) : Buffer.from(out);
    },
  });
}

const decoders = lazyModule('kafkajs-snappy, lz4js and fzstd', () => Promise.all([
  import('kafkajs-snappy').then((m) => m.default),
  import('lz4js').then((m) => (m as unknown as { default?: typeof m }).default ?? m),
  import('fzstd'),
]));

/** Registers the snappy, lz4 and zstd decoders with kafkajs (once: kafkajsModule() loads kafkajs once). */
export async function registerCodecs(kafkajs: KafkajsModule): Promise<void> {
  const [snappy, lz4, zstd] = await decoders();
  const { CompressionCodecs, CompressionTypes } = kafkajs;
  const codecs = CompressionCodecs as unknown as Record<number, () => Codec>;
  codecs[CompressionTypes.Snappy] = snappy;
  codecs[CompressionTypes.LZ4] = readOnly('lz4', (buffer) => lz4.decompress(buffer));
  codecs[CompressionTypes.ZSTD] = readOnly('zstd', (buffer) => zstd.decompress(buffer));
}
