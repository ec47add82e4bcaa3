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
