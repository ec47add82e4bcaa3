// The conformance suite through an SSH tunnel: a backend's sources, each given an `ssh:` block to a
// private sshd on loopback (an encrypted key whose passphrase is one more secret to keep out of every
// text). The checks that read and fail run as they do directly; the budget and cancel checks ran
// without the tunnel already. Stopping fails when sshd forwarded nothing: the reads went through it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secretFor, type Backend, type Check, type Support } from './backend.js';
import { makeKey, sshdSkipReason, startSshd } from '../services/sshd.js';

const DIRECT = 'checked without the tunnel (the same kind\'s own conformance file)';
const THROUGH: Check[] = ['describe', 'browse', 'limit', 'unknownEntity', 'secrets'];

export function throughSsh(backend: Backend): Backend {
  const supports = Object.fromEntries(Object.entries(backend.supports).map(([check, support]) => [check, THROUGH.includes(check as Check) ? support : DIRECT])) as Record<Check, Support>;
  return {
    ...backend,
    kind: `${backend.kind}_ssh`,
    skipReason: () => sshdSkipReason() || backend.skipReason(),
    supports,
    knownGaps: Object.fromEntries(Object.entries(backend.knownGaps ?? {}).filter(([check]) => THROUGH.includes(check as Check))),
    async start() {
      const dir = mkdtempSync(join(tmpdir(), 'hw-conf-ssh-'));
      const passphrase = secretFor(`${backend.kind}-ssh`);
      const key = makeKey(dir, 'client', passphrase);
      const sshd = await startSshd({ authorizedKeys: [key.publicLine] }).catch((error: unknown) => {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      });
      const inner = await backend.start().catch(async (error: unknown) => {
        await sshd.stop();
        rmSync(dir, { recursive: true, force: true });
        throw error;
      });
      writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`);
      const ssh = `ssh: { host: 127.0.0.1, port: ${sshd.port}, user: root, config: false, identityFile: ${key.privateFile}, knownHosts: ${join(dir, 'known_hosts')}, passphrase: '\${secret:SSH_PASSPHRASE}' }`;
      const tunnelled = (entry: string) => `${entry.trim()}\n${ssh}`;
      return {
        ...inner,
        source: tunnelled(inner.source),
        ...(inner.unreachable ? { unreachable: { ...inner.unreachable, source: tunnelled(inner.unreachable.source) } } : {}),
        ...(inner.longSource ? { longSource: tunnelled(inner.longSource) } : {}),
        secrets: { ...inner.secrets, SSH_PASSPHRASE: passphrase },
        async stop() {
          const forwards = (sshd.log().match(/server_request_direct_tcpip/g) ?? []).length;
          try {
            await inner.stop();
          } finally {
            await sshd.stop();
            rmSync(dir, { recursive: true, force: true });
          }
          if (forwards === 0) throw new Error(`sshd forwarded no connection: the ${backend.kind} source did not go through the tunnel`);
        },
      };
    },
  };
}
