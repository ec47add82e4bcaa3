// Locations shared by the test services.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const testResultsDir = join(repoRoot, 'test-results');
export const logsDir = join(testResultsDir, 'logs');
