// A private OpenSearch node for tests: the integ-test zip that scripts/servers/opensearch.sh caches
// (no security plugin), single-node, loopback only, free HTTP and transport ports, config, data and
// logs in a temp dir, a 512 MB heap. It refuses to run as root, so it runs as nobody (setpriv). It
// takes 8–16 s to start: start one per test file. `call` is the test's own client of the REST API.
import { execFileSync } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { requirePrerequisite, skipReasonFor } from './prerequisites.js';
import { exitedReason, freePort, startProcess, waitFor } from './process.js';

export const openSearchVersion = process.env.HEADWATER_OPENSEARCH_VERSION ?? '2.19.6';
export const openSearchHome = process.env.HEADWATER_OPENSEARCH_HOME ?? join(homedir(), '.cache', 'headwater', `opensearch-${openSearchVersion}`);
const HOST = '127.0.0.1';
const SETPRIV = '/usr/bin/setpriv';
const NOBODY = 65534;

/** A parsed JSON answer, read by the tests as they know its shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of many shapes, checked by the tests' assertions
export type Json = any;

export interface OpenSearchService {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  dir: string;
  /** One REST call; the parsed JSON answer. Throws on HTTP ≥ 400 unless `allowError`. */
  call(method: string, path: string, body?: unknown, options?: { allowError?: boolean; ndjson?: string }): Promise<{ status: number; body: Json }>;
  /** Creates documents in bulk (with their `_id` when they carry one as `_id`; `create`, so data streams take them too), then refreshes. */
  bulk(index: string, docs: Record<string, unknown>[]): Promise<void>;
  /** Search contexts open on the node: scrolls and point-in-time readers. */
  openContexts(): Promise<{ open: number; pit: number }>;
  stop(): Promise<void>;
}

export function missingOpenSearch(): string | undefined {
  if (!existsSync(join(openSearchHome, '.complete'))) return `OpenSearch ${openSearchVersion} is missing in ${openSearchHome}: run scripts/servers/opensearch.sh (needs java and mvn)`;
  if (!existsSync(SETPRIV)) return `${SETPRIV} is missing (util-linux)`;
  return undefined;
}

export function openSearchSkipReason(): string | false {
  return skipReasonFor(missingOpenSearch());
}

