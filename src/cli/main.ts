// `headwater`: the engine on the command line. Human tables by default, --json for machines,
// progress on stderr, exit codes 0 ok / 1 check failed / 2 usage or connection error / 130 interrupted.
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HeadwaterError, redactUrl } from '../shared/errors.js';
import type { SampleStrategy } from '../shared/types.js';
import { Engine } from '../engine/engine.js';
import { ENGINE_VERSION } from '../shared/version.js';
import { runDemo } from './demo.js';
import { captureCommand, cdcCommand } from './cdc.js';
import { GENERATE_HELP, generateCommand, generatedSummary } from './generate.js';
import { runCheck } from './check.js';
import { tailCommand } from './tail.js';
import { WEBHOOK_HELP, webhookCommand } from './webhook.js';
import { compareDeclared } from '../engine/drift/declared.js';
import { extractionLabel } from '../engine/drivers/kit/relational/cursor.js';
import { MAX_LIMIT, MAX_SECONDS } from '../engine/sampling/run.js';
import { disagreementList, driftTable, inferredTable, partitionTable, profileSummary, resultTable, sampleSummary, schemaTable, table } from './format.js';

export const EXIT = { ok: 0, checkFailed: 1, usage: 2, interrupted: 130 } as const;


const HELP = `headwater ${ENGINE_VERSION}: sample, profile and query your sources locally.

Usage: headwater <command> [options]

Commands:
  sources                              list sources (.headwater/sources.yaml)
  browse <source> [path...]            browse a source (tables, files, columns...)
  sample <source> <entity>             land a sample in the workspace
      --limit N                        rows to take (default 10000)
      --strategy head|random|full|incremental
                                       how to pick rows (default head); incremental resumes after the
                                       last sample's high-water mark on the cursor column
      --cursor COL                     incremental: the cursor column (default: detected from the catalog)
      --where "EXPR"                   relational: only rows where EXPR (one SQL boolean expression) holds
      --yes                            full: read a table above the confirmation threshold (the refusal quotes its size)
      --allow-scan                     relational: run even if EXPLAIN says the read scans more than maxScanRows
      --primary                        relational: read from the primary although the source declares a replica
      --max-seconds S  --max-bytes B   budgets; the sample stops and is kept, marked partial
      --from P  --to P                 streams: first, last, an offset/sequence/id or an ISO time
      --window S                       taps on live traffic: listen S seconds (queues, subjects, MQTT)
      --peek                           queues: read existing messages (they come back marked redelivered)
      --key K                          keyed streams (Kafka): only records with this key
  tail <source> <entity>               land new records as they arrive, until Ctrl-C (--max-seconds S, --limit N)
${WEBHOOK_HELP}
  cdc <source> [table...]              CDC readiness per server and table, each failing item with its fix (exit 1 on a failure)
  capture <source> <table...>          land changes as Debezium-style envelopes (PostgreSQL temporary slot, MySQL row binlog)
      --seconds N | --events N         stop after N seconds (default 60) or N change events; Ctrl-C keeps what landed
  samples                              list samples with their provenance
  schema <source> <entity>             the schema the source declares
  schema --sample ID                   the schema inferred from a sample, with the evidence behind each type
  profile --sample ID                  per-field statistics and source facts (lag, order, duplicates, versions)
      --event-time F --key F           choose the event-time field or the key instead of detecting them
  simulate --sample ID --key F --partitions N
                                       records per Kafka partition if keyed by F (murmur2), with hotspot warnings
  diff <sampleA> <sampleB>             schema drift between two samples (--fail-on-drift: exit 1 on drift)
  query "<sql>" [--max-rows N]         run SQL on the workspace (sample tables: samples.<id>)
  generate <kind> --sample ID          data contracts (odcs, dcs), connector configs (debezium, jdbc, airbyte, dlt),
      or: generate <kind> <source> <entity>   schemas (jsonschema, avro, ddl-duckdb, ddl-postgres), or all;
      --out DIR  --force               see 'headwater generate --help'
  check <contract.odcs.yaml>           check the contract's source against it (ODCS v3.1): missing/extra fields,
                                       type and nullability changes, quality rules, freshness SLOs; exit 1 on violation
      --server NAME  --strict          which server of the contract; extra fields fail too
      --limit N  --strategy S  --max-seconds S  --max-bytes B   sampling budgets, as for sample (default 60 s per object)
  demo [dir]                           build the demo workspace in dir (default ./headwater-demo) and walk through it
  demo init <dir>                      only build the demo workspace

Options:
  --workspace DIR   workspace folder (default: current directory); data in DIR/.headwater/
  --json            machine-readable output on stdout
  --quiet           no progress on stderr
  --help, --version

A <source> is a name from sources.yaml or a URL/path: sqlite:///abs/shop.db, file:///data/events.ndjson, ./export.csv
Secrets: \${env:VAR} reads the environment; \${secret:NAME} reads HEADWATER_SECRET_<NAME>.
Exit codes: 0 ok, 1 check failed, 2 usage or connection error, 130 interrupted (Ctrl-C during a sample: what landed is kept, marked partial).`;

