// The contract between runSample and its two landing paths (record batches through JS, one DuckDB
// INSERT … SELECT): what a path is handed (the sample's writer, limit and stop) and what it reports back.
import type { Provenance, SampleRequestOptions } from '../../shared/types.js';
import type { InferredSchema } from '../inference/index.js';
import type { PrivacyGate } from '../privacy/gate.js';
import type { SampleWriter } from '../workspace/landing.js';
import type { Workspace } from '../workspace/workspace.js';

export const PROGRESS_INTERVAL_MS = 250;
/**
 * How long after a stop the rows of a local copy the stop cut short (SampleStream.landsAfterStop)
 * are still taken, one batch at a time, or the parts of a spool landed (partsWhileReading): the rest of
 * the second a stop promises is left for finishing.
 */
export const LAND_AFTER_STOP_MS = 500;

/**
 * Whether a batch landing is over: at the stop, or for a copy the stop cut short, once
 * LAND_AFTER_STOP_MS have passed since it (`stoppedAt` and `now` in ms on one clock).
 */
export function landingOver(landsAfterStop: boolean, stoppedAt: number | undefined, now: number): boolean {
  if (stoppedAt === undefined) return false;
  return !landsAfterStop || now - stoppedAt >= LAND_AFTER_STOP_MS;
}

export interface SampleProgress {
  rows: number;
  bytes: number;
  message: string;
  fraction?: number;
}

/** What of a sample run's arguments a landing path uses. */
export interface LandingArgs {
  workspace: Workspace;
  options: SampleRequestOptions;
  onProgress?: (progress: SampleProgress) => void;
  log: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

export type StopReason = 'cancelled' | 'time budget' | 'byte budget';

/** What one landing path reports back. */
export interface Landed {
  bytes: number;
  rejected: number;
  failure?: unknown;
  /** Set when the landing path itself says why the sample ended as it did. */
  detail?: string;
  /** A stop that came too late to cut the read short does not make the sample partial. */
  stopMattered: boolean;
  /** The query that was finally used, when it differs from the one the sample began with. */
  query?: string;
  /** The unreadable records with where some of them were, when the driver said. */
  rejectedDetail?: string;
  /** Inferred while landing, for rows that passed through JS. */
  inferred?: InferredSchema;
  /** Provenance of the last row landed (for incremental samples, the high-water mark). */
  lastProvenance?: Provenance;
}

export interface Landing {
  id: string;
  writer: SampleWriter;
  limit: number;
  stop: AbortController;
  stopReason: () => StopReason | undefined;
  halt: (reason: StopReason) => void;
  /** When the read was stopped (performance.now()), or undefined while it runs. */
  stoppedAt: () => number | undefined;
  /** Bytes the driver counted before handing over (DriverContext.countBytes). */
  readBeforeLanding: () => number;
  /** Detection and the privacy policy: every row passes it before it lands. */
  privacy: PrivacyGate;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
