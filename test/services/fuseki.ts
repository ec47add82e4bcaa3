// A private Apache Jena Fuseki for tests: jena-fuseki-main from the Maven Central jars that
// scripts/servers/fuseki.sh caches, one in-memory dataset /ds on a free loopback port (query at
// /ds/query and /ds/sparql, updates at /ds/update, the graph store at /ds/data), a 256 MB heap. Its
// log names every request (method, path, query text), so a test reads what a client sent. Starts in
// ~3 s: one per test file.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { requirePrerequisite, skipReasonFor } from './prerequisites.js';
import { exitedReason, freePort, startProcess, waitFor, type ProcessHandle } from './process.js';

export const fusekiVersion = process.env.HEADWATER_FUSEKI_VERSION ?? '5.6.0';
export const fusekiLibs = join(process.env.HEADWATER_FUSEKI_HOME ?? join(homedir(), '.cache', 'headwater', `fuseki-${fusekiVersion}`), 'libs');

export interface FusekiRequest {
  method: string;
  /** The path the request went to (/ds/query, /ds/update, /ds/data...). */
  path: string;
  /** The query or update text Fuseki logged for it. */
  text?: string;
}

export interface FusekiService {
  /** http://127.0.0.1:PORT */
  base: string;
  /** The dataset's query endpoint. */
  queryUrl: string;
  port: number;
  /** What the server says it is, from its start-up log ("5.6.0"), or undefined when it did not say. */
  version?: string;
  /** Loads Turtle into the default graph, or into a named graph. */
  load(turtle: string, graph?: string): Promise<void>;
  /** Runs one SPARQL update (the test's own fixtures). */
  update(text: string): Promise<void>;
  /** Every request the server logged since it started. */
  requests(): FusekiRequest[];
  stop(): Promise<void>;
}

export function missingFuseki(): string | undefined {
  return existsSync(join(fusekiLibs, '.complete')) ? undefined : `Fuseki ${fusekiVersion} jars are missing in ${fusekiLibs}: run scripts/servers/fuseki.sh (needs java and mvn)`;
}

export function fusekiSkipReason(): string | false {
  return skipReasonFor(missingFuseki());
}

export async function startFuseki(): Promise<FusekiService> {
  requirePrerequisite('Fuseki', missingFuseki());
  const dir = mkdtempSync(join(tmpdir(), 'hw-fuseki-'));
  const port = await freePort();
  const logFile = join(dir, 'fuseki.log');
  let handle: ProcessHandle | undefined;
  const stop = async () => {
    await handle?.stop(5000);
    rmSync(dir, { recursive: true, force: true });
  };
  const base = `http://127.0.0.1:${port}`;
  try {
    handle = startProcess({
      cmd: 'java', cwd: dir, logFile,
      args: ['-Xmx256m', '-XX:+UseSerialGC', '-cp', `${fusekiLibs}/*`, 'org.apache.jena.fuseki.main.cmds.FusekiMainCmd', '--localhost', '--port', String(port), '--ping', '--mem', '--update', '/ds'],
    });
    await waitFor(async () => (await fetch(`${base}/$/ping`).catch(() => undefined))?.ok, { timeoutMs: 120_000, what: `Fuseki on ${base}`, intervalMs: 200, stopIf: exitedReason(handle, 'Fuseki') });
  } catch (error) {
    const output = handle?.outputTail(3000) ?? '';
    await stop().catch(() => undefined);
    throw new Error(`${(error as Error).message}\n${output}`, { cause: error });
  }
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const send = async (path: string, body: string, type: string) => {
    const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
    if (!response.ok) throw new Error(`Fuseki ${path}: HTTP ${response.status} ${await response.text()}`);
  };
  const version = /Fuseki\s+([0-9]+\.[0-9]+\.[0-9]+)/.exec(log())?.[1];
  return {
    base, queryUrl: `${base}/ds/query`, port, ...(version ? { version } : {}),
    load: (turtle, graph) => send(`/ds/data?${graph ? `graph=${encodeURIComponent(graph)}` : 'default'}`, turtle, 'text/turtle'),
    update: (text) => send('/ds/update', text, 'application/sparql-update'),
    requests() {
      const byId = new Map<string, FusekiRequest>();
      for (const line of log().split('\n')) {
        const request = /\[(\d+)\] (GET|POST|PUT|DELETE|HEAD|PATCH) https?:\/\/[^/]+(\/[^?\s]*)/.exec(line);
        if (request) byId.set(request[1]!, { method: request[2]!, path: request[3]! });
        const text = /\[(\d+)\] (?:Query|Update) = (.*)$/.exec(line);
        if (text && byId.has(text[1]!)) byId.get(text[1]!)!.text = text[2]!;
      }
      return [...byId.values()];
    },
    stop,
  };
}
