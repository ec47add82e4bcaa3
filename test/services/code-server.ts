// A private code-server (VS Code 1.100.3 workbench + extension host on this machine's Node) on a
// free loopback port. Recipe: shared notes "vscode-extension-host.md".
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startProcess, waitFor } from './process.js';
import { logsDir } from './paths.js';
import { codeServerEntry, requireUiPrerequisites } from './prerequisites.js';

export interface CodeServer {
  port: number;
  url: string;
  /** Short private dir used as HOME and TMPDIR (the extension host makes Unix sockets there). */
  homeDir: string;
  userDataDir: string;
  extensionsDir: string;
  logFile: string;
  /** Recent server output, for failure messages. */
  outputTail(maxChars?: number): string;
  stop(): Promise<void>;
}

export interface StartCodeServerOptions {
  workspaceDir: string;
  /** Extra user settings, merged over the quiet defaults. */
  settings?: Record<string, unknown>;
  timeoutMs?: number;
}

// Keep the workbench quiet and deterministic: no welcome page, trust prompt, update or
// recommendation notifications that would cover what the tests look at.
const defaultSettings: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'chat.commandCenter.enabled': false,
  'window.restoreWindows': 'none',
  'files.hotExit': 'off',
};

/** Environment without the variables of a VS Code this test might itself be running in. */
function cleanEnv(homeDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE') continue;
    env[key] = value;
  }
  return { ...env, HOME: homeDir, TMPDIR: homeDir, XDG_CONFIG_HOME: join(homeDir, '.config'), XDG_DATA_HOME: join(homeDir, '.local', 'share') };
}

export async function startCodeServer(options: StartCodeServerOptions): Promise<CodeServer> {
  requireUiPrerequisites();
  // /tmp directly, not os.tmpdir(): socket paths under it must stay below 108 characters.
  const homeDir = mkdtempSync('/tmp/hwcs-');
  const userDataDir = join(homeDir, 'user-data');
  const extensionsDir = join(homeDir, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...defaultSettings, ...options.settings }, null, 2),
  );

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(logsDir, `code-server-${new Date().toISOString().replace(/[:.]/g, '-')}-${port}.log`);
  const server = startProcess({
    cmd: process.execPath,
    args: [
      codeServerEntry,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      options.workspaceDir,
    ],
    env: cleanEnv(homeDir),
    cwd: homeDir,
    logFile,
  });

  const stop = async (): Promise<void> => {
    await server.stop();
    rmSync(homeDir, { recursive: true, force: true });
  };

  try {
    await waitFor(
      async () => (await fetch(`${url}/healthz`)).status === 200,
      {
        timeoutMs: options.timeoutMs ?? 30_000,
        what: `code-server on port ${port} to answer /healthz`,
        stopIf: () => {
          const exit = server.exitInfo();
          return exit ? `code-server exited (${exit.code ?? exit.signal}); log ${logFile}:\n${server.outputTail()}` : undefined;
        },
      },
    );
  } catch (error) {
    await stop();
    throw error;
  }

  return { port, url, homeDir, userDataDir, extensionsDir, logFile, outputTail: server.outputTail, stop };
}
