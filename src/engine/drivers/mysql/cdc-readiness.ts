// Can changes be captured from this MySQL/MariaDB server, table by table? Read from global variables,
// grants and information_schema only, in the driver's read-only session; each failing item has its fix.
import { worstStatus, type CdcCheck, type CdcReadiness, type CdcTableReadiness } from '../../../shared/cdc.js';
import type { ResolvedSource } from '../driver.js';
import { findTable, qualifiedName, quoteIdent, SYSTEM_DATABASES } from './catalog.js';
import { withMy, type MySession } from './connection.js';

const MAX_TABLES = 2_000;

const VARIABLES = [
  'log_bin', 'binlog_format', 'binlog_row_image', 'server_id', 'gtid_mode', 'enforce_gtid_consistency', 'gtid_binlog_pos', 'gtid_strict_mode',
  'binlog_expire_logs_seconds', 'expire_logs_days', 'binlog_row_value_options', 'binlog_transaction_compression',
];

export type ServerVariables = Record<string, string | undefined>;

export async function serverVariables(session: MySession): Promise<ServerVariables> {
  const rows = await session.records<{ Variable_name: string; Value: string }>(
    `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${VARIABLES.map(() => '?').join(', ')})`, VARIABLES,
  );
  return Object.fromEntries(rows.map((r) => [r.Variable_name.toLowerCase(), r.Value]));
}

export interface MyCdcTable {
  database: string;
  name: string;
  type: string;
  engine: string | null;
  pk: string | null;
}

const TABLES_SQL = `SELECT t.TABLE_SCHEMA AS \`database\`, t.TABLE_NAME AS name, t.TABLE_TYPE AS type, t.ENGINE AS engine,
  (SELECT GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION) FROM information_schema.KEY_COLUMN_USAGE k
    WHERE k.TABLE_SCHEMA = t.TABLE_SCHEMA AND k.TABLE_NAME = t.TABLE_NAME AND k.CONSTRAINT_NAME = 'PRIMARY') AS pk
FROM information_schema.TABLES t`;

/** The tables asked for (each named one must exist), or every table outside the system databases. */
export async function cdcTables(session: MySession, entities: string[], sourceName: string): Promise<MyCdcTable[]> {
  if (entities.length === 0) {
    return session.records<MyCdcTable>(`${TABLES_SQL} WHERE t.TABLE_SCHEMA NOT IN (${SYSTEM_DATABASES.map(() => '?').join(', ')}) ORDER BY 1, 2 LIMIT ${MAX_TABLES}`, SYSTEM_DATABASES);
  }
  const out: MyCdcTable[] = [];
  for (const entity of entities) {
    const table = await findTable(session, entity, sourceName);
    out.push(...await session.records<MyCdcTable>(`${TABLES_SQL} WHERE t.TABLE_SCHEMA = ? AND t.TABLE_NAME = ?`, [table.database, table.name]));
  }
  return out;
}

/** Global privileges of the current user, from SHOW GRANTS (ALL PRIVILEGES stands for every one). */
export async function globalPrivileges(session: MySession): Promise<{ user: string; privileges: Set<string>; all: boolean }> {
  const [who] = await session.records<{ user: string }>('SELECT CURRENT_USER() AS user');
  const privileges = new Set<string>();
  let all = false;
  for (const row of await session.rows('SHOW GRANTS')) {
    const grant = row[0] ? row[0].toString('utf8') : '';
    const match = /^GRANT (.+?) ON \*\.\* TO/i.exec(grant);
    if (!match) continue;
    for (const privilege of match[1]!.split(',').map((p) => p.trim().toUpperCase())) {
      if (privilege === 'ALL PRIVILEGES' || privilege === 'ALL') all = true;
      privileges.add(privilege);
    }
  }
  return { user: who?.user ?? '?', privileges, all };
}

