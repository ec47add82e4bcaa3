// The host and UI tests need code-server and Chromium installed by scripts. Outside CI a missing
// piece skips those tests with the reason; under CI=true it is a hard failure.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export const codeServerVersion = '4.100.3';
export const codeServerDir = process.env.CODE_SERVER_DIR ?? join(repoRoot, '.vscode-test', 'code-server');
export const codeServerEntry = join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Says which prerequisite of the real-VS-Code tests is missing, and how to install it. */
export function missingUiPrerequisite(): string | undefined {
  if (!existsSync(join(codeServerDir, `.installed-${codeServerVersion}`)) || !existsSync(codeServerEntry)) {
    return `code-server ${codeServerVersion} is not installed in ${codeServerDir}: run scripts/install-code-server.sh`;
  }
  if (!existsSync(chromiumPath)) {
    return `Chromium is missing at ${chromiumPath}: run scripts/install-system.sh (as root)`;
  }
  return undefined;
}

export const isCi = process.env.CI === 'true';

/**
 * Value for node:test's `skip` option: the missing prerequisite outside CI, false under CI (where
 * the test then fails in requireUiPrerequisites()).
 */
export function uiTestSkipReason(): string | false {
  if (isCi) return false;
  return missingUiPrerequisite() ?? false;
}

export function requireUiPrerequisites(): void {
  const missing = missingUiPrerequisite();
  if (missing) throw new Error(missing);
}

/** Bundles the host tests load; `npm test` builds them first. */
export function requireBuilt(...relativePaths: string[]): void {
  for (const relativePath of relativePaths) {
    if (!existsSync(join(repoRoot, relativePath))) {
      throw new Error(`${relativePath} is missing: build first with \`node esbuild.config.mjs\``);
    }
  }
}

/** Says a system binary is missing and which package scripts/install-system.sh installs for it. */
export function missingBinary(path: string, aptPackage: string): string | undefined {
  return existsSync(path) ? undefined : `${path} is missing: install ${aptPackage} with scripts/install-system.sh (as root)`;
}

/** node:test `skip` value: the reason outside CI, false under CI (where requirePrerequisite() then fails). */
export function skipReasonFor(missing: string | undefined): string | false {
  return isCi ? false : missing ?? false;
}

/** Throws when a service's prerequisite is missing, saying so more loudly under CI. */
export function requirePrerequisite(service: string, missing: string | undefined): void {
  if (missing) throw new Error(isCi ? `${service} is required under CI: ${missing}` : missing);
}
