// CDC dry run: the readiness report and `capture`, which lands every change of the chosen tables in
// the workspace as a Debezium-style envelope, through the same landing as samples (progress, cancel
// keeps what landed, catalog row with method CDC), from the drivers that capture (Driver.capture).
import { HeadwaterError } from '../../shared/errors.js';
import type { CaptureOptions, CdcReadiness } from '../../shared/cdc.js';
import type { SampleInfo } from '../../shared/types.js';
import type { BatchSampleStream, CaptureContext, Driver, DriverContext, ResolvedSource } from '../drivers/driver.js';
import { loadDriver } from '../drivers/registry.js';
import { MAX_LIMIT, runSample, type SampleProgress } from '../sampling/run.js';
import type { Workspace } from '../workspace/workspace.js';

/** Capture time when neither a time nor an event limit is given. */
export const DEFAULT_CAPTURE_SECONDS = 60;

export interface CdcConnector {
  readiness(source: ResolvedSource, entities: string[]): Promise<CdcReadiness>;
  /** A stream of envelope rows (ENVELOPE_FIELDS) of changes to `entities`, from now on. */
  capture(source: ResolvedSource, entities: string[], ctx: CaptureContext): Promise<BatchSampleStream>;
}

/** The CDC side of the source's driver (loaded through the registry, like every driver), when it has one. */
export async function loadConnector(source: ResolvedSource): Promise<CdcConnector> {
  const driver = await loadDriver(source.kind);
  if (!driver.cdcReadiness || !driver.capture) {
    throw new HeadwaterError('usage', `Source '${source.name}' is a ${source.kind} source: change data capture works with postgres and mysql sources.`, { source: source.name });
  }
  return { readiness: driver.cdcReadiness.bind(driver), capture: driver.capture.bind(driver) };
}

export interface RunCaptureArgs {
  workspace: Workspace;
  source: ResolvedSource;
  entities: string[];
  options: CaptureOptions;
  context: (signal: AbortSignal) => DriverContext;
  signal: AbortSignal;
  onProgress?: (progress: SampleProgress) => void;
  log: DriverContext['log'];
}

export async function runCapture(args: RunCaptureArgs): Promise<SampleInfo> {
  const { source, entities, options } = args;
  if (entities.length === 0) throw new HeadwaterError('usage', `Capture from '${source.name}' needs at least one table.`, { source: source.name });
  for (const [name, value] of Object.entries(options)) {
    if (value !== undefined && (!Number.isFinite(value) || value <= 0)) throw new HeadwaterError('usage', `--${name} must be a positive number (got ${value}).`);
  }
  const connector = await loadConnector(source);
  const seconds = options.seconds ?? (options.events ? undefined : DEFAULT_CAPTURE_SECONDS);
  // The sampler lands what the connector streams; the event limit is its row limit.
  const driver: Driver = {
    kind: source.kind,
    capabilities: ['capture'],
    describe: () => Promise.reject(new Error('not used')),
    browse: () => Promise.reject(new Error('not used')),
    sample: (resolved, _entity, _options, ctx) => connector.capture(resolved, entities, {
      signal: ctx.signal,
      log: ctx.log,
      seconds,
      onReady: (message) => {
        args.log('info', `Source '${source.name}': ${message}`);
        args.onProgress?.({ rows: 0, bytes: 0, message });
      },
    }),
  };
  return runSample({
    workspace: args.workspace,
    driver,
    source,
    entity: entities.join('+'),
    options: { limit: options.events ? Math.floor(options.events) : MAX_LIMIT, strategy: 'head' },
    context: args.context,
    signal: args.signal,
    onProgress: args.onProgress,
    log: args.log,
  });
}
