// The `ssh:` property a TCP source may have, said once: the manifests of tunnel-capable kinds spread
// it into their entry schema, so sources.yaml's JSON Schema, the editor and the CLI's errors agree.
import type { JsonSchema } from '../options.js';
import type { SshBlock } from './config.js';

const hop = {
  type: 'object', required: ['host'], additionalProperties: false,
  properties: {
    host: { type: 'string', minLength: 1 }, port: { type: 'integer', minimum: 1, maximum: 65535 }, user: { type: 'string', minLength: 1 },
    identityFile: { type: ['string', 'array'], items: { type: 'string' } },
  },
};

export const SSH_PROPERTY: JsonSchema = {
  type: ['string', 'object'],
  minLength: 1,
  required: ['host'],
  additionalProperties: false,
  properties: {
    host: { type: 'string', minLength: 1, description: 'The SSH server: a host name, or a Host alias of the ssh config file (its HostName, User, Port, IdentityFile and ProxyJump apply).' },
    port: { type: 'integer', minimum: 1, maximum: 65535, description: 'SSH port (default: the config file\'s Port, else 22).' },
    user: { type: 'string', minLength: 1, description: 'SSH user (default: the config file\'s User, else the local user).' },
    identityFile: { type: ['string', 'array'], items: { type: 'string' }, description: 'Private key file(s) (default: the config file\'s IdentityFile, else ~/.ssh/id_ed25519, id_ecdsa, id_rsa).' },
    passphrase: { type: 'string', description: 'The private key\'s passphrase: write ${secret:NAME}, never the value itself.' },
    agent: { type: ['boolean', 'string'], description: 'Authenticate with the SSH agent: true for $SSH_AUTH_SOCK, or the agent socket\'s path.' },
    jump: {
      type: ['string', 'array'], items: { anyOf: [{ type: 'string' }, hop] },
      description: 'Jump hosts to go through first, as ProxyJump writes them ([user@]host[:port],…) or a list (default: the config file\'s ProxyJump).',
    },
    config: { anyOf: [{ type: 'string', minLength: 1 }, { const: false }], description: 'The ssh config file to read Host aliases from (default ~/.ssh/config); false reads none.' },
    knownHosts: { type: 'string', description: 'The known_hosts file host keys are verified against (default ~/.ssh/known_hosts).' },
    idleSeconds: { type: 'integer', minimum: 1, default: 300, description: 'The tunnel closes after this many seconds without a connection through it.' },
    connectTimeoutMs: { type: 'integer', minimum: 1, default: 15_000, description: 'Longest wait for each SSH server to accept the connection and the key, in milliseconds.' },
  },
  description: 'Reach the source through an SSH tunnel: an SSH server (or a Host alias of ~/.ssh/config) that can connect to the source\'s host and port.',
};

/** The block as the tunnel reads it: a bare string is `{ host }`. Its shape was checked by SSH_PROPERTY. */
export function sshBlock(value: unknown): SshBlock | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return { host: value };
  return value as SshBlock;
}
