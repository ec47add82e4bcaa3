// Fixtures on a test Cassandra, written as its superuser: a keyspace, a role that may only SELECT in
// it, and tables filled with many concurrent inserts.
import type { Client } from 'cassandra-driver';
import { CASSANDRA_DATACENTER, CASSANDRA_SUPERUSER } from './cassandra.js';

export async function adminClient(contactPoint: string): Promise<Client> {
  const cassandra = (await import('cassandra-driver')).default;
  const client = new cassandra.Client({
    contactPoints: [contactPoint], localDataCenter: CASSANDRA_DATACENTER, credentials: CASSANDRA_SUPERUSER,
    socketOptions: { readTimeout: 60_000 }, encoding: { useBigIntAsLong: true, useBigIntAsVarint: true },
  });
  await client.connect();
  return client;
}

/** A keyspace (replication factor 1) and a login role that may only SELECT in it. */
export async function setUpReader(admin: Client, user: string, password: string, keyspace: string): Promise<void> {
  await admin.execute(`CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await admin.execute(`CREATE ROLE IF NOT EXISTS ${user} WITH PASSWORD = '${password.replaceAll("'", "''")}' AND LOGIN = true`);
  await admin.execute(`GRANT SELECT ON KEYSPACE ${keyspace} TO ${user}`);
}

/** Runs the insert `rows` times with the values `row(i)` gives (i from 1), many at once. */
export async function fillTable(admin: Client, insert: string, rows: number, row: (i: number) => unknown[]): Promise<void> {
  const cassandra = (await import('cassandra-driver')).default;
  const params = Array.from({ length: rows }, (_, i) => row(i + 1));
  await cassandra.concurrent.executeConcurrent(admin, insert, params, { concurrencyLevel: 32, raiseOnFirstError: true });
}
