// Captures changes from PostgreSQL through a TEMPORARY logical replication slot, created on the
// replication connection that streams from it: the server drops it when that session ends, however
// it ends (capture over, cancel, engine killed). wal2json (format 2) when the server has it, else
// pgoutput with an existing publication. Nothing else is sent but session settings, catalog reads
// and replication commands.
import type { ClientConfig } from 'pg';
import { HeadwaterError } from '../../../shared/errors.js';
import type { BatchSampleStream, CaptureContext, ResolvedSource } from '../driver.js';
import { CONNECTOR_VERSION, ENVELOPE_FIELDS, flatProvenance, lsnToNumber, pgTimestampMicros, timestamps, type ChangeEvent, type ChangeOp, type Row } from '../kit/cdc/envelope.js';
import { ChangeQueue } from '../kit/cdc/stream.js';
import { lazyModule } from '../kit/lazy.js';
import { qualifiedName } from './catalog.js';
import { pgError, pgSettings, withPg, type PgSettings } from './connection.js';
import { tableRows, wal2jsonAllowed, type PgTableRow } from './cdc-readiness.js';

type ReplicationModule = typeof import('pg-logical-replication');
type Plugin = InstanceType<ReplicationModule['Wal2JsonPlugin']> | InstanceType<ReplicationModule['PgoutputPlugin']>;

interface Prepared {
  database: string;
  tables: PgTableRow[];
  wal2json: boolean | undefined;
  /** A publication that holds every table, for pgoutput. */
  publication?: string;
}

const PREPARE_SQL = `SELECT current_database() AS database, current_setting('wal_level') AS wal_level, (SELECT setting FROM pg_settings WHERE name = 'output_plugin_libraries') AS plugins,
  r.rolsuper OR r.rolreplication OR EXISTS (SELECT 1 FROM pg_roles g WHERE g.rolname = 'rds_replication' AND pg_has_role(r.oid, g.oid, 'member')) AS may_replicate,
  ARRAY(SELECT pubname::text FROM pg_publication WHERE puballtables ORDER BY 1) AS all_tables_publications
FROM pg_roles r WHERE r.rolname = current_user`;

type ReplicationService = InstanceType<ReplicationModule['LogicalReplicationService']>;

/** One capture: where it streams from and where decoded changes go; `service` is the replication session once started. */
interface CaptureRun {
  source: ResolvedSource;
  settings: PgSettings;
  module: ReplicationModule;
  slot: string;
  /** The captured tables, quoted, for messages. */
  names: string[];
  queue: ChangeQueue;
  decoder: Decoder;
  service?: ReplicationService;
}

export async function capturePostgres(source: ResolvedSource, entities: string[], ctx: CaptureContext): Promise<BatchSampleStream> {
  const prepared = await prepare(source, entities);
  const queue = new ChangeQueue();
  const run: CaptureRun = {
    source,
    settings: pgSettings(source),
    module: await loadReplication(),
    slot: `headwater_${process.pid}_${Date.now().toString(36)}`,
    names: prepared.tables.map((t) => qualifiedName(t.schema, t.name)),
    queue,
    decoder: new Decoder(source.name, prepared.database, new Set(prepared.tables.map((t) => `${t.schema}.${t.name}`)), (event) => queue.push(event)),
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    // Ending the replication session drops the temporary slot with it.
    await run.service?.stop().catch(() => undefined);
  };
  let started: { consistentPoint: string; method: string };
  try {
    started = await startWithEither(run, prepared, ctx);
  } catch (error) {
    await close();
    if (/wal2json/i.test(String((error as Error).message)) && !prepared.publication) throw noPlugin(source, run.names, error);
    throw pgError(error, source, run.settings, run.names.join(', '));
  }
  const { consistentPoint, method } = started;
  if (ctx.seconds) timer = setTimeout(() => queue.end(), ctx.seconds * 1000);
  ctx.onReady?.(`capturing ${run.names.join(', ')} from LSN ${consistentPoint} (${method}, temporary slot ${run.slot})`);
  return {
    fields: ENVELOPE_FIELDS,
    method: 'CDC',
    query: `CREATE_REPLICATION_SLOT ${run.slot} TEMPORARY LOGICAL ${method.split(',')[0]}; START_REPLICATION SLOT ${run.slot} LOGICAL ${consistentPoint} -- tables ${run.names.join(', ')}`,
    batches: queue.batches(ctx.signal, close),
  };
}

