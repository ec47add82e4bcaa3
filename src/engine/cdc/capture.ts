// CDC dry run: the readiness report and `capture`, which lands every change of the chosen tables in
// the workspace as a Debezium-style envelope, through the same landing as samples (progress, cancel
// keeps what landed, catalog row with method CDC). A kind captures when its driver has capture and
// cdcReadiness (Driver methods, loaded through the registry like any other).
import { HeadwaterError } from '../../shared/errors.js';
import type { CaptureOptions, CdcReadiness } from '../../shared/cdc.js';
import type { SampleInfo } from '../../shared/types.js';
import type { CaptureContext, Driver, DriverContext, ResolvedSource } from '../drivers/driver.js';
import { capabilitiesOf, driverKinds, loadDriver } from '../drivers/registry.js';
import { MAX_LIMIT, runSample, type SampleProgress } from '../sampling/run.js';
import type { Workspace } from '../workspace/workspace.js';

/** Capture time when neither a time nor an event limit is given. */
export const DEFAULT_CAPTURE_SECONDS = 60;

export type { CaptureContext };

/** A driver that captures: both CDC methods present. */
export type CaptureDriver = Driver & Required<Pick<Driver, 'capture' | 'cdcReadiness'>>;

/** The source's driver when it can capture changes, else a usage error naming the kinds that can. */
export async function captureDriver(source: ResolvedSource): Promise<CaptureDriver> {
  const driver = await loadDriver(source.kind);
  if (driver.capture && driver.cdcReadiness) return driver as CaptureDriver;
  const capturing: string[] = [];
  for (const kind of driverKinds()) if (capabilitiesOf(await loadDriver(kind)).includes('capture')) capturing.push(kind);
  throw new HeadwaterError('usage', `Source '${source.name}' is a ${source.kind} source: change data capture works with ${capturing.join(' and ')} sources.`, { source: source.name });
}

/** The CDC readiness of the source's server and of `entities` (all tables when none are named). */
export async function cdcReadiness(source: ResolvedSource, entities: string[]): Promise<CdcReadiness> {
  return (await captureDriver(source)).cdcReadiness(source, entities);
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
  const connector = await captureDriver(source);
  const seconds = options.seconds ?? (options.events ? undefined : DEFAULT_CAPTURE_SECONDS);
  // The sampler lands what the connector streams; the event limit is its row limit.
  const driver: Driver = {
    kind: source.kind,
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
