// Can changes be captured from this PostgreSQL database, table by table? Read from settings and
// catalogs only, in the driver's read-only session; every failing item carries the fix.
import { HeadwaterError } from '../../../shared/errors.js';
import { worstStatus, type CdcCheck, type CdcReadiness, type CdcStatus, type CdcTableReadiness } from '../../../shared/cdc.js';
import type { ResolvedSource } from '../driver.js';
import { findRelation, qualifiedName } from './catalog.js';
import { withPg, type PgClient } from './connection.js';
import { quoteIdent } from './types.js';

/** Tables listed when none are named (the tree asks for a whole database). */
const MAX_TABLES = 2_000;

interface ServerRow {
  version: string;
  version_num: string;
  wal_level: string;
  max_slots: string;
  used_slots: string;
  max_senders: string;
  used_senders: string;
  in_recovery: boolean;
  role: string;
  superuser: boolean;
  replication: boolean;
  rds_replication: boolean;
  plugins: string | null;
  publications: string[];
}

export interface PgTableRow {
  oid: string;
  schema: string;
  name: string;
  relkind: string;
  identity: string;
  can_select: boolean;
  pk: string[] | null;
  identity_index: string[] | null;
  publications: string[];
}

const SERVER_SQL = `SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS version_num,
  current_setting('wal_level') AS wal_level,
  current_setting('max_replication_slots') AS max_slots, (SELECT count(*) FROM pg_replication_slots) AS used_slots,
  current_setting('max_wal_senders') AS max_senders, (SELECT count(*) FROM pg_stat_replication) AS used_senders,
  pg_is_in_recovery() AS in_recovery, r.rolname AS role, r.rolsuper AS superuser, r.rolreplication AS replication,
  EXISTS (SELECT 1 FROM pg_roles g WHERE g.rolname = 'rds_replication' AND pg_has_role(r.oid, g.oid, 'member')) AS rds_replication,
  (SELECT setting FROM pg_settings WHERE name = 'output_plugin_libraries') AS plugins,
  ARRAY(SELECT pubname::text || CASE WHEN puballtables THEN ' (all tables)' ELSE '' END FROM pg_publication ORDER BY 1) AS publications
FROM pg_roles r WHERE r.rolname = current_user`;

const KEY_COLUMNS = (flag: string) => `(SELECT array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum))
    FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
    WHERE i.indrelid = c.oid AND i.${flag})`;

export const TABLES_SQL = `SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind, c.relreplident::text AS identity,
  has_table_privilege(c.oid, 'SELECT') AS can_select, ${KEY_COLUMNS('indisprimary')} AS pk, ${KEY_COLUMNS('indisreplident')} AS identity_index,
  ARRAY(SELECT p.pubname::text FROM pg_publication_tables p WHERE p.schemaname = n.nspname AND p.tablename = c.relname ORDER BY 1) AS publications
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
  AND ($1::oid[] IS NULL OR c.oid = ANY ($1::oid[]))
ORDER BY 2, 3 LIMIT ${MAX_TABLES}`;

/** Whether wal2json may be used: true / false from output_plugin_libraries (PostgreSQL 15.19+), undefined when the server does not say. */
export function wal2jsonAllowed(plugins: string | null | undefined): boolean | undefined {
  if (plugins === null || plugins === undefined) return undefined;
  return plugins.split(',').map((p) => p.trim()).includes('wal2json');
}

export async function pgCdcReadiness(source: ResolvedSource, entities: string[]): Promise<CdcReadiness> {
  return withPg(source, async (client) => {
    const server = (await client.query<ServerRow>(SERVER_SQL)).rows[0]!;
    const checks = serverChecks(server);
    const { rows, missing } = await tableRows(client, entities, source.name);
    const tables = [...rows.map((row) => tableReadiness(row, server)), ...missing];
    const wal2json = wal2jsonAllowed(server.plugins);
    const method = wal2json === false
      ? 'pgoutput through a temporary logical replication slot (needs a publication with the tables)'
      : 'wal2json through a temporary logical replication slot (pgoutput with a publication when wal2json is not installed)';
    return {
      source: source.name,
      kind: source.kind,
      server: `PostgreSQL ${server.version}`,
      status: worstStatus([...checks.map((c) => c.status), ...tables.map((t) => t.status)]),
      method,
      checks,
      tables,
    };
  }, entities.join(', ') || undefined);
}

