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
import { connectMy, endSession, myError, mySettings } from './connection.js';
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

export async function captureMysql(source: ResolvedSource, entities: string[], ctx: CaptureContext): Promise<BatchSampleStream> {
  const settings = mySettings(source);
  const session = await connectMy(source, settings);
  let tables: MyCdcTable[];
  let serverId: number;
  try {
    const variables = await serverVariables(session);
    if ((variables.log_bin ?? 'OFF').toUpperCase() !== 'ON' || (variables.binlog_format ?? '').toUpperCase() !== 'ROW') {
      throw new HeadwaterError('source', `MySQL source '${source.name}': cannot capture changes: ${(variables.log_bin ?? 'OFF').toUpperCase() !== 'ON' ? 'the binary log is off' : `binlog_format is ${variables.binlog_format}, not ROW`}.`, {
        source: source.name, entity: entities.join(', '), hint: `Set log_bin and binlog_format = ROW (see: headwater cdc ${source.name}).`,
      });
    }
    serverId = Number(variables.server_id ?? 0);
    tables = await cdcTables(session, entities, source.name);
    const notTables = tables.filter((t) => t.type !== 'BASE TABLE' && t.type !== 'SYSTEM VERSIONED');
    if (notTables.length) {
      throw new HeadwaterError('usage', `MySQL source '${source.name}': cannot capture ${notTables.map((t) => qualifiedName(t.database, t.name)).join(', ')}: only tables have row events.`, { source: source.name });
    }
  } catch (error) {
    await endSession(session);
    throw myError(error, source, settings, entities.join(', '));
  }
  const names = tables.map((t) => qualifiedName(t.database, t.name));
  const wanted = new Set(tables.map((t) => `${t.database}.${t.name}`));
  const includeSchema: Record<string, string[]> = {};
  for (const t of tables) (includeSchema[t.database] ??= []).push(t.name);

  const { default: ZongJiClass } = await loadZongJi();
  // zongji reuses our read-only session for its metadata queries and opens the binlog connection beside it.
  const zongji = new ZongJiClass(session.connection as unknown as Connection);
  const queue = new ChangeQueue();
  const position = { file: '', thread: null as number | null };
  const connector = session.mariadb ? 'mariadb' : 'mysql';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    await new Promise<void>((resolve) => {
      const done = setTimeout(resolve, 2_000);
      zongji.once('stopped', () => {
        clearTimeout(done);
        resolve();
      });
      zongji.stop();
    });
    await endSession(session);
  };

  zongji.on('binlog', (raw: unknown) => {
    const event = raw as BinlogEvent;
    try {
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
      if (!table || !wanted.has(`${table.parentSchema}.${table.tableName}`)) return;
      const pos = event.nextPosition - event.size;
      const ts = timestamps(BigInt(event.timestamp) * 1000n);
      (event.rows ?? []).forEach((row, index) => {
        const before = op === 'u' ? (row as { before: Row }).before : op === 'd' ? (row as Row) : null;
        const after = op === 'u' ? (row as { after: Row }).after : op === 'c' ? (row as Row) : null;
        // Key order as Debezium's io.debezium.connector.mysql.Source.
        const sourceBlock: Row = {
          version: CONNECTOR_VERSION, connector, name: source.name, ...ts, snapshot: false, db: table.parentSchema, table: table.tableName,
          server_id: serverId, gtid: event.gtid ?? null, file: position.file, pos, row: index, thread: position.thread, query: null,
        };
        const change: ChangeEvent = { op, before, after, source: sourceBlock, provenance: flatProvenance({ file: position.file, pos, row: index, gtid: event.gtid }) };
        queue.push(change);
      });
    } catch (error) {
      queue.fail(error);
    }
  });
  zongji.on('error', (error: Error) => queue.fail(myError(error, source, settings, names.join(', '))));

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
  try {
    await ready;
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

const loadZongJi = lazyModule('@vlasky/zongji', async () => (await import('@vlasky/zongji')) as ZongJiModule);

