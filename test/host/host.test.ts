// Runs the mocha suite in test/host/suite inside a real VS Code extension host (code-server
// 1.100.3 driven by Chromium), the same contract as @vscode/test-electron's runTests.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stopAll } from '../services/group.js';
import { startCodeServer, type CodeServer } from '../services/code-server.js';
import { repoRoot, testResultsDir } from '../services/paths.js';
import { requireBuilt, requireUiPrerequisites, uiTestSkipReason } from '../services/prerequisites.js';
import { launchChromium, runExtensionTests, type WorkbenchBrowser } from '../services/workbench.js';
import { prepareWorkspace, type PreparedWorkspace } from './prepare-workspace.js';

const testsEntry = join(repoRoot, 'dist', 'test', 'host', 'index.cjs');

// Workbench chatter that is expected here (no network, no marketplace).
const noise = /open-vsx\.org|Resolving connection token|Resolved connection token|Creating a socket|\[Service Worker\]/;

test('extension host suite passes inside VS Code', { skip: uiTestSkipReason(), timeout: 300_000 }, async () => {
  requireUiPrerequisites();
  requireBuilt('dist/extension.cjs', 'dist/engine.js', 'dist/cli.js', 'dist/test/host/index.cjs');

  let workspace: PreparedWorkspace | undefined;
  let server: CodeServer | undefined;
  let browser: WorkbenchBrowser | undefined;
  try {
    workspace = prepareWorkspace();
    server = await startCodeServer({ workspaceDir: workspace.dir });
    browser = await launchChromium();
    const run = await runExtensionTests(browser.page, server, {
      workspaceDir: workspace.dir,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: testsEntry,
      timeoutMs: 270_000,
      onLog: (line) => {
        if (!noise.test(line)) console.log(`[host] ${line}`);
      },
    });
    if (run.exitCode !== 0) {
      mkdirSync(testResultsDir, { recursive: true });
      await browser.page.screenshot({ path: join(testResultsDir, 'host-failure.png') }).catch(() => undefined);
    }
    assert.equal(run.exitCode, 0, `the extension host suite failed (see the [host] lines above; code-server log: ${server.logFile})`);
  } finally {
    try {
      await stopAll(browser, server);
    } finally {
      workspace?.cleanup();
    }
  }
});
