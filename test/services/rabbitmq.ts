// A private RabbitMQ 3.10 for tests, with the management plugin (its HTTP API lists exchanges,
// queues and bindings): loopback only, free ports for AMQP, distribution, epmd and HTTP, all state
// in a temp dir. The guest user may log in from loopback. stop() also stops its epmd.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingBinary, requirePrerequisite, skipReasonFor } from './prerequisites.js';
import { acceptsTcp, exitedReason, freePort, startProcess, waitFor } from './process.js';

const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

export interface RabbitMQService {
  /** amqp://guest:guest@127.0.0.1:PORT */
  url: string;
  port: number;
  /** http://127.0.0.1:PORT of the management API. */
  managementUrl: string;
  dir: string;
  /** GET on the management API as guest. */
  api<T = unknown>(path: string): Promise<T>;
  stop(): Promise<void>;
}

export function missingRabbitMQ(): string | undefined {
  return missingBinary(SERVER, 'rabbitmq-server');
}

export function rabbitmqSkipReason(): string | false {
  return skipReasonFor(missingRabbitMQ());
}

export async function startRabbitMQ(): Promise<RabbitMQService> {
  requirePrerequisite('RabbitMQ', missingRabbitMQ());
  const dir = mkdtempSync(join(tmpdir(), 'hw-rabbitmq-'));
  const [port, distPort, epmdPort, httpPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  mkdirSync(join(dir, 'log'));
  writeFileSync(join(dir, 'enabled_plugins'), '[rabbitmq_management].\n');
  writeFileSync(join(dir, 'rabbitmq.conf'), [
    `management.tcp.ip = 127.0.0.1`,
    `management.tcp.port = ${httpPort}`,
    // Statistics every second, so queue depths in the API follow publishes quickly.
    'collect_statistics_interval = 1000',
    'management.rates_mode = none',
    '',
  ].join('\n'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir,
    RABBITMQ_NODENAME: `hw${port}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  const handle = startProcess({ cmd: SERVER, env, cwd: dir, logFile: join(dir, 'server.log') });
  const managementUrl = `http://127.0.0.1:${httpPort}`;
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${managementUrl}${path}`, { headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` } });
    if (!response.ok) throw new Error(`RabbitMQ API ${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };
  const stopEpmd = () => {
    // epmd daemonises out of the broker's process group; it wrote nothing we can read, so find it by its port argument.
    for (const pid of epmdPids(epmdPort)) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  };
  const stopIf = exitedReason(handle, 'rabbitmq-server');
  try {
    await waitFor(async () => (await acceptsTcp(port)) && (await api('/api/overview').then(() => true)), { timeoutMs: 90_000, what: `RabbitMQ on port ${port}`, stopIf, intervalMs: 200 });
  } catch (error) {
    await handle.stop(15_000);
    stopEpmd();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    port,
    managementUrl,
    dir,
    api,
    async stop() {
      await handle.stop(20_000);
      stopEpmd();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** PIDs of the epmd started for this broker (its environment names our private epmd port). */
function epmdPids(epmdPort: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes('epmd')) continue;
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(`ERL_EPMD_PORT=${epmdPort}`)) pids.push(Number(entry));
    } catch {
      // exited while scanning
    }
  }
  return pids;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