/** Streams with wal2json when the server has it, else with pgoutput and the publication: the consistent point and the method used. */
async function startWithEither(run: CaptureRun, prepared: Prepared, ctx: CaptureContext): Promise<{ consistentPoint: string; method: string }> {
  const { Wal2JsonPlugin, PgoutputPlugin } = run.module;
  const pgoutput = prepared.publication ? new PgoutputPlugin({ protoVersion: 1, publicationNames: [prepared.publication] }) : undefined;
  if (prepared.wal2json === false && !pgoutput) throw noPlugin(run.source, run.names);
  try {
    if (prepared.wal2json === false) throw new Error('wal2json is not in output_plugin_libraries');
    const wal2json = new Wal2JsonPlugin({
      formatVersion: '2', includeXids: true, includeTimestamp: true, includeLsn: true, includeTypes: true,
      addTables: prepared.tables.map((t) => `${wal2jsonName(t.schema)}.${wal2jsonName(t.name)}`).join(','),
    } as ConstructorParameters<ReplicationModule['Wal2JsonPlugin']>[0]);
    return { consistentPoint: await startSlot(run, wal2json, false), method: 'wal2json' };
  } catch (error) {
    if (!pgoutput || !/wal2json/i.test(String((error as Error).message))) throw error;
    ctx.log('info', `PostgreSQL source '${run.source.name}': wal2json is not available (${(error as Error).message}); using pgoutput with publication ${prepared.publication}`);
    await run.service?.stop().catch(() => undefined);
    return { consistentPoint: await startSlot(run, pgoutput, true), method: `pgoutput, publication ${prepared.publication}` };
  }
}

/** Starts a replication session on a new temporary slot with `plugin`; resolves with the slot's consistent point once it exists. */
function startSlot(run: CaptureRun, plugin: Plugin, pgoutput: boolean): Promise<string> {
  const { queue, decoder } = run;
  return new Promise<string>((resolve, reject) => {
    // Until the slot exists a failure is this attempt's (wal2json missing: pgoutput is tried
    // next); once it streams, a failure ends the capture.
    let streaming = false;
    const fail = (error: unknown) => {
      if (streaming) queue.fail(pgError(error, run.source, run.settings, run.names.join(', ')));
      else reject(error);
    };
    const service = new run.module.LogicalReplicationService({ ...replicationConfig(run.settings.config) }, { acknowledge: { auto: true, timeoutSeconds: 10 } });
    run.service = service;
    service.on('data', (_lsn: string, message: unknown) => {
      try {
        if (pgoutput) decoder.pgoutput(message as PgoutputMessage);
        else decoder.wal2json(message as Wal2JsonMessage);
      } catch (error) {
        queue.fail(error);
      }
    });
    service.on('heartbeat', (lsn: string, _timestamp: number, shouldRespond: boolean) => {
      if (shouldRespond) void service.acknowledge(lsn);
    });
    service.on('error', fail);
    const wrapped = temporarySlot(plugin, (lsn) => {
      streaming = true;
      resolve(lsn);
    });
    service.subscribe(wrapped as unknown as Plugin, run.slot).then(() => queue.end(), fail);
  });
}

const loadReplication = lazyModule<ReplicationModule>('pg-logical-replication', () => import('pg-logical-replication')
  .then((m) => (m as unknown as { default?: ReplicationModule }).default ?? m));

function replicationConfig(config: ClientConfig): ClientConfig {
  // The replication session lives as long as the capture: no statement timeout on START_REPLICATION.
  return { ...config, application_name: 'headwater' };
}

/**
 * Runs the plugin's START_REPLICATION on a slot this same session creates first, TEMPORARY: it
 * exists only while the session does. The session is read-only before anything else runs.
 */
function temporarySlot(plugin: Plugin, onCreated: (lsn: string) => void) {
  return {
    get name() {
      return plugin.name;
    },
    options: plugin.options,
    parse: (buffer: Buffer) => (plugin.name === 'wal2json' ? parseWal2json(buffer) : plugin.parse(buffer)),
    async start(client: import('pg').Client, slotName: string): Promise<unknown> {
      await client.query('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY');
      const created = await client.query<{ consistent_point: string }>(`CREATE_REPLICATION_SLOT "${slotName}" TEMPORARY LOGICAL ${plugin.name} NOEXPORT_SNAPSHOT`);
      const lsn = created.rows[0]!.consistent_point;
      onCreated(lsn);
      return plugin.start(client, slotName, lsn);
    },
  };
}

/**
 * wal2json writes numbers as JSON numbers, which JSON.parse would round (bigint, numeric): each
 * column value that is a number is read as its text, and rowOf() types it by the column's type.
 */
