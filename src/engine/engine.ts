// The engine facade: every capability, independent of how it is driven (LSP server or CLI).
import { join } from 'node:path';
import { HeadwaterError, redact } from '../shared/errors.js';
import type { BuildDemoResult, DiffSideParams, ExportParams, ExportResult, GenerateParams, GenerateResult, GeneratorKindInfo, SourceDefinition, WebhookReceiverOptions } from '../shared/protocol.js';
import type { DriftSide } from '../shared/drift.js';
import type { BrowseNode, Extraction, QueryResult, SampleInfo, SampleRequestOptions, Schema, SourceDescription, SourceSummary } from '../shared/types.js';
import type { DriverContext, ResolvedSource } from './drivers/driver.js';
import { capabilitiesOf, kindInfo, loadDriver, manifestFor, manifests, refuseUnsupportedSample, urlScheme } from './drivers/registry.js';
import { explainTunnelFailure, TunnelPool } from './drivers/kit/ssh/pool.js';
import type { SourceForUrl, SourceKindInfo } from '../shared/sourceKinds.js';
import { compareDeclared, type Disagreement } from './drift/declared.js';
import type { SchemaDrift } from './drift/diff.js';
import { diffSides } from './drift/sides.js';
import type { InferredSchema } from './inference/types.js';
import type { PartitionSimulation, Profile, ProfileOptions } from './profile/types.js';
import { TTL_NATIVE_SUFFIX } from '../shared/profile.js';
import { runSample, type SampleProgress } from './sampling/run.js';
import { copyAllowed, guardExportParams } from './privacy/export-guard.js';
import { hashes, type PolicyLayers } from './privacy/policy.js';
import { PRIVACY_KEY_SECRET, type PrivacyPolicy } from '../shared/privacy.js';
import type { TailOptions, TailProgress } from './streams/tail.js';
import { adHocSource, formatProblem, loadSources, resolveSource, saveSource, summarize, type SecretLookup } from './sources/config.js';
import { openDuckDB } from './workspace/duckdb.js';
import { SAMPLES_SCHEMA, Workspace } from './workspace/workspace.js';
import { inferLandedTable } from './sampling/infer.js';
import type { CaptureOptions, CdcReadiness } from '../shared/cdc.js';
import { cdcReadiness, runCapture } from './cdc/capture.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface EngineOptions {
  workspaceDir: string;
  /** How `${secret:NAME}` references are resolved (SecretStorage in VS Code, env on the CLI). */
  lookupSecrets?: SecretLookup;
  log?: (level: LogLevel, message: string) => void;
  /** Sources from the editor's settings, next to sources.yaml. */
  extraSources?: SourceDefinition[];
  /** The key privacy hashing uses (HMAC); else HEADWATER_PRIVACY_KEY. Never written to the workspace. */
  privacyKey?: string;
}

export const DEFAULT_SAMPLE_LIMIT = 10_000;

export class Engine {
  private workspacePromise: Promise<Workspace> | undefined;
  private readonly secrets = new Set<string>();
  private extraSources: SourceDefinition[];

  /** One SSH tunnel per source with `ssh:`, reused until idle or until close(). */
  private readonly tunnels = new TunnelPool((level, message) => this.log(level, message));

  constructor(private readonly options: EngineOptions) {
    this.extraSources = options.extraSources ?? [];
  }

  get workspaceDir(): string {
    return this.options.workspaceDir;
  }

  /** The workspace database, opened on first use. */
  workspace(): Promise<Workspace> {
    this.workspacePromise ??= Workspace.open(this.options.workspaceDir).then((workspace) => {
      for (const repair of workspace.repairs) this.log('warn', repair);
      return workspace;
    }, (error: unknown) => {
      this.workspacePromise = undefined;
      throw error;
    });
    return this.workspacePromise;
  }

  async close(): Promise<void> {
    await this.tunnels.closeAll();
    const pending = this.workspacePromise;
    this.workspacePromise = undefined;
    if (pending) (await pending.catch(() => undefined))?.close();
  }

  log(level: LogLevel, message: string): void {
    this.options.log?.(level, redact(message, this.secrets));
  }

  setExtraSources(sources: SourceDefinition[]): void {
    this.extraSources = sources;
  }

  /** Sources from sources.yaml and settings. Problems in the file are logged, valid entries still load. */
  listDefinitions(): { definition: SourceDefinition; origin: SourceSummary['origin'] }[] {
    const loaded = loadSources(this.options.workspaceDir);
    for (const problem of loaded.problems) this.log('warn', formatProblem(loaded.path, problem));
    const fromFile = loaded.definitions.map((definition) => ({ definition, origin: 'sources.yaml' as const }));
    const names = new Set(fromFile.map((s) => s.definition.name));
    const fromSettings = this.extraSources.filter((d) => !names.has(d.name)).map((definition) => ({ definition, origin: 'settings' as const }));
    return [...fromFile, ...fromSettings];
  }