/** The tables asked for (each named one must exist), or every user table. */
export async function tableRows(client: PgClient, entities: string[], sourceName: string): Promise<{ rows: PgTableRow[]; missing: CdcTableReadiness[] }> {
  if (entities.length === 0) return { rows: (await client.query<PgTableRow>(TABLES_SQL, [null])).rows, missing: [] };
  const oids: string[] = [];
  const missing: CdcTableReadiness[] = [];
  for (const entity of entities) {
    const relation = await findRelation(client, entity, sourceName);
    if (relation.relkind === 'r' || relation.relkind === 'p') {
      oids.push(String(relation.oid));
      continue;
    }
    const name = qualifiedName(relation.schema, relation.name);
    missing.push({
      entity: name,
      status: 'fail',
      checks: [{ id: 'relation_kind', title: 'is a table', status: 'fail', observed: relation.relkind === 'm' ? 'materialized view' : relation.relkind === 'f' ? 'foreign table' : 'view', meaning: 'Only tables write changes to the WAL; capture the tables the view reads instead.' }],
    });
  }
  const rows = oids.length ? (await client.query<PgTableRow>(TABLES_SQL, [oids])).rows : [];
  // Partitions asked for by name are kept out of the default listing but not when named.
  if (rows.length < oids.length) {
    const found = new Set(rows.map((r) => r.oid));
    for (const oid of oids.filter((o) => !found.has(o))) {
      const one = await client.query<PgTableRow>(TABLES_SQL.replace('AND NOT c.relispartition', ''), [[oid]]);
      rows.push(...one.rows);
    }
  }
  return { rows, missing };
}

function serverChecks(s: ServerRow): CdcCheck[] {
  const checks: CdcCheck[] = [];
  checks.push(s.wal_level === 'logical'
    ? { id: 'wal_level', title: 'wal_level is logical', status: 'ok', observed: s.wal_level, meaning: 'Row changes are decoded from the WAL.' }
    : {
      id: 'wal_level', title: 'wal_level is logical', status: 'fail', observed: s.wal_level,
      meaning: 'The WAL does not carry what logical decoding needs: no change can be captured.',
      fix: "ALTER SYSTEM SET wal_level = 'logical';  -- then restart the server (postgresql.conf: wal_level = logical; on RDS/Aurora set rds.logical_replication = 1 in the parameter group)",
    });
  const freeSlots = Number(s.max_slots) - Number(s.used_slots);
  checks.push({
    id: 'replication_slots', title: 'a replication slot is free', status: freeSlots > 0 ? 'ok' : 'fail', observed: `${s.used_slots} of max_replication_slots = ${s.max_slots} in use`,
    meaning: 'Each capture (and each Debezium connector) holds one logical slot while it runs.',
    ...(freeSlots > 0 ? {} : { fix: `ALTER SYSTEM SET max_replication_slots = ${Number(s.max_slots) + 4};  -- then restart; or drop an unused slot: SELECT pg_drop_replication_slot('<name>') FROM pg_replication_slots WHERE NOT active` }),
  });
  const freeSenders = Number(s.max_senders) - Number(s.used_senders);
  checks.push({
    id: 'wal_senders', title: 'a WAL sender is free', status: freeSenders > 0 ? 'ok' : 'fail', observed: `${s.used_senders} of max_wal_senders = ${s.max_senders} in use`,
    meaning: 'The change stream is served by one WAL sender process.',
    ...(freeSenders > 0 ? {} : { fix: `ALTER SYSTEM SET max_wal_senders = ${Number(s.max_senders) + 4};  -- then restart` }),
  });
  const privileged = s.superuser || s.replication || s.rds_replication;
  checks.push({
    id: 'replication_privilege', title: 'the role may replicate', status: privileged ? 'ok' : 'fail',
    observed: s.superuser ? `${s.role} is a superuser` : s.replication ? `${s.role} has REPLICATION` : s.rds_replication ? `${s.role} is a member of rds_replication` : `${s.role} has neither REPLICATION nor superuser`,
    meaning: 'Opening a replication connection and a logical slot needs the REPLICATION attribute.',
    ...(privileged ? {} : { fix: `ALTER ROLE ${quoteIdent(s.role)} WITH REPLICATION;  -- on RDS/Aurora: GRANT rds_replication TO ${quoteIdent(s.role)};` }),
  });
  const major = Math.floor(Number(s.version_num) / 10_000);
  if (s.in_recovery) {
    checks.push({
      id: 'primary', title: 'the server is a primary', status: major >= 16 ? 'warn' : 'fail', observed: 'in recovery (a standby)',
      meaning: major >= 16 ? 'PostgreSQL 16+ decodes on a standby, but a slot there is lost on failover.' : 'Before PostgreSQL 16, logical decoding runs on the primary only.',
      fix: 'Point the source at the primary for capture.',
    });
  }
  const wal2json = wal2jsonAllowed(s.plugins);
  checks.push({
    id: 'output_plugin', title: 'an output plugin is available', status: wal2json === false && s.publications.length === 0 ? 'warn' : 'ok',
    observed: s.plugins === null ? 'pgoutput is built in; wal2json is tried first' : `output_plugin_libraries = ${s.plugins}`,
    meaning: 'Debezium uses pgoutput (built in, needs a publication); Headwater tries wal2json first, then pgoutput.',
    ...(wal2json === false && s.publications.length === 0 ? { fix: 'CREATE PUBLICATION dbz_publication FOR TABLE <schema.table>, ...;  -- or install wal2json (postgresql-<version>-wal2json)' } : {}),
  });
  checks.push({
    id: 'publications', title: 'publications', status: 'ok', observed: s.publications.length ? s.publications.join(', ') : 'none',
    meaning: 'pgoutput (and Debezium with it) streams the tables of a publication; Debezium can create one itself when its role owns the tables.',
  });
  return checks;
}