const options = {
  workspace: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  limit: { type: 'string' },
  strategy: { type: 'string' },
  'max-seconds': { type: 'string' },
  'max-bytes': { type: 'string' },
  'max-rows': { type: 'string' },
  sample: { type: 'string' },
  'event-time': { type: 'string' },
  key: { type: 'string' },
  'fail-on-drift': { type: 'boolean' },
  partitions: { type: 'string' },
  seconds: { type: 'string' },
  events: { type: 'string' },
  out: { type: 'string' },
  force: { type: 'boolean' },
  topic: { type: 'string' },
  path: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  window: { type: 'string' },
  peek: { type: 'boolean' },
  server: { type: 'string' },
  strict: { type: 'boolean' },
  cursor: { type: 'string' },
  where: { type: 'string' },
  yes: { type: 'boolean' },
  'allow-scan': { type: 'boolean' },
  primary: { type: 'boolean' },
  port: { type: 'string' },
  host: { type: 'string' },
  'secret-scheme': { type: 'string' },
  'max-body-bytes': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

function usage(message: string): never {
  throw new HeadwaterError('usage', message, { hint: "Run 'headwater --help'." });
}

/** A whole count from 1 to `max`: "1e99", "2.5", "0x10" and "" are refused with the bounds. */
export function positiveInt(name: string, value: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\s*\d+(e\d+)?\s*$/i.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n <= 0 || n > max) usage(`--${name} must be a whole number from 1 to ${max.toLocaleString('en-US')} (got '${value}').`);
  return n;
}

/** A positive number of seconds up to MAX_SECONDS (fractions allowed). */
export function positiveSeconds(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\s*\d*\.?\d+(e\d+)?\s*$/i.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(n) || n <= 0 || n > MAX_SECONDS) usage(`--${name} must be a number of seconds above 0 and at most ${MAX_SECONDS.toLocaleString('en-US')} (a week) (got '${value}').`);
  return n;
}

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  progress: (text: string) => void;
}

const processIO: CliIO = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  progress: (text) => {
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
  },
};