  sources(): SourceSummary[] {
    return this.listDefinitions().map(({ definition, origin }) => summarize(definition, origin));
  }

  /** Every source kind: connection fields, semantics, capabilities (the Add Source form, tooltips), from the manifests. */
  sourceKinds(): Promise<SourceKindInfo[]> {
    return Promise.all(manifests().map(kindInfo));
  }

  /** The kind a pasted URL (or path) selects: the answer the CLI acts on for an ad-hoc source. */
  sourceForUrl(url: string): SourceForUrl {
    const kind = adHocSource(url.trim())?.kind;
    const scheme = urlScheme(url);
    return { ...(kind ? { kind } : {}), ...(scheme ? { scheme } : {}) };
  }

  addSource(definition: SourceDefinition): SourceSummary {
    saveSource(this.options.workspaceDir, definition);
    return summarize(definition, 'sources.yaml');
  }

  /** Finds a source by name, or accepts a URL/path as an ad-hoc source. */
  private definition(name: string): SourceDefinition {
    const found = this.listDefinitions().find((s) => s.definition.name === name)?.definition ?? adHocSource(name);
    if (!found) {
      throw new HeadwaterError('not_found', `No source named '${name}'.`, {
        source: name,
        hint: `Sources come from ${join(this.options.workspaceDir, '.headwater', 'sources.yaml')}; a URL such as sqlite:///path/to.db or file:///path/to/data also works.`,
      });
    }
    return found;
  }

  private async resolve(name: string, definition = this.definition(name)): Promise<ResolvedSource> {
    const resolved = await resolveSource(definition, this.options.workspaceDir, this.options.lookupSecrets ?? envSecrets);
    for (const secret of resolved.secrets) this.secrets.add(secret);
    const manifest = manifestFor(resolved.kind);
    const routed = await this.tunnels.route(resolved, { title: manifest?.title ?? resolved.kind, scheme: manifest?.schemes[0] ?? '', tunnel: manifest?.tunnel });
    for (const secret of routed.secrets) this.secrets.add(secret);
    return routed;
  }

  private context(signal: AbortSignal): DriverContext {
    return {
      signal,
      log: (level, message) => this.log(level, message),
      scratchDuckDB: () => openDuckDB(':memory:'),
      loadDuckDBExtension: async (name) => (await this.workspace()).loadExtension(name),
    };
  }

  /** Runs a driver call with errors that name the source and never carry secrets. */
  private async withSource<T>(name: string, entity: string | undefined, run: (source: ResolvedSource) => Promise<T>, definition?: SourceDefinition): Promise<T> {
    const source = await this.resolve(name, definition);
    try {
      return await run(source);
    } catch (thrown) {
      const cause = explainTunnelFailure(source, thrown);
      // `source.name`, not `name`: an ad-hoc URL's name is its redacted form.
      if (cause instanceof HeadwaterError) {
        if (!source.secrets.length) throw cause;
        throw new HeadwaterError(cause.code, redact(cause.message, source.secrets), { ...cause.data, source: cause.source ?? source.name }, { cause });
      }
      const message = redact(cause instanceof Error ? cause.message : String(cause), source.secrets);
      throw new HeadwaterError('source', `Source '${source.name}'${entity ? `, entity '${entity}'` : ''}: ${message}`, { source: source.name, entity });
    }
  }

  async describe(name: string, signal = new AbortController().signal): Promise<SourceDescription> {
    return this.withSource(name, undefined, async (source) => {
      const driver = await loadDriver(source.kind);
      const description = await driver.describe(source, this.context(signal));
      // An unreachable source behind a tunnel that failed: the tunnel's cause, not the local forward's.
      const tunnelled = !description.reachable && source.tunnel?.failure() ? explainTunnelFailure(source, undefined) as Error : undefined;
      return { source: name, kind: source.kind, capabilities: capabilitiesOf(driver, manifestFor(source.kind)), ...description, ...(tunnelled ? { detail: tunnelled.message } : {}) };
    });
  }

  async browse(name: string, path: string[], signal = new AbortController().signal): Promise<BrowseNode[]> {
    return this.withSource(name, path.join('/') || undefined, async (source) => (await loadDriver(source.kind)).browse(source, path, this.context(signal)));
  }

