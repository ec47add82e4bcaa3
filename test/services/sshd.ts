// A private OpenSSH server for tunnel tests: its own host key, authorized keys and config in a temp
// dir, loopback only, on a free port, logging every forward it opens (LogLevel DEBUG1). sshd gives
// each connection its own session (setsid), so kill() ends the whole process tree, as a crash would.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingBinary, requirePrerequisite, skipReasonFor } from './prerequisites.js';
import { acceptsTcp, exitedReason, freePort, startProcess, waitFor } from './process.js';

const SSHD = '/usr/sbin/sshd';
const KEYGEN = '/usr/bin/ssh-keygen';

export interface SshdService {
  port: number;
  dir: string;
  /** The host's public key line (`ssh-ed25519 AAAA…`). */
  hostPublicKey: string;
  /** Its fingerprint, as ssh-keygen -l prints it (SHA256:…). */
  hostFingerprint: string;
  /** Everything sshd logged, forwards included (`server_request_direct_tcpip: … target HOST port PORT`). */
  log(): string;
  /** SIGKILLs sshd and every session it forked: open tunnels drop at once. */
  kill(): void;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** Public key lines allowed to log in (as root, the test's user). */
  authorizedKeys: string[];
  /** AllowTcpForwarding (default yes). */
  allowTcpForwarding?: boolean;
}

export function missingSshd(): string | undefined {
  return missingBinary(SSHD, 'openssh-server (scripts/servers/openssh.sh)') ?? missingBinary(KEYGEN, 'openssh-client (scripts/servers/openssh.sh)');
}

export function sshdSkipReason(): string | false {
  return skipReasonFor(missingSshd());
}

/** A new ed25519 key pair in `dir`, encrypted when `passphrase` is given. */
export function makeKey(dir: string, name: string, passphrase = ''): { privateFile: string; publicLine: string } {
  const privateFile = join(dir, name);
  execFileSync(KEYGEN, ['-q', '-t', 'ed25519', '-N', passphrase, '-C', name, '-f', privateFile]);
  return { privateFile, publicLine: readFileSync(`${privateFile}.pub`, 'utf8').trim() };
}

/** Every process whose parent chain leads to `root` (sessions that left sshd's process group included). */
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited while scanning
    }
  }
  const found = [root];
  for (let i = 0; i < found.length; i++) for (const [pid, ppid] of parents) if (ppid === found[i] && !found.includes(pid)) found.push(pid);
  return found;
}

export async function startSshd(options: SshdOptions): Promise<SshdService> {
  requirePrerequisite('sshd', missingSshd());
  mkdirSync('/run/sshd', { recursive: true }); // sshd refuses to start without its privilege-separation dir
  const dir = mkdtempSync(join(tmpdir(), 'hw-sshd-'));
  const port = await freePort();
  const hostKey = makeKey(dir, 'host_key');
  writeFileSync(join(dir, 'authorized_keys'), `${options.authorizedKeys.join('\n')}\n`);
  const logFile = join(dir, 'sshd.log');
  writeFileSync(join(dir, 'sshd_config'), [
    'ListenAddress 127.0.0.1', `Port ${port}`, `HostKey ${hostKey.privateFile}`, `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no',
    'StrictModes no', 'PermitRootLogin prohibit-password', `AllowTcpForwarding ${options.allowTcpForwarding === false ? 'no' : 'yes'}`,
    'LogLevel DEBUG1', '',
  ].join('\n'));
  const handle = startProcess({ cmd: SSHD, args: ['-D', '-e', '-f', join(dir, 'sshd_config')], cwd: dir, logFile });
  const stop = async () => {
    for (const pid of descendants(handle.pid).slice(1)) signal(pid, 'SIGTERM');
    await handle.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(() => acceptsTcp(port), { timeoutMs: 20_000, what: `sshd on port ${port}`, stopIf: exitedReason(handle, 'sshd'), intervalMs: 25 });
  } catch (error) {
    await stop();
    throw error;
  }
  const hostFingerprint = execFileSync(KEYGEN, ['-l', '-E', 'sha256', '-f', `${hostKey.privateFile}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  return {
    port, dir, hostPublicKey: hostKey.publicLine, hostFingerprint,
    log: () => readFileSync(logFile, 'utf8'),
    kill: () => {
      for (const pid of descendants(handle.pid).reverse()) signal(pid, 'SIGKILL');
    },
    stop,
  };
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
