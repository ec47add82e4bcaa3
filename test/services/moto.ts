// A private moto server (S3 and friends, from PyPI in .venv-tools by scripts/install-python-tools.sh)
// on a free loopback port, with authentication on: an IAM user and access key are created first, so
// wrong credentials are refused as AWS refuses them.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './paths.js';
import { requirePrerequisite, skipReasonFor } from './prerequisites.js';
import { freePort, startProcess, waitFor } from './process.js';

const run = promisify(execFile);
const venvBin = process.env.MOTO_VENV_BIN ?? join(repoRoot, '.venv-tools', 'bin');

export interface MotoService {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

export function missingMoto(): string | undefined {
  if (!existsSync(join(venvBin, 'moto_server'))) return `moto_server is missing in ${venvBin}: run scripts/install-python-tools.sh`;
  return undefined;
}

/** node:test `skip` value: the reason outside CI, false under CI (where startMoto() then fails). */
export function motoSkipReason(): string | false {
  return skipReasonFor(missingMoto());
}

// The IAM calls that make the user are the only unauthenticated ones (INITIAL_NO_AUTH_ACTION_COUNT).
const CREATE_USER = `
import boto3, json, sys
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam.create_user(UserName="headwater")
iam.put_user_policy(UserName="headwater", PolicyName="all", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="headwater")["AccessKey"]
print(key["AccessKeyId"], key["SecretAccessKey"])
`;

export async function startMoto(): Promise<MotoService> {
  requirePrerequisite('moto', missingMoto());
  const dir = mkdtempSync(join(tmpdir(), 'hw-moto-'));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const server = startProcess({
    cmd: join(venvBin, 'moto_server'),
    args: ['-H', '127.0.0.1', '-p', String(port)],
    env: { ...process.env, INITIAL_NO_AUTH_ACTION_COUNT: '3', HOME: dir, AWS_DEFAULT_REGION: 'us-east-1' },
    cwd: dir,
  });
  try {
    await waitFor(async () => (await fetch(`${endpoint}/moto-api/`)).ok, {
      timeoutMs: 30_000, what: `moto on ${endpoint}`,
      stopIf: () => (server.exitInfo() ? `moto exited: ${server.outputTail()}` : undefined),
    });
    const { stdout } = await run(join(venvBin, 'python'), ['-c', CREATE_USER, endpoint], { timeout: 30_000 });
    const [accessKeyId, secretAccessKey] = stdout.trim().split(/\s+/);
    if (!accessKeyId || !secretAccessKey) throw new Error(`moto gave no access key: ${stdout}`);
    return {
      endpoint, region: 'us-east-1', accessKeyId, secretAccessKey,
      stop: async () => {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Starts moto, seeds it and starts its request recorder (what the source-safety checks read); moto stops if any step fails. */
export async function startRecordedMoto(seed: (moto: MotoService) => Promise<void>): Promise<MotoService> {
  const moto = await startMoto();
  try {
    await seed(moto);
    const started = await fetch(`${moto.endpoint}/moto-api/recorder/start-recording`, { method: 'POST' });
    if (!started.ok) throw new Error(`moto's recorder did not start: HTTP ${started.status}`);
    return moto;
  } catch (error) {
    await moto.stop();
    throw error;
  }
}

/** Runs `run` on a fresh recording and gives what `actions` reads from it. */
export async function whileRecording<T>(moto: MotoService, run: () => Promise<T>, actions: (moto: MotoService) => Promise<string[]>): Promise<{ result: T; actions: string[] }> {
  await fetch(`${moto.endpoint}/moto-api/recorder/reset-recording`, { method: 'POST' });
  await fetch(`${moto.endpoint}/moto-api/recorder/start-recording`, { method: 'POST' });
  try {
    const result = await run();
    return { result, actions: await actions(moto) };
  } finally {
    await fetch(`${moto.endpoint}/moto-api/recorder/stop-recording`, { method: 'POST' });
  }
}

/** A sources.yaml list entry for an AWS kind on moto (`options` override the endpoint and keys; undefined drops one). */
export function motoEntry(moto: MotoService, kind: string, name: string, options: Record<string, unknown>): string {
  const all: Record<string, unknown> = { endpoint: moto.endpoint, accessKeyId: moto.accessKeyId, ...options };
  const lines = Object.entries(all).filter(([, v]) => v !== undefined).map(([k, v]) => `      ${k}: ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  return `  - name: ${name}\n    kind: ${kind}\n    url: ${kind}://${moto.region}\n    options:\n${lines.join('\n')}\n`;
}
