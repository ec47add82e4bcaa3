// Debian's Chromium driven by playwright-core, pointed at a code-server workbench.
import { mkdtempSync, rmSync } from 'node:fs';
import { format } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { CodeServer } from './code-server.js';
import { chromiumPath } from './prerequisites.js';

export interface WorkbenchBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(viewport = { width: 1440, height: 900 }): Promise<WorkbenchBrowser> {
  // Chromium writes its profile and crash dumps under HOME: keep them private to this run.
  const homeDir = mkdtempSync('/tmp/hwbr-');
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: chromiumArgs,
      env: { ...process.env, HOME: homeDir },
      timeout: 60_000,
    });
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const opened = browser;
    return {
      browser: opened,
      context,
      page,
      close: async () => {
        await opened.close().catch(() => undefined);
        rmSync(homeDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close().catch(() => undefined);
    rmSync(homeDir, { recursive: true, force: true });
    throw error;
  }
}

/** A path on the code-server machine as the workbench's remote URI. */
export function remoteUri(server: CodeServer, path: string): string {
  return `vscode-remote://127.0.0.1:${server.port}${path}`;
}

export interface WorkbenchPayload {
  extensionDevelopmentPath?: string;
  extensionTestsPath?: string;
}

/**
 * Workbench URL for a folder. The `payload` parameter is VS Code's own browser-test hook: it loads
 * an extension under development and optionally runs its tests (code-server's CLI refuses the flags).
 */
export function workbenchUrl(server: CodeServer, workspaceDir: string, payload: WorkbenchPayload = {}): string {
  const entries: [string, string][] = [];
  if (payload.extensionDevelopmentPath) {
    entries.push(['extensionDevelopmentPath', remoteUri(server, payload.extensionDevelopmentPath)]);
  }
  if (payload.extensionTestsPath) {
    entries.push(['extensionTestsPath', remoteUri(server, payload.extensionTestsPath)]);
  }
  const query = new URLSearchParams({ folder: workspaceDir });
  if (entries.length > 0) query.set('payload', JSON.stringify(entries));
  return `${server.url}/?${query.toString()}`;
}

export interface ExtensionTestRun {
  exitCode: number;
  log: string[];
}

/**
 * Runs an extension's test entry point inside the real extension host and resolves with the
 * exit code the host reports (0 = all passed). Log lines are echoed through `onLog` as they come.
 */
export async function runExtensionTests(
  page: Page,
  server: CodeServer,
  options: { workspaceDir: string; extensionDevelopmentPath: string; extensionTestsPath: string; timeoutMs: number; onLog?: (line: string) => void },
): Promise<ExtensionTestRun> {
  const log: string[] = [];
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => {
    resolveExit = resolve;
  });
  await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
    // The host forwards console calls with their format strings (mocha's spec reporter uses %s).
    const line = format(...(args ?? []));
    log.push(line);
    options.onLog?.(line);
  });
  await page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));

  await page.goto(workbenchUrl(server, options.workspaceDir, options), { waitUntil: 'domcontentloaded' });

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`The extension tests did not finish within ${options.timeoutMs} ms. Last log lines:\n${log.slice(-30).join('\n')}`)),
      options.timeoutMs,
    );
  });
  try {
    const exitCode = await Promise.race([exited, timedOut]);
    return { exitCode, log };
  } finally {
    clearTimeout(timer);
  }
}
