// Captures changes from MySQL/MariaDB through the row binlog (@vlasky/zongji), from the current
// position on, joining as a replica with its own random server id. Metadata queries run on the
// driver's read-only session; the binlog connection sends only session variables and the dump.
import { randomInt } from 'node:crypto';
import type { Connection } from 'mysql2';
import { HeadwaterError } from '../../../shared/errors.js';
import type { BatchSampleStream, CaptureContext, ResolvedSource } from '../driver.js';
import { CONNECTOR_VERSION, ENVELOPE_FIELDS, flatProvenance, timestamps, type ChangeEvent, type ChangeOp, type Row } from '../kit/cdc/envelope.js';
import { ChangeQueue } from '../kit/cdc/stream.js';
import { lazyModule } from '../kit/lazy.js';
import { qualifiedName } from './catalog.js';
import { connectMy, endSession, myError, mySettings, type MySession } from './connection.js';
import { cdcTables, serverVariables, type MyCdcTable } from './cdc-readiness.js';

type ZongJiModule = typeof import('@vlasky/zongji');
type ZongJi = InstanceType<ZongJiModule['default']>;
type BinlogEvent = Parameters<Parameters<ZongJi['on']>[1]>[0] & {
  getEventName(): string; timestamp: number; nextPosition: number; size: number; gtid?: string;
  tableId?: number; tableMap?: Record<number, { parentSchema: string; tableName: string }>; rows?: unknown[];
  binlogName?: string; slaveProxyId?: number;
};

/** Server ids a capture picks from: high, so they do not meet a real replica's. */
const SERVER_ID_RANGE = [0x48570000, 0x4857ffff] as const;

/** Where the binlog is: the file being read (from rotate events) and the thread of the current transaction. */
interface BinlogPosition {
  file: string;
  thread: number | null;
}

export async function captureMysql(source: ResolvedSource, entities: string[], ctx: CaptureContext): Promise<BatchSampleStream> {
  const settings = mySettings(source);
  const session = await connectMy(source, settings);
  let checked: { tables: MyCdcTable[]; serverId: number };
  try {
    checked = await capturableTables(session, source, entities);
  } catch (error) {
    await endSession(session);
    throw myError(error, source, settings, entities.join(', '));
  }
  const { tables, serverId } = checked;
  const names = tables.map((t) => qualifiedName(t.database, t.name));
  const includeSchema: Record<string, string[]> = {};
  for (const t of tables) (includeSchema[t.database] ??= []).push(t.name);

  const { default: ZongJiClass } = await loadZongJi();
  // zongji reuses our read-only session for its metadata queries and opens the binlog connection beside it.
  const zongji = new ZongJiClass(session.connection as unknown as Connection);
  const queue = new ChangeQueue();
  const position: BinlogPosition = { file: '', thread: null };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    await stopZongji(zongji);
    await endSession(session);
  };
  const decode = binlogDecoder({ source: source.name, connector: session.mariadb ? 'mariadb' : 'mysql', serverId, wanted: new Set(tables.map((t) => `${t.database}.${t.name}`)), position, push: (change) => queue.push(change) });
  zongji.on('binlog', (raw: unknown) => {
    try {
      decode(raw as BinlogEvent);
    } catch (error) {
      queue.fail(error);
    }
  });
  zongji.on('error', (error: Error) => queue.fail(myError(error, source, settings, names.join(', '))));
  try {
    await startAtEnd(zongji, includeSchema);
  } catch (error) {
    await close();
    throw myError(error, source, settings, names.join(', '));
  }
  const start = zongji.get(['filename', 'position']) as { filename?: string; position?: number };
  position.file = start.filename ?? position.file;
  if (ctx.seconds) timer = setTimeout(() => queue.end(), ctx.seconds * 1000);
  ctx.onReady?.(`capturing ${names.join(', ')} from binlog ${start.filename ?? '?'}:${start.position ?? '?'}`);
  return {
    fields: ENVELOPE_FIELDS,
    method: 'CDC',
    query: `binlog dump from ${start.filename ?? '?'}:${start.position ?? '?'} -- tables ${names.join(', ')}`,
    batches: queue.batches(ctx.signal, close),
  };
}

