// A private Prometheus 2.x for tests: loopback only, a free port, its TSDB in a temp dir. History is
// backfilled before start from OpenMetrics text (promtool tsdb create-blocks-from openmetrics), so
// fixtures hold exact points at known times; a local endpoint serving `metrics` text (with HELP and
// TYPE) is scraped every second, so the metadata API knows those metrics. Every request the server
// answers is read back from its query log (query_log_file) for the read-only check.
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingBinary, requirePrerequisite, skipReasonFor } from './prerequisites.js';
import { startTempDirServer, waitFor } from './process.js';

const SERVER = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';
const HOST = '127.0.0.1';

export interface PrometheusService {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  dir: string;
  /** PromQL queries the server ran, from its query log, in order. */
  loggedQueries(): string[];
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** OpenMetrics text (ending in `# EOF`) backfilled into the TSDB before start. */
  history?: string;
  /** Exposition text served to the scraper (HELP/TYPE lines give the metadata API its answers). */
  scraped?: string;
}

export function missingPrometheus(): string | undefined {
  return missingBinary(SERVER, 'prometheus') ?? missingBinary(PROMTOOL, 'prometheus');
}

export function prometheusSkipReason(): string | false {
  return skipReasonFor(missingPrometheus());
}

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://${HOST}:${port}/-/ready`)).status === 200;
  } catch {
    return false;
  }
}

export async function startPrometheus(options: PrometheusOptions = {}): Promise<PrometheusService> {
  requirePrerequisite('Prometheus', missingPrometheus());
  const target: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(options.scraped ?? ''));
  await new Promise<void>((resolve) => target.listen(0, HOST, resolve));
  const targetPort = (target.address() as { port: number }).port;
  const closeTarget = () => {
    target.closeAllConnections();
    target.close();
  };
  let server;
  try {
    server = await startTempDirServer({
      label: 'Prometheus',
      processName: 'prometheus',
      dirPrefix: 'hw-prometheus-',
      timeoutMs: 60_000,
      command: (port, dir) => {
        const data = join(dir, 'data');
        if (options.history && !existsSync(data)) {
          mkdirSync(data, { recursive: true });
          writeFileSync(join(dir, 'history.om'), options.history);
          execFileSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'history.om'), data], { stdio: 'pipe' });
        }
        writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  query_log_file: ${join(dir, 'queries.log')}\nscrape_configs:\n  - job_name: fixture\n    static_configs:\n      - targets: ['${HOST}:${targetPort}']\n`);
        return {
          cmd: SERVER,
          args: [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${data}`, `--web.listen-address=${HOST}:${port}`, '--storage.tsdb.retention.time=3650d', '--log.level=warn'],
          cwd: dir,
          logFile: join(dir, 'prometheus.log'),
        };
      },
      answers: ready,
    });
  } catch (error) {
    closeTarget();
    throw error;
  }
  const url = `http://${HOST}:${server.port}`;
  const stop = async () => {
    closeTarget();
    await server.stop();
  };
  if (options.scraped) {
    try {
      // Metadata exists once the target was scraped.
      await waitFor(async () => {
        const body = await (await fetch(`${url}/api/v1/metadata`)).json() as { data?: Record<string, unknown> };
        return Object.keys(body.data ?? {}).length > 0;
      }, { timeoutMs: 30_000, what: 'the first scrape of the fixture target', intervalMs: 200 });
    } catch (error) {
      await stop();
      throw error;
    }
  }
  return {
    url,
    port: server.port,
    dir: server.dir,
    loggedQueries() {
      const file = join(server.dir, 'queries.log');
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => String((JSON.parse(line) as { params?: { query?: string } }).params?.query ?? ''));
    },
    stop,
  };
}