export async function myCdcReadiness(source: ResolvedSource, entities: string[]): Promise<CdcReadiness> {
  return withMy(source, async (session) => {
    const variables = await serverVariables(session);
    const grants = await globalPrivileges(session);
    const checks = serverChecks(variables, grants, session.mariadb);
    const tables = (await cdcTables(session, entities, source.name)).map((t) => tableReadiness(t, variables));
    return {
      source: source.name,
      kind: source.kind,
      server: session.version,
      status: worstStatus([...checks.map((c) => c.status), ...tables.map((t) => t.status)]),
      method: 'the row binlog, from the current position, as a replica with its own server id',
      checks,
      tables,
    };
  }, entities.join(', ') || undefined);
}

function serverChecks(v: ServerVariables, grants: { user: string; privileges: Set<string>; all: boolean }, mariadb: boolean): CdcCheck[] {
  const checks: CdcCheck[] = [];
  const cnf = (line: string) => `${line}  -- in my.cnf [mysqld], then restart`;
  const logBin = (v.log_bin ?? 'OFF').toUpperCase() === 'ON';
  checks.push(logBin
    ? { id: 'log_bin', title: 'the binary log is on', status: 'ok', observed: 'ON' }
    : { id: 'log_bin', title: 'the binary log is on', status: 'fail', observed: v.log_bin ?? 'OFF', meaning: 'Without a binlog there are no changes to read.', fix: cnf('log_bin = mysql-bin') });
  const format = (v.binlog_format ?? '?').toUpperCase();
  checks.push(format === 'ROW'
    ? { id: 'binlog_format', title: 'binlog_format is ROW', status: 'ok', observed: format, meaning: 'Each changed row is in the log.' }
    : { id: 'binlog_format', title: 'binlog_format is ROW', status: 'fail', observed: format, meaning: 'STATEMENT/MIXED logs SQL text, not rows: row changes cannot be read.', fix: `SET GLOBAL binlog_format = 'ROW';  -- and ${cnf('binlog_format = ROW')}` });
  const image = (v.binlog_row_image ?? 'FULL').toUpperCase();
  checks.push(image === 'FULL'
    ? { id: 'binlog_row_image', title: 'binlog_row_image is FULL', status: 'ok', observed: image, meaning: 'Updates and deletes carry the whole old row in `before`.' }
    : {
      id: 'binlog_row_image', title: 'binlog_row_image is FULL', status: 'warn', observed: image,
      meaning: image === 'MINIMAL' ? '`before` holds only the key columns and `after` only the changed ones.' : '`before` and `after` leave out unchanged BLOB/TEXT columns.',
      fix: `SET GLOBAL binlog_row_image = 'FULL';  -- and ${cnf('binlog_row_image = FULL')}`,
    });
  const serverId = Number(v.server_id ?? 0);
  checks.push(serverId > 0
    ? { id: 'server_id', title: 'server_id is set', status: 'ok', observed: String(serverId), meaning: 'A capture joins as a replica with its own, different server id.' }
    : { id: 'server_id', title: 'server_id is set', status: 'fail', observed: '0', meaning: 'A server with server_id 0 refuses replicas.', fix: cnf('server_id = 1') });
  if (mariadb) {
    checks.push({ id: 'gtid', title: 'GTIDs', status: 'ok', observed: `gtid_binlog_pos = ${v.gtid_binlog_pos || '(empty)'}${v.gtid_strict_mode ? `, gtid_strict_mode = ${v.gtid_strict_mode}` : ''}`, meaning: 'MariaDB always writes GTIDs: events carry them and a connector can resume after failover.' });
  } else {
    const gtid = (v.gtid_mode ?? 'OFF').toUpperCase();
    checks.push(gtid === 'ON'
      ? { id: 'gtid', title: 'gtid_mode is ON', status: 'ok', observed: 'ON', meaning: 'Events carry GTIDs; a connector resumes on another server of the topology after failover.' }
      : { id: 'gtid', title: 'gtid_mode is ON', status: 'warn', observed: gtid, meaning: 'Capture works by binlog file and position, but cannot follow a failover to another server.', fix: cnf('gtid_mode = ON\nenforce_gtid_consistency = ON') });
  }
  if ((v.binlog_transaction_compression ?? 'OFF').toUpperCase() === 'ON') {
    checks.push({ id: 'binlog_transaction_compression', title: 'transactions are not compressed', status: 'fail', observed: 'ON', meaning: 'Compressed transaction payloads cannot be decoded by this capture.', fix: "SET GLOBAL binlog_transaction_compression = OFF;" });
  }
  const has = (...names: string[]) => grants.all || names.some((n) => grants.privileges.has(n));
  const needed: [string, string[], string][] = [
    ['REPLICATION SLAVE', ['REPLICATION SLAVE', 'REPLICATION REPLICA'], 'read the binlog stream'],
    ['REPLICATION CLIENT', ['REPLICATION CLIENT', 'BINLOG MONITOR'], 'read the current binlog position (SHOW MASTER STATUS)'],
    ['SELECT', ['SELECT'], "read column names for row events (and Debezium's snapshot)"],
  ];
  const missing = needed.filter(([, names]) => !has(...names));
  checks.push({
    id: 'privileges', title: 'the user may replicate', status: missing.length ? 'fail' : 'ok',
    observed: grants.all ? `${grants.user} has ALL PRIVILEGES ON *.*` : `${grants.user} has ${[...grants.privileges].join(', ') || 'no global privileges'} ON *.*`,
    meaning: missing.length ? `Missing: ${missing.map(([name, , why]) => `${name} (to ${why})`).join('; ')}.` : 'REPLICATION SLAVE, REPLICATION CLIENT and SELECT are granted.',
    ...(missing.length ? { fix: `GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO ${quoteUser(grants.user)};` } : {}),
  });
  return checks;
}

