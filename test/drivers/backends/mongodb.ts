// MongoDB: a private FerretDB (test/services/ferretdb.ts, SQLite backend) that asks for a password.
// FerretDB keeps no log of client commands at a usable level, so the statement check reads the
// driver's own command monitoring (every command the engine's MongoClients sent, by name).
import { MongoClient } from 'mongodb';
import { ALL, secretFor, type Backend } from '../backend.js';
import { freePort } from '../../services/process.js';
import { ferretdbSkipReason, startFerretdb } from '../../services/ferretdb.js';
import { onCommandSent, type SentCommand } from '../../../src/engine/drivers/mongodb/connection.js';

const ROWS = 5000;
const LONG_ROWS = 150_000;

/** Commands that only read or set up the session. */
export const READ_COMMANDS = new Set([
  'hello', 'ismaster', 'isMaster', 'ping', 'buildInfo', 'saslStart', 'saslContinue', 'endSessions',
  'find', 'getMore', 'killCursors', 'aggregate', 'count', 'listDatabases', 'listCollections', 'listIndexes', 'collStats', 'dbStats',
]);

/** Inserts `count` small documents in batches. */
export async function fill(client: MongoClient, db: string, collection: string, count: number, make: (n: number) => Record<string, unknown>): Promise<void> {
  const target = client.db(db).collection(collection);
  for (let start = 0; start < count; start += 5000) {
    const docs = Array.from({ length: Math.min(5000, count - start) }, (_, i) => make(start + i));
    await target.insertMany(docs, { ordered: false });
  }
}

const event = (n: number) => ({ n, kind: n % 3 === 0 ? 'click' : 'view', page: `/p/${n % 50}`, at: new Date(1_700_000_000_000 + n * 1000), tags: ['a', `t${n % 7}`] });

const backend: Backend = {
  kind: 'mongodb',
  skipReason: ferretdbSkipReason,
  async start() {
    const password = secretFor('mongodb');
    const server = await startFerretdb({ user: { name: 'hw', password } });
    const admin = new MongoClient(server.adminUrl, { serverSelectionTimeoutMS: 10_000 });
    const commands: SentCommand[] = [];
    const unsubscribe = onCommandSent((command) => commands.push(command));
    try {
      await fill(admin, 'shop', 'events', ROWS, event);
      await fill(admin, 'shop', 'history', LONG_ROWS, event);
    } catch (error) {
      unsubscribe();
      await admin.close();
      await server.stop();
      throw error;
    }
    const entry = (port: number) => `kind: mongodb\nurl: mongodb://hw:\${secret:MONGO_PASSWORD}@127.0.0.1:${port}/shop?authSource=admin&directConnection=true\noptions:\n  connectTimeoutMs: 3000`;
    const closed = await freePort();
    return {
      source: entry(server.port),
      unreachable: { source: entry(closed), where: `127.0.0.1:${closed}` },
      secrets: { MONGO_PASSWORD: password },
      async statementLog() {
        return { seen: commands.length, notReads: commands.filter((c) => !READ_COMMANDS.has(c.name)).map((c) => `${c.name} on ${c.database}`) };
      },
      async stop() {
        unsubscribe();
        await admin.close();
        await server.stop();
      },
    };
  },
  fixture: { entity: 'shop.events', rows: ROWS, browsePath: ['shop'] },
  // A full read streams in natural order; head sorts on _id, which FerretDB does in memory before the first batch.
  long: { entity: 'shop.history', options: { strategy: 'full' } },
  unknownEntity: 'shop.no_such_collection',
  unreachableCause: /ECONNREFUSED|connection refused/i,
  supports: { ...ALL, statementLog: true },
};

export default backend;