function parseWal2json(buffer: Buffer): unknown {
  return JSON.parse(buffer.toString('utf8').replace(/("value":)(-?\d[\d.eE+-]*)/g, '$1"$2"'));
}

async function prepare(source: ResolvedSource, entities: string[]): Promise<Prepared> {
  return withPg(source, async (client) => {
    const info = (await client.query<{ database: string; wal_level: string; plugins: string | null; may_replicate: boolean; all_tables_publications: string[] }>(PREPARE_SQL)).rows[0]!;
    const entity = entities.join(', ');
    if (info.wal_level !== 'logical') {
      throw new HeadwaterError('source', `PostgreSQL source '${source.name}': cannot capture changes: wal_level is '${info.wal_level}', not 'logical'.`, {
        source: source.name, entity, hint: "ALTER SYSTEM SET wal_level = 'logical'; then restart the server. See: headwater cdc " + source.name,
      });
    }
    if (!info.may_replicate) {
      throw new HeadwaterError('source', `PostgreSQL source '${source.name}': cannot capture changes: the role has neither REPLICATION nor superuser.`, {
        source: source.name, entity, hint: 'ALTER ROLE <role> WITH REPLICATION; (on RDS: GRANT rds_replication TO <role>;)',
      });
    }
    const { rows, missing } = await tableRows(client, entities, source.name);
    if (missing.length) {
      throw new HeadwaterError('usage', `PostgreSQL source '${source.name}': cannot capture ${missing.map((m) => m.entity).join(', ')}: only tables have a change stream.`, { source: source.name, entity });
    }
    // pgoutput streams a publication: one that holds every table (or all tables).
    let publication = info.all_tables_publications[0];
    if (!publication && rows.length) {
      const shared = rows.map((r) => new Set(r.publications)).reduce((a, b) => new Set([...a].filter((p) => b.has(p))));
      publication = [...shared][0];
    }
    return { database: info.database, tables: rows, wal2json: wal2jsonAllowed(info.plugins), ...(publication ? { publication } : {}) };
  }, entities.join(', '));
}

function noPlugin(source: ResolvedSource, names: string[], cause?: unknown): HeadwaterError {
  return new HeadwaterError('source', `PostgreSQL source '${source.name}': cannot capture ${names.join(', ')}: wal2json is not available and no publication holds these tables for pgoutput.`, {
    source: source.name, entity: names.join(', '), hint: `CREATE PUBLICATION headwater_cdc FOR TABLE ${names.join(', ')};  -- or install wal2json (postgresql-<version>-wal2json)`,
  }, { cause });
}

