// What the UI tests do in the workbench as a person would: find a view row, run a context-menu item,
// reach a webview's document, take a screenshot without a hover in it; and the workbench each test runs in.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { prepareWorkspace, type PreparedWorkspace } from '../host/prepare-workspace.js';
import { startCodeServer, type CodeServer } from '../services/code-server.js';
import { stopAll } from '../services/group.js';
import { repoRoot, testResultsDir } from '../services/paths.js';
import { requireBuilt, requireUiPrerequisites } from '../services/prerequisites.js';
import { waitFor } from '../services/process.js';
import { launchChromium, workbenchUrl, type WorkbenchBrowser } from '../services/workbench.js';

export const uiTimeout = 60_000;

/** Opens the Headwater container (it appears once the workbench has read the extension's contributions). */
export async function openHeadwater(page: Page): Promise<void> {
  const headwater = page.locator('.activitybar .action-label[aria-label^="Headwater"]');
  await headwater.waitFor({ timeout: uiTimeout });
  await headwater.click();
}

/** Expands a tree row unless it is already open. */
export async function expandRow(row: Locator): Promise<void> {
  if ((await row.getAttribute('aria-expanded')) === 'false') await row.click();
}

/** Runs Sample from the Sources tree on `entity` under `source`, as a person would (the container already open). */
export async function sampleFromTree(page: Page, source: string, entity: string): Promise<void> {
  const sourceRow = viewRow(page, /sources/i, source);
  await sourceRow.waitFor({ timeout: uiTimeout });
  await expandRow(sourceRow);
  const entityRow = viewRow(page, /sources/i, entity);
  await entityRow.waitFor({ timeout: uiTimeout });
  await runFromContextMenu(page, entityRow, 'Sample');
}

/** Rows of a view (its header matching `view`) whose label is exactly `label`. */
export function viewRow(page: Page, view: RegExp, label: string): Locator {
  return page
    .locator('.pane', { has: page.locator('.pane-header', { hasText: view }) })
    .locator('.monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/\./g, '\\.')}$`) }) });
}

/**
 * Sample rows of the Samples view for one source and entity (`shop.orders`), newest first: the view
 * groups them under source and entity and labels each by its number, so they are found by the
 * accessible label the view gives them (`shop.orders #2, 2026-12-07 16:20 · head · 2,000 rows`).
 */
export function sampleRows(page: Page, sourceEntity: string): Locator {
  return page
    .locator('.pane', { has: page.locator('.pane-header', { hasText: /samples/i }) })
    .locator(`.monaco-list-row[aria-label^="${sourceEntity} #"]`);
}

/** Right-clicks `row` and runs the context-menu item `name` (clicking until the armed menu closes). */
export async function runFromContextMenu(page: Page, row: Locator, name: string): Promise<void> {
  await row.click({ button: 'right' });
  const item = page.getByRole('menuitem', { name, exact: true });
  await item.waitFor({ timeout: uiTimeout });
  await waitFor(
    async () => {
      if (await item.isVisible()) await item.click({ timeout: 2000 }).catch(() => undefined);
      return !(await item.isVisible());
    },
    { timeoutMs: 15_000, intervalMs: 50, what: `the context menu to run ${name}` },
  );
}

/** The webview whose document holds `selector` (hidden webviews stay in the DOM). */
export async function webviewWith(page: Page, selector: string): Promise<FrameLocator> {
  return waitFor(async () => {
    const frames = page.locator('iframe.webview.ready');
    for (let index = 0; index < await frames.count(); index++) {
      const frame = frames.nth(index).contentFrame().frameLocator('#active-frame');
      if (await frame.locator(selector).count() > 0 && await frames.nth(index).isVisible()) return frame;
    }
    return undefined;
  }, { timeoutMs: uiTimeout, what: `a visible webview with ${selector}` });
}

/** Parks the mouse on empty space and waits for any hover card to close, for a clean screenshot. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.mouse.move(150, 700);
  await page.locator('.workbench-hover, .monaco-hover:not(.hidden)').first().waitFor({ state: 'hidden', timeout: uiTimeout });
  await page.screenshot({ path: join(testResultsDir, name) });
}

export interface WorkbenchOptions {
  /** The failure screenshot is `<name>-failure.png`. */
  name: string;
  /** The bundles the test needs (dist/...). */
  built: string[];
  bigRows?: number;
  /** Adds to the prepared workspace before code-server opens it. */
  prepare?: (dir: string) => void;
  /** Prints the webviews' console errors (a blank panel says nothing otherwise). */
  logWebviewErrors?: boolean;
}

/**
 * Opens a prepared workspace in a private code-server and Chromium, runs `body` on the workbench page,
 * and whatever happens stops both and removes the workspace (a failure screenshot first).
 */
export async function inWorkbench(options: WorkbenchOptions, body: (page: Page) => Promise<void>): Promise<void> {
  requireUiPrerequisites();
  requireBuilt(...options.built);
  mkdirSync(testResultsDir, { recursive: true });
  let workspace: PreparedWorkspace | undefined;
  let server: CodeServer | undefined;
  let browser: WorkbenchBrowser | undefined;
  try {
    workspace = prepareWorkspace(options.bigRows === undefined ? {} : { bigRows: options.bigRows });
    options.prepare?.(workspace.dir);
    server = await startCodeServer({ workspaceDir: workspace.dir });
    browser = await launchChromium();
    const { page } = browser;
    if (options.logWebviewErrors) {
      page.on('console', (message) => {
        if (message.type() === 'error') console.log(`[webview] ${message.text()}`);
      });
    }
    await page.goto(workbenchUrl(server, workspace.dir, { extensionDevelopmentPath: repoRoot }));
    await body(page);
  } catch (error) {
    await browser?.page.screenshot({ path: join(testResultsDir, `${options.name}-failure.png`) }).catch(() => undefined);
    if (server) console.log(`code-server log: ${server.logFile}`);
    throw error;
  } finally {
    try {
      await stopAll(browser, server);
    } finally {
      workspace?.cleanup();
    }
  }
}