  async nativeSchema(name: string, entity: string, signal = new AbortController().signal): Promise<Schema | undefined> {
    return this.withSource(name, entity, async (source) => {
      const driver = await loadDriver(source.kind);
      return driver.nativeSchema?.(source, entity, this.context(signal));
    });
  }

  async sample(name: string, entity: string, options: SampleRequestOptions, control: { signal?: AbortSignal; onProgress?: (p: SampleProgress) => void; privacyKey?: string } = {}): Promise<SampleInfo> {
    const workspace = await this.workspace();
    const signal = control.signal ?? new AbortController().signal;
    const privacy = await this.privacyFor(name, control.privacyKey);
    return this.withSource(name, entity, async (source) => {
      refuseUnsupportedSample(source, entity, options);
      const driver = await loadDriver(source.kind);
      const info = await runSample({ workspace, driver, source, entity, options, context: (s) => this.context(s), signal, onProgress: control.onProgress, log: (l, m) => this.log(l, m), explain: (error) => explainTunnelFailure(source, error), privacy });
      this.log('info', `Sample ${info.id}: ${info.rowCount} rows from ${name}/${entity} (${info.status})`);
      return info;
    });
  }

  /**
   * The privacy policies for a source (its own, then the workspace's) and the hashing key, kept out of
   * logs: the request's, the engine's, HEADWATER_PRIVACY_KEY, else (only when a rule hashes) the secret
   * of that name (VS Code SecretStorage; HEADWATER_SECRET_HEADWATER_PRIVACY_KEY on the command line).
   */
  private async privacyFor(name: string, requestKey: string | undefined): Promise<{ layers: PolicyLayers; key?: string }> {
    const loaded = loadSources(this.options.workspaceDir);
    const own = this.listDefinitions().find((s) => s.definition.name === name)?.definition.privacy as PrivacyPolicy | undefined;
    const layers: PolicyLayers = { source: name, own, workspace: loaded.privacy };
    let key = requestKey || this.options.privacyKey || process.env[PRIVACY_KEY_SECRET] || undefined;
    if (!key && hashes(layers)) {
      const lookup = this.options.lookupSecrets ?? envSecrets;
      key = (await lookup([PRIVACY_KEY_SECRET]).catch(() => ({} as Record<string, string | undefined>)))[PRIVACY_KEY_SECRET] || undefined;
    }
    if (key) this.secrets.add(key);
    return { layers, key };
  }

  /** Streams new records into a growing sample until `control.signal` stops it (drivers that implement tail). */
  async tail(name: string, entity: string, options: TailOptions, control: { signal?: AbortSignal; onProgress?: (p: TailProgress) => void } = {}, definition?: SourceDefinition): Promise<SampleInfo> {
    const workspace = await this.workspace();
    const signal = control.signal ?? new AbortController().signal;
    return this.withSource(name, entity, async (source) => {
      const driver = await loadDriver(source.kind);
      const { runTail } = await import('./streams/tail.js');
      const info = await runTail({ workspace, driver, source, entity, options, context: (s) => this.context(s), signal, onProgress: control.onProgress, log: (l, m) => this.log(l, m), privacy: await this.privacyFor(name, undefined) });
      this.log('info', `Tail ${info.id}: ${info.rowCount} records from ${name}/${entity} (${info.status})`);
      return info;
    }, definition);
  }

  /** The definition a webhook receiver runs with: `receiver` over the source's options (an ad-hoc receiver when no source has the name). */
  async webhookDefinition(name: string, receiver?: WebhookReceiverOptions): Promise<SourceDefinition> {
    const { receiverDefinition } = await import('./webhook/receiver.js');
    return receiverDefinition(name, this.listDefinitions().find((s) => s.definition.name === name)?.definition, receiver);
  }

  /** "Start webhook receiver": deliveries land in a growing sample until `control.signal` stops it. */
  async receiveWebhooks(name: string, receiver: WebhookReceiverOptions | undefined, options: TailOptions, control: { signal?: AbortSignal; onProgress?: (p: TailProgress) => void } = {}): Promise<SampleInfo> {
    const { WEBHOOK_ENTITY } = await import('./webhook/receiver.js');
    return this.tail(name, WEBHOOK_ENTITY, options, control, await this.webhookDefinition(name, receiver));
  }

  /** CDC readiness of the source's server and of `entities` (every table when none are named). */
  async cdcReadiness(name: string, entities: string[] = []): Promise<CdcReadiness> {
    return this.withSource(name, entities.join(', ') || undefined, async (source) => cdcReadiness(source, entities));
  }

