// Every command of the CLI, in one table (the order of `headwater --help`). Each entry drives one
// typed request of src/shared/protocol.ts through the engine's request table (src/engine/requests.ts),
// as the extension's command table (src/extension/commands.ts) does over the LSP connection.
import { redactUrl } from '../shared/errors.js';
import type { EngineRequest } from '../engine/requests.js';
import { extractionLabel } from '../engine/drivers/kit/relational/cursor.js';
import { MAX_SECONDS } from '../engine/sampling/run.js';
import { command, EXIT, requestCommand, type CliCommand } from './command.js';
import { captureCommand, cdcCommand } from './cdc.js';
import { checkCommand } from './check.js';
import { demoCommand } from './demo.js';
import { generateCommand } from './generate.js';
import { tailCommand } from './tail.js';
import { webhookCommand } from './webhook.js';
import { exportCommand, historyCommand, queryCommand, samplesCommand } from './workspace.js';
import { LIMIT, MAX_BYTES, MAX_SECONDS_BUDGET, SAMPLE_ID, usage } from './options.js';
import { disagreementList, driftTable, inferredTable, partitionTable, profileSummary, sampleSummary, schemaTable, table } from './format.js';

const sources = requestCommand({
  name: 'sources', usage: '', args: { min: 0, max: 0 }, summary: 'list sources (.headwater/sources.yaml)', options: {},
  request: 'sources',
  params: () => ({}),
  show: (list) => (list.length
    ? table(['name', 'kind', 'location', 'from'], list.map((s) => [s.name, s.kind, s.location, s.origin]))
    : 'No sources yet. Add one to .headwater/sources.yaml, or run: headwater demo'),
});

const browse = requestCommand({
  name: 'browse', usage: '<source> [path...]', args: { min: 1, max: Infinity, needs: 'a source' },
  summary: 'browse a source (tables, files, columns...)', options: {},
  request: 'browse',
  params: ([source = '', ...path]) => ({ source, path }),
  show: (nodes) => table(['name', 'kind', 'entity', 'est. rows', 'detail'], nodes.map((n) => [n.label, n.kind, n.sampleable ? n.entity ?? n.id : '', n.estimatedRows ?? null, n.detail ?? ''])),
});

const sample = requestCommand({
  name: 'sample', usage: '<source> <entity>', args: { min: 2, max: 2, needs: 'a source and an entity' },
  summary: 'land a sample in the workspace',
  options: {
    limit: LIMIT,
    strategy: {
      type: 'string', values: ['head', 'random', 'full', 'incremental'], default: 'head',
      description: "how to pick rows; incremental resumes after the last sample's high-water mark on the cursor column",
    },
    cursor: { type: 'string', placeholder: 'COL', default: 'detected from the catalog', description: 'incremental: the cursor column' },
    where: { type: 'string', placeholder: '"EXPR"', description: 'relational: only rows where EXPR (one SQL boolean expression) holds; DynamoDB: a key condition (pk = \'v\' [AND sk …])' },
    yes: { type: 'bool', description: 'full: read a table above the confirmation threshold (the refusal quotes its size)' },
    'allow-scan': { type: 'bool', description: 'relational: run even if EXPLAIN says the read scans more than maxScanRows' },
    primary: { type: 'bool', description: 'relational: read from the primary although the source declares a replica' },
    'max-seconds': MAX_SECONDS_BUDGET,
    'max-bytes': MAX_BYTES,
    from: { type: 'string', placeholder: 'P', description: 'streams: first, last, an offset/sequence/id or an ISO time' },
    to: { type: 'string', placeholder: 'P', description: 'streams: where to stop, as for --from' },
    window: { type: 'number', unit: 'seconds', max: MAX_SECONDS, maxLabel: 'a week', placeholder: 'S', description: 'taps on live traffic: listen S seconds (queues, subjects, MQTT)' },
    peek: { type: 'bool', description: 'queues: read existing messages without taking them (RabbitMQ requeues them marked redelivered; SQS receives with visibility timeout 0, raising receive counts)' },
    key: { type: 'string', placeholder: 'K', description: 'keyed streams (Kafka): only records with this key' },
    'entity-type': { type: 'string', placeholder: 'T', description: 'single-table designs (DynamoDB): only items of entity type T' },
  },
  request: 'sample',
  params: ([source = '', entity = ''], o) => ({
    source, entity, options: {
      limit: o.limit, strategy: o.strategy, maxSeconds: o['max-seconds'], maxBytes: o['max-bytes'], from: o.from, to: o.to,
      windowSeconds: o.window, peek: o.peek, key: o.key, entityType: o['entity-type'], cursor: o.cursor, where: o.where, confirmFull: o.yes, allowScan: o['allow-scan'], fromPrimary: o.primary,
    },
  }),
  progress: (p) => `sampling ${redactUrl(p.source)}/${p.entity}`,
  show: sampleSummary,
});