function quoteUser(user: string): string {
  const [name, host] = user.split('@');
  return `'${name ?? ''}'@'${host ?? '%'}'`;
}

function tableReadiness(table: MyCdcTable, v: ServerVariables): CdcTableReadiness {
  const entity = qualifiedName(table.database, table.name);
  const target = `${quoteIdent(table.database)}.${quoteIdent(table.name)}`;
  const checks: CdcCheck[] = [];
  if (table.type !== 'BASE TABLE' && table.type !== 'SYSTEM VERSIONED') {
    checks.push({ id: 'relation_kind', title: 'is a table', status: 'fail', observed: table.type.toLowerCase(), meaning: 'Only tables write row events; capture the tables the view reads instead.' });
    return { entity, status: 'fail', checks };
  }
  const engine = table.engine ?? '?';
  checks.push(/^(InnoDB|RocksDB|Aria)$/i.test(engine)
    ? { id: 'engine', title: 'transactional storage engine', status: 'ok', observed: engine }
    : { id: 'engine', title: 'transactional storage engine', status: 'warn', observed: engine, meaning: 'Changes of a non-transactional table are logged even when the transaction around them rolls back.', fix: `ALTER TABLE ${target} ENGINE = InnoDB;` });
  checks.push(table.pk
    ? { id: 'primary_key', title: 'has a primary key', status: 'ok', observed: table.pk, meaning: "Debezium's message key is the primary key." }
    : { id: 'primary_key', title: 'has a primary key', status: 'warn', observed: 'none', meaning: 'Change events have no key: downstream cannot tell which row an update or delete is about (Debezium: message.key.columns).', fix: `ALTER TABLE ${target} ADD PRIMARY KEY (<columns>);` });
  const image = (v.binlog_row_image ?? 'FULL').toUpperCase();
  checks.push(image === 'FULL'
    ? { id: 'before_image', title: 'full before-images', status: 'ok', observed: 'binlog_row_image = FULL', meaning: 'Updates and deletes carry the whole old row.' }
    : { id: 'before_image', title: 'full before-images', status: 'warn', observed: `binlog_row_image = ${image}`, meaning: image === 'MINIMAL' ? `\`before\` holds only ${table.pk ? `the key (${table.pk})` : 'the columns that identify the row'}.` : 'Unchanged BLOB/TEXT columns are left out.', fix: "SET GLOBAL binlog_row_image = 'FULL';" });
  return { entity, status: worstStatus(checks.map((c) => c.status)), checks };
}
