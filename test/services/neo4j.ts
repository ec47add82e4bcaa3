// A private Neo4j 5.26 community for tests: the embedded database with Bolt (scripts/servers/neo4j.sh
// fetches the jars and compiles scripts/servers/neo4j/HeadwaterNeo4j.java), on a free loopback port,
// no auth, data in a temp dir, a 512 MB heap. Community edition keeps no query log, so the test main
// writes two: every transaction that committed changes (its metadata and user), and every query the
// server ran (its outcome, its transaction's metadata and its text).
// It takes ~10-20 s to start: start one per test file. `run` is the test's own (writing) session.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Driver } from 'neo4j-driver';
import { requirePrerequisite, skipReasonFor } from './prerequisites.js';
import { acceptsTcp, freePort, startProcess, waitFor, type ProcessHandle } from './process.js';

export const neo4jVersion = process.env.HEADWATER_NEO4J_VERSION ?? '5.26.30';
export const neo4jHome = process.env.HEADWATER_NEO4J_HOME ?? join(homedir(), '.cache', 'headwater', `neo4j-${neo4jVersion}`);

export interface Neo4jService {
  /** bolt://127.0.0.1:PORT */
  url: string;
  port: number;
  dir: string;
  /** What the server says it is (dbms.components): "5.26.30", "community". */
  version: string;
  edition: string;
  /** Whether Cypher has type predicate expressions (`x IS :: STRING`, 5.9+). */
  typePredicates: boolean;
  /** The test's own driver (auth off), for fixtures. */
  driver: Driver;
  /** Runs one writing statement in its own transaction. */
  run(cypher: string, params?: Record<string, unknown>): Promise<Record<string, unknown>[]>;
  /** Lines of the transaction log: every transaction that committed changes since the server started. */
  writeLog(): string[];
  /** Every query the server ran since it started. */
  queryLog(): LoggedQuery[];
  pid: number;
  stop(): Promise<void>;
}

export interface LoggedQuery {
  ok: boolean;
  /** The transaction's metadata as Java prints a map: {app=headwater, source=…}. */
  meta: string;
  text: string;
}

export function missingNeo4j(): string | undefined {
  if (!existsSync(join(neo4jHome, 'libs', '.complete')) || !existsSync(join(neo4jHome, 'classes', 'HeadwaterNeo4j.class'))) {
    return `Neo4j ${neo4jVersion} is missing in ${neo4jHome}: run scripts/servers/neo4j.sh (needs java, javac and mvn)`;
  }
  return undefined;
}

export function neo4jSkipReason(): string | false {
  return skipReasonFor(missingNeo4j());
}

export async function startNeo4j(options: { heap?: string } = {}): Promise<Neo4jService> {
  requirePrerequisite('Neo4j', missingNeo4j());
  const dir = mkdtempSync(join(tmpdir(), 'hw-neo4j-'));
  const port = await freePort();
  const txLog = join(dir, 'transactions.log');
  const queryLog = join(dir, 'queries.log');
  const heap = options.heap ?? '512m';
  let handle: ProcessHandle | undefined;
  let driver: Driver | undefined;
  const stop = async () => {
    await driver?.close().catch(() => undefined);
    // The data dir is thrown away: the shutdown hook gets a few seconds, then SIGKILL.
    await handle?.stop(15_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    handle = startProcess({
      cmd: 'java', cwd: dir, logFile: join(dir, 'stdout.log'),
      args: [`-Xms${heap}`, `-Xmx${heap}`, '-XX:+UseSerialGC', '-XX:+ExitOnOutOfMemoryError', '-cp', `${join(neo4jHome, 'libs')}/*:${join(neo4jHome, 'classes')}`, 'HeadwaterNeo4j', join(dir, 'db'), String(port), txLog, queryLog],
    });
    const started = handle;
    const stopIf = () => (started.exitInfo() ? `the JVM exited: ${started.outputTail(3000)}` : undefined);
    await waitFor(() => acceptsTcp(port), { timeoutMs: 180_000, what: `Neo4j's Bolt port 127.0.0.1:${port}`, intervalMs: 250, stopIf });
    const neo4j = (await import('neo4j-driver')).default;
    driver = neo4j.driver(`bolt://127.0.0.1:${port}`, undefined, { disableLosslessIntegers: true, logging: { level: 'error', logger: () => undefined } });
    const opened = driver;
    // Bolt accepts connections before the default database is online: wait until a query answers.
    const components = await waitFor(async () => (await opened.executeQuery('CALL dbms.components() YIELD versions, edition RETURN versions[0] AS version, edition')).records[0], {
      timeoutMs: 120_000, what: 'Neo4j to answer a query', intervalMs: 250, stopIf,
    });
    const version = String(components.get('version'));
    const typePredicates = await opened.executeQuery('RETURN 1 IS :: INTEGER AS ok').then(() => true, () => false);
    return {
      url: `bolt://127.0.0.1:${port}`, port, dir, version, edition: String(components.get('edition')), typePredicates, driver: opened,
      async run(cypher, params = {}) {
        const result = await opened.executeQuery(cypher, params);
        return result.records.map((r) => r.toObject());
      },
      writeLog: () => lines(txLog),
      queryLog: () => lines(queryLog).flatMap((line) => {
        const m = /^query (ok|failed) meta=(\{.*?\}) text=(.*)$/.exec(line);
        return m ? [{ ok: m[1] === 'ok', meta: m[2]!, text: m[3]! }] : [];
      }),
      pid: started.pid,
      stop,
    };
  } catch (error) {
    const output = handle?.outputTail(3000) ?? '';
    await stop().catch(() => undefined);
    throw new Error(`${(error as Error).message}\n${output}`, { cause: error });
  }
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}
