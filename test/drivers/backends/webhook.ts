// Webhook: the local receiver; a sender posts GitHub-signed deliveries to its port the whole time
// (refused while nothing listens), which a sample lands while it listens. The signing secret comes
// from a secret.
import { createHmac } from 'node:crypto';
import { ALL, secretFor, startTraffic, type Backend } from '../backend.js';
import { freePort } from '../../services/process.js';

const backend: Backend = {
  kind: 'webhook',
  skipReason: () => false,
  async start() {
    const secret = secretFor('webhook');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/hooks/github`;
    const traffic = startTraffic(async (n) => {
      const body = JSON.stringify({ action: 'opened', number: n, repository: { full_name: 'acme/shop' } });
      const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-hub-signature-256': signature } })
        .then((response) => response.body?.cancel(), () => undefined);
    });
    return {
      source: `kind: webhook
host: 127.0.0.1
options:
  port: ${port}
  path: /hooks/github
  signature:
    scheme: github
    secret: \${secret:WEBHOOK_SECRET}`,
      secrets: { WEBHOOK_SECRET: secret },
      stop: () => traffic.stop(),
    };
  },
  // A receiver: records are what the sender posts while it listens, without end.
  fixture: { entity: 'deliveries', rows: Number.MAX_SAFE_INTEGER, browsePath: [], options: { windowSeconds: 60 } },
  unknownEntity: 'no_such_entity',
  supports: {
    ...ALL,
    describe: 'a webhook source is a local receiver: there is no remote to be unreachable',
    statementLog: 'a receiver sends nothing: it only answers the deliveries it is sent',
  },
};

export default backend;
