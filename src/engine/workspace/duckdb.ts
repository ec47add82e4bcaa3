// Opens DuckDB with the settings every Headwater database needs: extensions only from a folder inside
// .headwater/ and never downloaded at run time (the machines that run us may have no network).
import { mkdirSync } from 'node:fs';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { loadNative } from '../safety/native.js';

export interface OpenedDuckDB {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  close(): void;
}

/** `path` is a database file or ':memory:'; `extensionDirectory` lives inside the workspace's .headwater/. */
export async function openDuckDB(path: string, extensionDirectory: string): Promise<OpenedDuckDB> {
  const { DuckDBInstance } = await loadNative<typeof import('@duckdb/node-api')>('@duckdb/node-api', () => import('@duckdb/node-api'));
  mkdirSync(extensionDirectory, { recursive: true });
  const instance = await DuckDBInstance.create(path, {
    extension_directory: extensionDirectory,
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'true',
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
