// What a backend of the conformance suite describes: how to start the real server (or in-process
// fixture) of one source kind, the sources.yaml entries pointing at it, the entities the checks
// read, and which checks the kind cannot pass by nature (skipped, with why) or does not pass yet
// because the driver is wrong (known gaps, reported as todo, with why).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SampleRequestOptions } from '../../src/shared/types.js';

/** The checks every backend runs (conformance.ts). */
export const CHECKS = {
  describe: 'describe works when reachable and fails clearly when not',
  browse: "browse's root leads to the fixture entity",
  limit: 'limit: 10 lands 10 rows, each with provenance',
  maxBytes: 'max-bytes stops the sample and keeps a partial sample',
  maxSeconds: 'max-seconds stops the sample and keeps a partial sample',
  cancel: 'a cancel stops within a second and the sample is recorded as cancelled',
  unknownEntity: 'an unknown entity gives an error naming the source and the entity',
  unsupportedOptions: "a strategy or sample option the kind's manifest does not list is refused by name, and nothing lands",
  secrets: 'secrets appear in no error, log line, catalog row, sample row or workspace file',
  statementLog: 'the server saw only reads',
} as const;

export type Check = keyof typeof CHECKS;

/** What a started backend gives the checks. */
export interface Started {
  /** The sources.yaml entry (a YAML mapping, no leading dash) of the reachable source. */
  source: string;
  /** The same source where nothing answers (a closed port, a missing path); undefined when `supports.describe` says why not. */
  unreachable?: {
    source: string;
    /** What the error must name: host:port or path. */
    where: string;
  };
  /** A source (sources.yaml entry) whose long read is slow on purpose, for the budget and cancel checks, where the fixture source reads too fast to stop. */
  longSource?: string;
  /** `${secret:NAME}` values the engine's lookupSecrets returns. */
  secrets?: Record<string, string>;
  /** `${env:VAR}` values set while the suite runs. */
  env?: Record<string, string>;
  /**
   * Statements or commands Headwater sent that are not reads, from the server's own log, and how
   * many it sent in all. Only where the server keeps such a log.
   */
  statementLog?(): Promise<{ seen: number; notReads: string[] }>;
  stop(): Promise<void>;
}

/** A reason why a check does not apply to a kind (a skip), or true. */
export type Support = true | string;

export interface Backend {
  kind: string;
  /** Names a second backend of the same kind (a fixture of another shape) in the suite's title. */
  variant?: string;
  /** node:test `skip` value for the whole file: a missing service outside CI, false under CI. */
  skipReason(): string | false;
  start(): Promise<Started>;
  fixture: {
    /** The entity holding at least `rows` records (or, for live taps, receiving them while sampled). */
    entity: string;
    rows: number;
    /** Node ids from the root down to the node that lists the entity ([] when the root lists it). */
    browsePath: string[];
    /** Options every sample of it takes (a tap's window...). */
    options?: SampleRequestOptions;
  };
  /** What max-seconds and cancel read: an entity that takes several seconds to read whole (default: the fixture). */
  long?: { entity: string; options?: SampleRequestOptions };
  unknownEntity: string;
  /** What an unreachable source's error must say about the cause. */
  unreachableCause?: RegExp;
  /**
   * Set when the kind lands its rows in one DuckDB statement, all of them or none: a stop during the
   * read keeps no rows (the sample is still partial, and says so).
   */
  landsAtomically?: string;
  supports: Record<Check, Support>;
  /** Checks that fail today because the driver is wrong: reported as todo with the reason, until fixed. */
  knownGaps?: Partial<Record<Check, string>>;
}

/** Every check supported: spread it and override what a kind cannot do. */
export const ALL: Record<Check, Support> = {
  describe: true, browse: true, limit: true, maxBytes: true, maxSeconds: true, cancel: true, unknownEntity: true, unsupportedOptions: true, secrets: true, statementLog: 'the server keeps no log of what clients send',
};

/** What a local-file kind's error names when its path is missing. */
export const MISSING_PATH = /not found|no such file|does not exist|ENOENT/i;

/**
 * A source on local files in a fresh temp dir: `write` puts them there and returns the path the
 * source names; the unreachable twin names `missing` in the same dir. Stopping removes the dir.
 */
export async function startLocal(kind: string, write: (dir: string) => Promise<string> | string, missing: string): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), `hw-conf-${kind}-`));
  try {
    const path = await write(dir);
    return {
      source: `kind: ${kind}\npath: ${path}`,
      unreachable: { source: `kind: ${kind}\npath: ${join(dir, missing)}`, where: join(dir, missing) },
      stop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A distinctive secret value per run, so a leak is found by a plain substring search. */
export function secretFor(kind: string): string {
  return `conformance-${kind}-S3CRET-${Math.random().toString(36).slice(2, 10)}`;
}

export interface Traffic {
  /** Messages sent so far. */
  sent(): number;
  stop(): Promise<void>;
}

/**
 * Sends numbered messages one after another, a few milliseconds apart, until stopped: live traffic
 * for a tap, which only sees what is sent while it listens.
 */
export function startTraffic(send: (n: number) => Promise<unknown>, pauseMs = 5): Traffic {
  let n = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await send(++n);
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  return {
    sent: () => n,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