export function tableReadiness(row: PgTableRow, server?: { publications: string[] }): CdcTableReadiness {
  const entity = qualifiedName(row.schema, row.name);
  const target = `${quoteIdent(row.schema)}.${quoteIdent(row.name)}`;
  const checks: CdcCheck[] = [identityCheck(row, target)];
  if (!row.can_select) {
    checks.push({ id: 'select_privilege', title: 'the role may read the table', status: 'warn', observed: 'no SELECT privilege', meaning: "Changes still stream, but Debezium's initial snapshot reads the table.", fix: `GRANT SELECT ON ${target} TO <role>;` });
  }
  if (server && row.publications.length === 0) {
    checks.push({
      id: 'publication', title: 'the table is in a publication', status: server.publications.length ? 'warn' : 'ok',
      observed: 'in no publication', meaning: 'wal2json needs none; pgoutput and Debezium stream only the tables of their publication.',
      ...(server.publications.length ? { fix: `ALTER PUBLICATION <publication> ADD TABLE ${target};` } : {}),
    });
  } else if (row.publications.length) {
    checks.push({ id: 'publication', title: 'the table is in a publication', status: 'ok', observed: row.publications.join(', ') });
  }
  return { entity, status: worstStatus(checks.map((c) => c.status)), checks };
}

/** REPLICA IDENTITY decides what an update's or a delete's `before` holds. */
function identityCheck(row: PgTableRow, target: string): CdcCheck {
  const id = 'replica_identity';
  const title = 'REPLICA IDENTITY gives full before-images';
  const full = `ALTER TABLE ${target} REPLICA IDENTITY FULL;`;
  const pk = row.pk?.join(', ');
  let status: CdcStatus;
  let observed: string;
  let meaning: string;
  switch (row.identity) {
    case 'f':
      return { id, title, status: 'ok', observed: 'FULL', meaning: 'Updates and deletes carry the whole old row in `before`.' };
    case 'd':
      if (pk) {
        status = 'warn';
        observed = `DEFAULT (primary key ${pk})`;
        meaning = `\`before\` of updates and deletes holds only the key (${pk}); the other old values are not in the event.`;
      } else {
        status = 'fail';
        observed = 'DEFAULT without a primary key';
        meaning = 'Updates and deletes carry no before-image at all, and once the table is in a publication PostgreSQL refuses UPDATE and DELETE on it.';
      }
      break;
    case 'i':
      status = 'warn';
      observed = `USING INDEX (${row.identity_index?.join(', ') ?? '?'})`;
      meaning = `\`before\` of updates and deletes holds only the index columns (${row.identity_index?.join(', ') ?? '?'}).`;
      break;
    case 'n':
      status = 'fail';
      observed = 'NOTHING';
      meaning = 'Updates and deletes carry no before-image, not even the key: deletes cannot be matched to rows downstream.';
      break;
    default:
      throw new HeadwaterError('internal', `unknown relreplident '${row.identity}' on ${target}`);
  }
  return { id, title, status, observed, meaning, fix: pk ? full : `ALTER TABLE ${target} ADD PRIMARY KEY (<columns>);  -- or: ${full}` };
}
