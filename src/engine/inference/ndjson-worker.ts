// Worker thread entry for inferNdjsonFile: infers one byte range and posts its state back.
import { parentPort, workerData } from 'node:worker_threads';
import type { InferenceLimits } from './types.js';
import { inferNdjsonRange } from './ndjson.js';

const { file, start, end, limits } = workerData as { file: string; start: number; end: number; limits: Partial<InferenceLimits> };

inferNdjsonRange(file, start, end, limits).then(
  (result) => parentPort!.postMessage({ result }),
  (error: unknown) => parentPort!.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
);
