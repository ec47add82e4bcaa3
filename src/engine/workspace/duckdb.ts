// Opens DuckDB with the settings every Headwater database needs: extensions only from one local
// folder and never downloaded at run time (the machines that run us may have no network).
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { duckdbModule } from '../drivers/kit/native.js';

export interface OpenedDuckDB {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  close(): void;
}

/**
 * The folder DuckDB loads extensions from, in DuckDB's own layout
 * (`v<version>/<platform>/<name>.duckdb_extension`): HEADWATER_DUCKDB_EXTENSIONS, else
 * ~/.cache/headwater/duckdb-extensions. scripts/install-duckdb-extensions.sh fills it; so does
 * `INSTALL <name>` in a DuckDB of the same version with this extension_directory.
 */
export function extensionDirectory(): string {
  return process.env.HEADWATER_DUCKDB_EXTENSIONS || join(homedir(), '.cache', 'headwater', 'duckdb-extensions');
}

/** `path` is a database file or ':memory:'; `config` adds or overrides DuckDB settings (access_mode...). */
export async function openDuckDB(path: string, config: Record<string, string> = {}): Promise<OpenedDuckDB> {
  const extensions = extensionDirectory();
  const { DuckDBInstance } = await duckdbModule();
  try {
    mkdirSync(extensions, { recursive: true });
  } catch {
    // An unwritable home must not keep the workspace closed: LOAD then says the extension is missing.
  }
  const instance = await DuckDBInstance.create(path, {
    extension_directory: extensions,
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'true',
    ...config,
  });
  const connection = await instance.connect();
  return {
    instance,
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