  /** Captures the changes of `entities` into the workspace as Debezium-style envelopes. */
  async capture(name: string, entities: string[], options: CaptureOptions, control: { signal?: AbortSignal; onProgress?: (p: SampleProgress) => void } = {}): Promise<SampleInfo> {
    const workspace = await this.workspace();
    const signal = control.signal ?? new AbortController().signal;
    return this.withSource(name, entities.join(', '), async (source) => {
      const info = await runCapture({ workspace, source, entities, options, context: (s) => this.context(s), signal, onProgress: control.onProgress, log: (l, m) => this.log(l, m) });
      this.log('info', `Capture ${info.id}: ${info.rowCount} change events from ${name}/${entities.join(', ')} (${info.status})`);
      return info;
    });
  }

  async samples(): Promise<SampleInfo[]> {
    return (await this.workspace()).listSamples();
  }

  /** Export of a sample or a SELECT's result, under the workspace's export control (privacy/export-guard.ts). */
  async export(params: ExportParams, control: { signal?: AbortSignal; onProgress?: (p: { message: string; rows?: number; fraction?: number }) => void } = {}): Promise<ExportResult> {
    const workspace = await this.workspace();
    await guardExportParams(workspace, loadSources(this.options.workspaceDir).privacy, params, control.signal);
    return workspace.export(params, control);
  }

  /** Whether a grid cell of `column` of this sample may be copied out (export control). */
  async copyAllowed(sampleId: string, column: string): Promise<{ allowed: boolean; reason?: string }> {
    return copyAllowed(await (await this.workspace()).getSample(sampleId), column, loadSources(this.options.workspaceDir).privacy);
  }

  async sampleInfo(id: string): Promise<SampleInfo> {
    return (await this.workspace()).getSample(id);
  }

  /** The schema of a sample, or the schema a source declares for an entity. */
  async schema(params: { sampleId?: string; source?: string; entity?: string }): Promise<Schema> {
    if (params.sampleId) return (await this.workspace()).schemaOf(params.sampleId);
    if (!params.source || !params.entity) throw new HeadwaterError('usage', 'Give a sample id, or a source and an entity.');
    const declared = await this.nativeSchema(params.source, params.entity);
    if (!declared) {
      throw new HeadwaterError('not_found', `Source '${params.source}' declares no schema for '${params.entity}'.`, {
        source: params.source, entity: params.entity, hint: `Sample it first, then use: headwater schema --sample <id>.`,
      });
    }
    return declared;
  }

  /** The schema inferred from a sample, with the evidence behind each type. */
  async inferred(sampleId: string, signal = new AbortController().signal): Promise<InferredSchema | undefined> {
    const workspace = await this.workspace();
    const stored = await workspace.inferredSchema(sampleId);
    if (stored) return stored;
    const info = await workspace.getSample(sampleId);
    if (info.rowCount === 0) return undefined;
    const inferred = await inferLandedTable(workspace.connection, SAMPLES_SCHEMA, info.id, signal);
    await workspace.storeInferred(info.id, inferred);
    return inferred;
  }

  /** Native vs observed: the sample's declared columns against what its records hold, and what the driver found against the source's declaration. */
  async nativeVsObserved(sampleId: string): Promise<Disagreement[]> {
    const info = await this.sampleInfo(sampleId);
    const inferred = await this.inferred(info.id);
    return [...(inferred ? compareDeclared(info.schema.fields, inferred) : []), ...(info.schema.disagreements ?? [])];
  }

  /** Per-field statistics and source-level facts of a sample, computed in DuckDB. */
  async profile(sampleId: string, options: ProfileOptions = {}): Promise<Profile> {
    const workspace = await this.workspace();
    const info = await workspace.getSample(sampleId);
    const { profileSample } = await import('./profile/index.js');
    // A driver marks a field holding each record's expiry in epoch seconds (DynamoDB's TTL attribute) in its native type.
    const ttlField = info.schema.fields.find((f) => f.nativeType?.endsWith(TTL_NATIVE_SUFFIX))?.name;
    const profile = await profileSample(workspace.connection, info.table, { entity: info.entity, ...(ttlField ? { ttlField } : {}), ...options });
    return info.privacy ? { ...profile, privacy: info.privacy } : profile;
  }

  /** How a sample's records would spread over Kafka partitions keyed by `field` (murmur2, as Kafka's default partitioner), or over Kinesis shards (MD5). */
  async simulatePartitions(sampleId: string, field: string, partitions: number, signal?: AbortSignal, partitioner: 'kafka' | 'kinesis' = 'kafka'): Promise<PartitionSimulation> {
    const workspace = await this.workspace();
    const info = await workspace.getSample(sampleId);
    const { simulatePartitions } = await import('./profile/index.js');
    return simulatePartitions(workspace.connection, info.table, field, partitions, { signal, partitioner });
  }