/** wal2json's add-tables syntax: special characters backslash-escaped; quotes doubled for the command's literal. */
function wal2jsonName(name: string): string {
  return name.replace(/([ ,.*\\])/g, '\\$1').replace(/'/g, "\\''");
}

interface Wal2JsonColumn { name: string; type: string; value: unknown }
interface Wal2JsonMessage {
  action: 'B' | 'C' | 'I' | 'U' | 'D' | 'T' | 'M';
  xid?: number;
  lsn?: string;
  nextlsn?: string;
  timestamp?: string;
  schema?: string;
  table?: string;
  columns?: Wal2JsonColumn[];
  identity?: Wal2JsonColumn[];
}

interface PgoutputRelation { schema: string; name: string; columns: { name: string; typeOid: number }[] }
type PgoutputMessage =
  | { tag: 'begin'; xid: number; commitTime: bigint; commitLsn: string | null }
  | { tag: 'commit'; commitLsn: string | null; commitEndLsn: string | null }
  | { tag: 'insert'; relation: PgoutputRelation; new: Row }
  | { tag: 'update'; relation: PgoutputRelation; key: Row | null; old: Row | null; new: Row }
  | { tag: 'delete'; relation: PgoutputRelation; key: Row | null; old: Row | null }
  | { tag: 'truncate'; relations: PgoutputRelation[] }
  | { tag: 'relation' | 'type' | 'origin' | 'message' };

const WAL2JSON_OPS: Partial<Record<Wal2JsonMessage['action'], ChangeOp>> = { I: 'c', U: 'u', D: 'd', T: 't' };

/** Decoded plugin messages -> change events in commit order, with Debezium's PostgreSQL source block. */
class Decoder {
  private xid: number | undefined;
  private commitMicros: bigint | undefined;
  private lastCommitLsn: string | null = null;
  private lastLsn: string | undefined;

  constructor(
    private readonly name: string,
    private readonly database: string,
    private readonly tables: Set<string>,
    private readonly emit: (event: ChangeEvent) => void,
  ) {}

  wal2json(message: Wal2JsonMessage): void {
    if (message.action === 'B') {
      this.xid = message.xid;
      this.commitMicros = pgTimestampMicros(message.timestamp);
      return;
    }
    if (message.action === 'C') {
      this.lastCommitLsn = message.lsn ?? message.nextlsn ?? this.lastLsn ?? null;
      return;
    }
    const op = WAL2JSON_OPS[message.action];
    if (!op || !message.schema || !message.table) return;
    const after = op === 'c' || op === 'u' ? rowOf(message.columns) : null;
    // `identity` is the old row as REPLICA IDENTITY gives it: the key, an index, or every column.
    const before = op === 'u' || op === 'd' ? (message.identity ? rowOf(message.identity) : null) : null;
    this.change(op, message.schema, message.table, before, after, message.lsn, message.xid ?? this.xid, pgTimestampMicros(message.timestamp) ?? this.commitMicros);
  }

  pgoutput(message: PgoutputMessage): void {
    switch (message.tag) {
      case 'begin':
        this.xid = message.xid;
        this.commitMicros = message.commitTime;
        this.lastLsn = message.commitLsn ?? undefined;
        return;
      case 'commit':
        this.lastCommitLsn = message.commitEndLsn ?? message.commitLsn;
        return;
      case 'insert':
        this.change('c', message.relation.schema, message.relation.name, null, typed(message.relation, message.new), this.lastLsn, this.xid, this.commitMicros);
        return;
      case 'update':
        this.change('u', message.relation.schema, message.relation.name, typed(message.relation, message.old ?? message.key), typed(message.relation, message.new), this.lastLsn, this.xid, this.commitMicros);
        return;
      case 'delete':
        this.change('d', message.relation.schema, message.relation.name, typed(message.relation, message.old ?? message.key), null, this.lastLsn, this.xid, this.commitMicros);
        return;
      case 'truncate':
        for (const relation of message.relations) this.change('t', relation.schema, relation.name, null, null, this.lastLsn, this.xid, this.commitMicros);
        return;
      default:
    }
  }

  private change(op: ChangeOp, schema: string, table: string, before: Row | null, after: Row | null, lsn: string | undefined, xid: number | undefined, commitMicros: bigint | undefined): void {
    if (!this.tables.has(`${schema}.${table}`)) return;
    if (lsn) this.lastLsn = lsn;
    const lsnNumber = lsn ? lsnToNumber(lsn) : null;
    const ts = timestamps(commitMicros ?? 0n);
    // Key order as Debezium's io.debezium.connector.postgresql.Source.
    const source: Row = {
      version: CONNECTOR_VERSION, connector: 'postgresql', name: this.name, ...ts, snapshot: false, db: this.database,
      sequence: JSON.stringify([this.lastCommitLsn === null ? null : String(lsnToNumber(this.lastCommitLsn)), lsnNumber === null ? null : String(lsnNumber)]),
      schema, table, txId: xid ?? null, lsn: lsnNumber, xmin: null,
    };
    this.emit({ op, before, after, source, provenance: flatProvenance({ lsn, txId: xid }) });
  }
}

const EXACT_INTEGER = /^(smallint|integer|bigint|int2|int4|int8|oid)$/;
const FLOAT = /^(real|double precision|float4|float8)$/;

/** wal2json columns as a row: integers and floats become numbers when exact, numeric stays exact text (Debezium's decimal.handling.mode=string). */
function rowOf(columns: Wal2JsonColumn[] | undefined): Row {
  const row: Row = {};
  for (const column of columns ?? []) {
    const value = column.value;
    if (typeof value === 'string' && (EXACT_INTEGER.test(column.type) || FLOAT.test(column.type))) {
      const n = Number(value);
      row[column.name] = Number.isFinite(n) && (FLOAT.test(column.type) || Number.isSafeInteger(n)) ? n : EXACT_INTEGER.test(column.type) ? BigInt(value) : value;
    } else {
      row[column.name] = value;
    }
  }
  return row;
}

/** pgoutput rows: int8 arrives as text, made a number (or bigint) like wal2json's. */
function typed(relation: PgoutputRelation, row: Row | null): Row | null {
  if (!row) return null;
  const out: Row = { ...row };
  for (const column of relation.columns) {
    const value = out[column.name];
    if (column.typeOid === 20 && typeof value === 'string') {
      const n = Number(value);
      out[column.name] = Number.isSafeInteger(n) ? n : BigInt(value);
    }
  }
  return out;
}