/** jvm.options with a 512 MB heap and absolute paths (the launcher changes directory; a path it cannot write kills the JVM). */
function jvmOptions(text: string, dir: string): string {
  return text
    .replace(/^-Xms\S+$/m, '-Xms512m').replace(/^-Xmx\S+$/m, '-Xmx512m')
    .replace(/-XX:HeapDumpPath=\S+/, `-XX:HeapDumpPath=${join(dir, 'data')}`)
    .replace(/-XX:ErrorFile=logs\//, `-XX:ErrorFile=${join(dir, 'logs')}/`)
    .replace(/file=logs\/gc\.log/g, `file=${join(dir, 'logs', 'gc.log')}`)
    .replace(/-Xloggc:logs\/gc\.log/g, `-Xloggc:${join(dir, 'logs', 'gc.log')}`);
}

function javaHome(): string {
  if (process.env.JAVA_HOME) return process.env.JAVA_HOME;
  return dirname(dirname(realpathSync('/usr/bin/java')));
}

export async function startOpenSearch(): Promise<OpenSearchService> {
  requirePrerequisite('OpenSearch', missingOpenSearch());
  const dir = mkdtempSync(join(tmpdir(), 'hw-opensearch-'));
  const [port, transport] = [await freePort(), await freePort()];
  // The cache lives under root's home, which nobody cannot enter: the node runs from a copy (hard links where possible).
  const home = join(dir, 'opensearch');
  try {
    execFileSync('cp', ['-al', openSearchHome, home], { stdio: 'pipe' });
  } catch {
    cpSync(openSearchHome, home, { recursive: true });
  }
  const conf = join(dir, 'config');
  cpSync(join(openSearchHome, 'config'), conf, { recursive: true });
  writeFileSync(join(conf, 'jvm.options'), jvmOptions(readFileSync(join(conf, 'jvm.options'), 'utf8'), dir));
  for (const sub of ['data', 'logs', 'tmp']) mkdirSync(join(dir, sub));
  for (const path of [dir, home, conf, join(conf, 'jvm.options'), join(conf, 'opensearch.yml'), join(conf, 'log4j2.properties'), join(dir, 'data'), join(dir, 'logs'), join(dir, 'tmp')]) chownSync(path, NOBODY, NOBODY);
  chownSync(join(conf, 'jvm.options.d'), NOBODY, NOBODY);
  const handle = startProcess({
    cmd: SETPRIV,
    args: ['--reuid=nobody', '--regid=nogroup', '--clear-groups', join(home, 'bin', 'opensearch'),
      '-Ediscovery.type=single-node', `-Enetwork.host=${HOST}`, `-Ehttp.port=${port}`, `-Etransport.port=${transport}`,
      `-Epath.data=${join(dir, 'data')}`, `-Epath.logs=${join(dir, 'logs')}`, '-Ecluster.name=headwater-test', '-Enode.name=node-1',
      '-Ecluster.routing.allocation.disk.threshold_enabled=false', '-Eaction.auto_create_index=false'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', JAVA_HOME: javaHome(), OPENSEARCH_PATH_CONF: conf, OPENSEARCH_TMPDIR: join(dir, 'tmp'), HOME: dir },
    cwd: dir,
    logFile: join(dir, 'console.log'),
  });
  const url = `http://${HOST}:${port}`;
  const stop = async () => {
    await handle.stop(15_000);
    rmSync(dir, { recursive: true, force: true });
  };

  async function call(method: string, path: string, body?: unknown, options: { allowError?: boolean; ndjson?: string } = {}) {
    const text = options.ndjson ?? (body === undefined ? undefined : JSON.stringify(body));
    const response = await fetch(`${url}${path}`, {
      method, body: text,
      headers: text === undefined ? {} : { 'content-type': options.ndjson ? 'application/x-ndjson' : 'application/json' },
    });
    const answer = await response.text();
    const parsed = answer ? JSON.parse(answer) : undefined;
    if (response.status >= 400 && !options.allowError) throw new Error(`OpenSearch ${method} ${path}: HTTP ${response.status} ${answer.slice(0, 400)}`);
    return { status: response.status, body: parsed };
  }

  try {
    await waitFor(async () => (await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`)).status === 200, {
      timeoutMs: 90_000, what: `OpenSearch on port ${port}`, intervalMs: 250, stopIf: exitedReason(handle, 'opensearch'),
    });
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url, port, dir, call, stop,
    async bulk(index, docs) {
      for (let i = 0; i < docs.length; i += 5000) {
        const lines = docs.slice(i, i + 5000).flatMap(({ _id, ...doc }) => [JSON.stringify({ create: _id === undefined ? {} : { _id } }), JSON.stringify(doc)]);
        const { body } = await call('POST', `/${encodeURIComponent(index)}/_bulk`, undefined, { ndjson: `${lines.join('\n')}\n` });
        if (body.errors) throw new Error(`OpenSearch bulk into ${index}: ${JSON.stringify(body.items.find((item: Json) => item.create?.error)).slice(0, 400)}`);
      }
      await call('POST', `/${encodeURIComponent(index)}/_refresh`);
    },
    async openContexts() {
      const { body } = await call('GET', '/_nodes/stats/indices/search');
      let open = 0;
      let pit = 0;
      for (const node of Object.values(body.nodes) as Json[]) {
        open += node.indices.search.open_contexts ?? 0;
        pit += node.indices.search.point_in_time_current ?? 0;
      }
      return { open, pit };
    },
  };
}