export async function runCli(argv: string[], io: CliIO = processIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    io.err(`headwater: ${error instanceof Error ? error.message : String(error)}\n  hint: Run 'headwater --help'.`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.version) {
    io.out(ENGINE_VERSION);
    return EXIT.ok;
  }
  if ((values.help && command !== 'generate') || !command) {
    io.out(HELP);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const json = values.json === true;
  const print = (data: unknown, human: () => string) => io.out(json ? JSON.stringify(data, null, 2) : human());
  const engine = new Engine({
    workspaceDir: resolve(values.workspace ?? process.cwd()),
    log: (level, message) => {
      if (level === 'warn' || level === 'error') io.err(`${level}: ${message}`);
    },
  });
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    io.err('\nStopping (what already landed is kept)... press Ctrl-C again to quit at once.');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    switch (command) {
      case 'sources': {
        const sources = engine.sources();
        print(sources, () => (sources.length ? table(['name', 'kind', 'location', 'from'], sources.map((s) => [s.name, s.kind, s.location, s.origin])) : 'No sources yet. Add one to .headwater/sources.yaml, or run: headwater demo'));
        return EXIT.ok;
      }
      case 'browse': {
        const [source, ...path] = args;
        if (!source) usage('browse needs a source: headwater browse <source> [path...]');
        const nodes = await engine.browse(source, path, controller.signal);
        print(nodes, () => table(['name', 'kind', 'entity', 'est. rows', 'detail'], nodes.map((n) => [n.label, n.kind, n.sampleable ? n.entity ?? n.id : '', n.estimatedRows ?? null, n.detail ?? ''])));
        return EXIT.ok;
      }
      case 'sample': {
        const [source, entity] = args;
        if (!source || !entity) usage('sample needs a source and an entity: headwater sample <source> <entity> [--limit N]');
        const strategy = values.strategy as SampleStrategy | undefined;
        if (strategy && !['head', 'random', 'full', 'incremental'].includes(strategy)) usage(`--strategy must be head, random, full or incremental (got '${strategy}').`);
        const info = await engine.sample(source, entity, {
          limit: positiveInt('limit', values.limit, MAX_LIMIT),
          strategy,
          maxSeconds: positiveSeconds('max-seconds', values['max-seconds']),
          maxBytes: positiveInt('max-bytes', values['max-bytes']),
          from: values.from,
          to: values.to,
          windowSeconds: positiveSeconds('window', values.window),
          peek: values.peek,
          key: values.key,
          cursor: values.cursor,
          where: values.where,
          confirmFull: values.yes,
          allowScan: values['allow-scan'],
          fromPrimary: values.primary,
        }, { signal: controller.signal, onProgress: values.quiet ? undefined : (p) => io.progress(`sampling ${redactUrl(source)}/${entity}: ${p.message}`) });
        if (!values.quiet) io.progress('');
        print(info, () => sampleSummary(info));
        return controller.signal.aborted ? EXIT.interrupted : EXIT.ok;
      }
      case 'tail': {
        const [source, entity] = args;
        if (!source || !entity) usage('tail needs a source and an entity: headwater tail <source> <entity> [--max-seconds S]');
        await tailCommand({ engine, source, entity, limit: positiveInt('limit', values.limit, MAX_LIMIT), maxSeconds: positiveSeconds('max-seconds', values['max-seconds']), json, quiet: values.quiet === true, io, signal: controller.signal });
        return EXIT.ok;
      }
      case 'webhook': {
        const [source] = args;
        if (!source) usage('webhook needs a name: headwater webhook <name> [--port N] [--path /hook] [--secret-scheme github|stripe|hmac]');
        await webhookCommand({
          engine, source, limit: positiveInt('limit', values.limit, MAX_LIMIT), maxSeconds: positiveSeconds('max-seconds', values['max-seconds']), json, quiet: values.quiet === true, io, signal: controller.signal,
          receiver: { host: values.host, port: positiveInt('port', values.port, 65_535), path: values.path, secretScheme: values['secret-scheme'], maxBodyBytes: positiveInt('max-body-bytes', values['max-body-bytes']) },
        });
        return EXIT.ok;
      }
      case 'cdc':
        return await cdcCommand(engine, args, { json, quiet: values.quiet === true, io, signal: controller.signal });
      case 'capture':
        return await captureCommand(engine, args, { seconds: positiveSeconds('seconds', values.seconds), events: positiveInt('events', values.events) }, { json, quiet: values.quiet === true, io, signal: controller.signal });
      case 'samples': {
        const samples = await engine.samples();
        print(samples, () => (samples.length
          ? table(['id', 'source', 'entity', 'method', 'rows', 'status', 'started'], samples.map((s) => [s.id, s.source, s.entity, `${s.method}/${s.strategy}`, s.rowCount, s.status, s.startedAt]))
          : 'No samples yet. Take one with: headwater sample <source> <entity>'));
        return EXIT.ok;
      }
      case 'schema': {
        const [source, entity] = args;
        if (values.sample) {
          const info = await engine.sampleInfo(values.sample);
          const inferred = await engine.inferred(info.id);
          const disagreements = inferred ? compareDeclared(info.schema.fields, inferred) : [];
          print({ sample: info.id, fields: info.schema.fields, inferred: inferred ?? null, disagreements }, () => (inferred ? `${inferredTable(inferred)}${disagreementList(disagreements)}` : schemaTable(info.schema.fields)));
          return EXIT.ok;
        }
        const schema = await engine.schema({ source, entity });
        print(schema, () => `${schemaTable(schema.fields)}${schema.extraction ? `\n\nextraction: ${extractionLabel(schema.extraction)}: ${schema.extraction.reason}` : ''}`);
        return EXIT.ok;
      }
      case 'profile': {
        const id = values.sample ?? args[0];
        if (!id) usage('profile needs a sample: headwater profile --sample <id>');
        const profile = await engine.profile(id, { eventTime: values['event-time'], key: values.key });
        print(profile, () => profileSummary(profile));
        return EXIT.ok;
      }
      case 'simulate': {
        const id = values.sample;
        const partitions = positiveInt('partitions', values.partitions);
        if (!id || !values.key || !partitions) usage('simulate needs a sample, a key field and a partition count: headwater simulate --sample <id> --key <field> --partitions <n>');
        const simulation = await engine.simulatePartitions(id, values.key, partitions, controller.signal);
        print(simulation, () => partitionTable(simulation));
        return EXIT.ok;
      }
      case 'diff': {
        const [before, after] = args;
        if (!before || !after) usage('diff needs two samples: headwater diff <sampleA> <sampleB>');
        const drift = await engine.diff(before, after);
        print(drift, () => driftTable(drift));
        return values['fail-on-drift'] && drift.fields.length > 0 ? EXIT.checkFailed : EXIT.ok;
      }
      case 'query': {
        const sql = args.join(' ').trim();
        if (!sql) usage('query needs SQL: headwater query "select count(*) from samples.<id>"');
        const result = await engine.query(sql, positiveInt('max-rows', values['max-rows'], MAX_LIMIT) ?? 1000, controller.signal);
        print(result, () => resultTable(result));
        return EXIT.ok;
      }
      case 'demo': {
        if (args[0] === 'init') {
          const dir = args[1];
          if (!dir) usage('demo init needs a folder: headwater demo init <dir>');
          const result = await engine.buildDemo(resolve(dir));
          print(result, () => `Demo workspace ready in ${result.dir} (sources: ${result.sources.join(', ')})`);
          return EXIT.ok;
        }
        return await runDemo(resolve(args[0] ?? 'headwater-demo'), { json, io, signal: controller.signal });
      }
      case 'check': {
        const [contract] = args;
        if (!contract) usage('check needs a contract: headwater check <contract.odcs.yaml>');
        const strategy = values.strategy as SampleStrategy | undefined;
        if (strategy && !['head', 'random', 'full'].includes(strategy)) usage(`--strategy must be head, random or full (got '${strategy}').`);
        return await runCheck(engine, contract, {
          json, quiet: values.quiet === true, server: values.server, strict: values.strict, strategy, signal: controller.signal,
          limit: positiveInt('limit', values.limit, MAX_LIMIT), maxSeconds: positiveSeconds('max-seconds', values['max-seconds']), maxBytes: positiveInt('max-bytes', values['max-bytes']),
        }, io);
      }
      case 'generate': {
        if (values.help || args[0] === 'help') {
          io.out(GENERATE_HELP);
          return EXIT.ok;
        }
        const [kind, source, entity] = args;
        const result = await generateCommand(engine, { kind, source, entity, sample: values.sample, out: values.out, force: values.force, topic: values.topic, path: values.path }, {
          signal: controller.signal, onProgress: values.quiet ? undefined : (m) => io.progress(`sampling ${source}/${entity}: ${m}`),
        });
        if (!values.quiet) io.progress('');
        print(result, () => generatedSummary(result));
        return EXIT.ok;
      }
      default:
        usage(`Unknown command '${command}'.`);
    }
  } catch (error) {
    reportError(error, io, json);
    return controller.signal.aborted ? EXIT.interrupted : EXIT.usage;
  } finally {
    process.off('SIGINT', onSigint);
    await engine.close();
  }
}

function reportError(error: unknown, io: CliIO, json: boolean): void {
  if (json) {
    const data = error instanceof HeadwaterError ? { error: error.message, ...error.data } : { error: error instanceof Error ? error.message : String(error), code: 'internal' };
    io.err(JSON.stringify(data));
    return;
  }
  if (error instanceof HeadwaterError) {
    io.err(`headwater: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}`);
  } else {
    // A stack trace helps no user: it is printed only when HEADWATER_DEBUG is set.
    const detail = error instanceof Error ? (process.env.HEADWATER_DEBUG ? error.stack ?? error.message : error.message) : String(error);
    io.err(`headwater: unexpected internal error: ${detail}\n  hint: This is a bug in Headwater; HEADWATER_DEBUG=1 prints where it happened.`);
  }
}

// Run when executed directly (bin/headwater.js or node dist/cli.js), not when imported by tests.
const entry = process.argv[1] ?? '';
if (/(^|[/\\])(cli\.js|headwater(\.js)?)$/.test(entry)) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