const schema = command({
  name: 'schema', usage: '<source> <entity> | --sample ID', args: { min: 0, max: 2 },
  summary: 'the schema the source declares, or with --sample the schema inferred from a sample and the evidence behind each type',
  options: { sample: SAMPLE_ID },
  request: 'schema',
  also: ['inferredSchema', 'nativeVsObserved'],
  async run({ args: [source, entity], opts, ctx }) {
    if (opts.sample) {
      // The catalog's id and columns for what was asked (a sample's table name works too).
      const info = await ctx.engine.sampleInfo(opts.sample);
      const inferred = await ctx.call('inferredSchema', { sampleId: info.id });
      const disagreements = await ctx.call('nativeVsObserved', { sampleId: info.id });
      ctx.print({ sample: info.id, fields: info.schema.fields, inferred, disagreements }, () => (inferred ? `${inferredTable(inferred)}${disagreementList(disagreements)}` : schemaTable(info.schema.fields)));
      return EXIT.ok;
    }
    const declared = await ctx.call('schema', { source, entity });
    ctx.print(declared, () => `${schemaTable(declared.fields)}${declared.extraction ? `\n\nextraction: ${extractionLabel(declared.extraction)}: ${declared.extraction.reason}` : ''}`);
    return EXIT.ok;
  },
});

const profile = requestCommand({
  name: 'profile', usage: '--sample ID', args: { min: 0, max: 1 },
  summary: 'per-field statistics and source facts (lag, order, duplicates, versions)',
  options: {
    sample: SAMPLE_ID,
    'event-time': { type: 'string', placeholder: 'F', default: 'detected', description: 'the event-time field' },
    key: { type: 'string', placeholder: 'F', default: 'detected', description: 'the key field' },
  },
  request: 'profile',
  params: (args, o) => {
    const sampleId = o.sample ?? args[0];
    if (!sampleId) usage('profile needs a sample: headwater profile --sample <id>');
    return { sampleId, options: { eventTime: o['event-time'], key: o.key } };
  },
  show: profileSummary,
});

function partitionerOf(text: string): 'kafka' | 'kinesis' {
  if (text !== 'kafka' && text !== 'kinesis') usage(`--partitioner must be kafka or kinesis, not '${text}'`);
  return text;
}

const simulate = requestCommand({
  name: 'simulate', usage: '--sample ID --key F --partitions N', args: { min: 0, max: 0 },
  summary: 'records per Kafka partition (murmur2) or Kinesis shard (MD5) if keyed by F, with hotspot warnings',
  options: {
    sample: { ...SAMPLE_ID, required: true },
    key: { type: 'string', placeholder: 'F', required: true, description: 'the field that would be the message key' },
    partitions: { type: 'int', required: true, description: 'the partition (or shard) count' },
    partitioner: { type: 'string', placeholder: 'kafka|kinesis', description: "kafka (default): murmur2 % partitions; kinesis: MD5 of the key into the shards' even hash-key ranges" },
  },
  request: 'simulatePartitions',
  params: (_args, o) => ({ sampleId: o.sample ?? '', field: o.key ?? '', partitions: o.partitions ?? 0, ...(o.partitioner ? { partitioner: partitionerOf(o.partitioner) } : {}) }),
  show: partitionTable,
});

const diff = requestCommand({
  name: 'diff', usage: '<sampleA> <sampleB>', args: { min: 2, max: 2, needs: 'two samples' },
  summary: 'schema drift between two samples',
  options: { 'fail-on-drift': { type: 'bool', description: 'exit 1 when the schemas differ' } },
  request: 'diff',
  params: ([before = '', after = '']) => ({ before, after }),
  show: driftTable,
  exit: (drift, o) => (o['fail-on-drift'] && drift.fields.length > 0 ? EXIT.checkFailed : EXIT.ok),
});

export const COMMANDS: readonly CliCommand[] = [
  sources, browse, sample, tailCommand, webhookCommand, cdcCommand, captureCommand, samplesCommand, schema, profile, simulate, diff, queryCommand, historyCommand,
  exportCommand, generateCommand, checkCommand, demoCommand,
];

/**
 * Requests the extension sends that no CLI command drives, and why. A request the extension starts
 * using needs a CLI command or a line here (test/unit/cli-table.test.ts checks both).
 */
export const EXTENSION_ONLY: Readonly<Partial<Record<EngineRequest | 'resolveSecrets', string>>> = {
  engineInfo: 'the status of the engine process the extension started; the CLI runs in-process (--version)',
  addSource: "the extension's Add Source form writes sources.yaml; on the command line, edit the file",
  rows: 'paging through a sample in the webview; the CLI pages with query ... limit/offset',
  resultRows: "paging through a query result in the webview; the CLI streams the whole result with 'query --format' or 'export'",
  closeResult: 'the results view closed or replaced its result; the CLI keeps none',
  generatorKinds: "the extension's kind picker; 'headwater help generate' lists the kinds",
  contractDrift: "the Drift panel for a contract; on the command line, 'headwater check' reports the same",
  diffSchemas: "the Drift panel's sides; on the command line, 'headwater diff' compares two samples",
  sourceKinds: "the Add Source form's fields; 'headwater help' lists the kinds and their URL schemes",
  sourceForUrl: "the Add Source form's pasted URL; the CLI resolves a URL given as <source> itself, through the same registry",
  resolveSecrets: 'goes the other way: the engine asks the extension for SecretStorage values',
};
