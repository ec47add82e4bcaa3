// The native addons, each loaded once for the workspace, the demo and the drivers alike: a binary
// built for another Node is one clear error naming the fix (lazy.ts), not a crash.
import type BetterSqlite3 from 'better-sqlite3';
import { lazyModule } from './lazy.js';

export type DuckApi = typeof import('@duckdb/node-api');

export const duckdbModule = lazyModule<DuckApi>('@duckdb/node-api', () => import('@duckdb/node-api'), { native: true });

/** better-sqlite3's Database constructor (CommonJS: bundled, it arrives as the module's default). */
export const betterSqlite3 = lazyModule<typeof BetterSqlite3>(
  'better-sqlite3',
  () => import('better-sqlite3').then((m) => (m as unknown as { default?: typeof BetterSqlite3 }).default ?? (m as unknown as typeof BetterSqlite3)),
  { native: true },
);