  /** Schema drift between two samples (inferred schemas when both have one, else the landed columns). */
  async diff(before: string, after: string): Promise<SchemaDrift> {
    return (await this.diffSchemas({ sampleId: before }, { sampleId: after })).drift;
  }

  /** Schema drift between any two sides: samples, or a sample and a declared schema such as a contract's. */
  async diffSchemas(before: DiffSideParams, after: DiffSideParams): Promise<{ drift: SchemaDrift; before: DriftSide; after: DriftSide }> {
    const workspace = await this.workspace();
    return diffSides(before, after, { sample: (id) => workspace.getSample(id), inferred: (id) => this.inferred(id) });
  }

  /** Writes generated artifacts for a sample (or a source entity's newest sample, sampling it when it has none). */
  async generate(params: GenerateParams, control: { signal?: AbortSignal; onProgress?: (p: SampleProgress) => void } = {}): Promise<GenerateResult> {
    const { buildEvidence, generatorsFor, writeArtifacts } = await import('./generate/index.js');
    const info = await this.sampleForGenerate(params, control);
    const generators = generatorsFor(params.kind, info.sourceKind);
    const definition = this.listDefinitions().find((d) => d.definition.name === info.source)?.definition;
    const inferred = await this.inferred(info.id, control.signal);
    const profile = info.rowCount > 0 ? await this.profile(info.id, { signal: control.signal }) : undefined;
    const evidence = buildEvidence({ sample: info, definition, inferred, profile, target: { topic: params.topic, path: params.path }, declared: await this.declaredExtraction(info, control.signal), workspaceDir: this.options.workspaceDir });
    return writeArtifacts(evidence, generators, { workspaceDir: this.options.workspaceDir, outDir: params.outDir, force: params.force });
  }

  /** The extraction a relational source's catalog declares for a sample's entity; unknown when it cannot be asked. */
  private async declaredExtraction(info: SampleInfo, signal?: AbortSignal): Promise<Extraction | undefined> {
    if (info.schema.extraction || !['postgres', 'mysql'].includes(info.sourceKind)) return info.schema.extraction;
    try {
      return (await this.nativeSchema(info.source, info.entity, signal))?.extraction;
    } catch (error) {
      this.log('warn', `Generating from ${info.id} without the cursor ${info.source} declares: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  /** The generator kinds, or those that apply to a sample's source. */
  async generatorKinds(sampleId?: string): Promise<GeneratorKindInfo[]> {
    const { generatorKinds } = await import('./generate/index.js');
    if (!sampleId) return generatorKinds();
    const { applicableGenerators } = await import('./generate/registry.js');
    const applicable = new Set(applicableGenerators((await this.sampleInfo(sampleId)).sourceKind).map((g) => g.kind));
    return generatorKinds().filter((k) => applicable.has(k.kind));
  }

  private async sampleForGenerate(params: GenerateParams, control: { signal?: AbortSignal; onProgress?: (p: SampleProgress) => void }): Promise<SampleInfo> {
    if (params.sampleId) return this.sampleInfo(params.sampleId);
    if (!params.source || !params.entity) throw new HeadwaterError('usage', 'Give a sample id, or a source and an entity.', { hint: 'headwater generate <kind> --sample ID, or headwater generate <kind> <source> <entity>' });
    const newest = (await this.samples())
      .filter((s) => s.source === params.source && s.entity === params.entity && (s.status === 'complete' || s.status === 'partial'))
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
    return newest ?? this.sample(params.source, params.entity, {}, control);
  }

  async rows(sampleId: string, offset: number, limit: number, orderBy?: { column: string; descending: boolean }): Promise<QueryResult> {
    return (await this.workspace()).rows(sampleId, offset, limit, orderBy);
  }

  async query(sql: string, maxRows?: number, signal?: AbortSignal, keep?: Parameters<Workspace['query']>[3]): Promise<QueryResult> {
    const workspace = await this.workspace(), started = performance.now();
    return { ...(await workspace.query(sql, maxRows, signal, keep)), elapsedMs: Math.round(performance.now() - started) };
  }

  async buildDemo(dir: string): Promise<BuildDemoResult> {
    const { buildDemoWorkspace } = await import('./demo/generate.js');
    await buildDemoWorkspace(dir);
    return { dir, sources: loadSources(dir).definitions.map((d) => d.name) };
  }
}

/** On the command line, `${secret:NAME}` reads HEADWATER_SECRET_<NAME>. */
const envSecrets: SecretLookup = async (names) =>
  Object.fromEntries(names.map((name) => [name, process.env[`HEADWATER_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`]]));