/** The tables to capture, once the server is checked to write a row binlog and each is a table (views have no row events). */
async function capturableTables(session: MySession, source: ResolvedSource, entities: string[]): Promise<{ tables: MyCdcTable[]; serverId: number }> {
  const variables = await serverVariables(session);
  if ((variables.log_bin ?? 'OFF').toUpperCase() !== 'ON' || (variables.binlog_format ?? '').toUpperCase() !== 'ROW') {
    throw new HeadwaterError('source', `MySQL source '${source.name}': cannot capture changes: ${(variables.log_bin ?? 'OFF').toUpperCase() !== 'ON' ? 'the binary log is off' : `binlog_format is ${variables.binlog_format}, not ROW`}.`, {
      source: source.name, entity: entities.join(', '), hint: `Set log_bin and binlog_format = ROW (see: headwater cdc ${source.name}).`,
    });
  }
  const serverId = Number(variables.server_id ?? 0);
  const tables = await cdcTables(session, entities, source.name);
  const notTables = tables.filter((t) => t.type !== 'BASE TABLE' && t.type !== 'SYSTEM VERSIONED');
  if (notTables.length) {
    throw new HeadwaterError('usage', `MySQL source '${source.name}': cannot capture ${notTables.map((t) => qualifiedName(t.database, t.name)).join(', ')}: only tables have row events.`, { source: source.name });
  }
  return { tables, serverId };
}

/** Joins as a replica from the binlog's current end; resolves once zongji is ready. */
function startAtEnd(zongji: ZongJi, includeSchema: Record<string, string[]>): Promise<void> {
  const ready = new Promise<void>((resolve, reject) => {
    zongji.once('ready', () => resolve());
    zongji.once('error', reject);
  });
  zongji.start({
    serverId: randomInt(SERVER_ID_RANGE[0], SERVER_ID_RANGE[1]),
    startAtEnd: true,
    includeEvents: ['rotate', 'query', 'tablemap', 'writerows', 'updaterows', 'deleterows'],
    includeSchema,
  });
  return ready;
}

/** Stops the binlog connection, waiting at most 2 s for it to say so. */
function stopZongji(zongji: ZongJi): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = setTimeout(resolve, 2_000);
    zongji.once('stopped', () => {
      clearTimeout(done);
      resolve();
    });
    zongji.stop();
  });
}

/** Pushes a change event for each row of a wanted table in a binlog event; other events only move `position`. */
function binlogDecoder(on: { source: string; connector: string; serverId: number; wanted: ReadonlySet<string>; position: BinlogPosition; push(change: ChangeEvent): void }): (event: BinlogEvent) => void {
  const { position } = on;
  return (event) => {
    const name = event.getEventName();
    if (name === 'rotate') {
      position.file = event.binlogName ?? position.file;
      return;
    }
    if (name === 'query') {
      // BEGIN carries the thread that ran the transaction (Debezium's source.thread).
      position.thread = event.slaveProxyId ?? position.thread;
      return;
    }
    const op: ChangeOp | undefined = name === 'writerows' ? 'c' : name === 'updaterows' ? 'u' : name === 'deleterows' ? 'd' : undefined;
    if (!op || event.tableId === undefined) return;
    const table = event.tableMap?.[event.tableId];
    if (!table || !on.wanted.has(`${table.parentSchema}.${table.tableName}`)) return;
    const pos = event.nextPosition - event.size;
    const ts = timestamps(BigInt(event.timestamp) * 1000n);
    (event.rows ?? []).forEach((row, index) => {
      const before = op === 'u' ? (row as { before: Row }).before : op === 'd' ? (row as Row) : null;
      const after = op === 'u' ? (row as { after: Row }).after : op === 'c' ? (row as Row) : null;
      // Key order as Debezium's io.debezium.connector.mysql.Source.
      const sourceBlock: Row = {
        version: CONNECTOR_VERSION, connector: on.connector, name: on.source, ...ts, snapshot: false, db: table.parentSchema, table: table.tableName,
        server_id: on.serverId, gtid: event.gtid ?? null, file: position.file, pos, row: index, thread: position.thread, query: null,
      };
      on.push({ op, before, after, source: sourceBlock, provenance: flatProvenance({ file: position.file, pos, row: index, gtid: event.gtid }) });
    });
  };
}

const loadZongJi = lazyModule('@vlasky/zongji', async () => (await import('@vlasky/zongji')) as ZongJiModule);

