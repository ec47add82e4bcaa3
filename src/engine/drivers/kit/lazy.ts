// Client libraries load on first use, so starting the engine costs nothing for kinds that are not
// used (DESIGN.md). Every driver (and the workspace's DuckDB) loads them through here: once, a failed
// load retried on the next use, and a failure one clear error naming the library and the fix instead
// of a crash or a resolver's stack of paths.
import { HeadwaterError } from '../../../shared/errors.js';

export interface LazyModuleOptions {
  /** A native addon (a .node binary): its failure says how to rebuild it for the Node that runs the engine. */
  native?: boolean;
}

/**
 * A function that loads `name` with `load` on its first call and hands out the same module after.
 * `load` is `() => import('literal')` (the bundler sees the name), with any CommonJS interop after it.
 */
export function lazyModule<T>(name: string, load: () => Promise<T>, options: LazyModuleOptions = {}): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((cause: unknown) => {
      pending = undefined;
      throw loadFailure(name, cause, options);
    });
    return pending;
  };
}

/**
 * A CommonJS package's exports as `import()` gave them: under Node its named exports, but bundled
 * (esbuild cannot see the names of a CommonJS module through import()) only `default`. `probe` is
 * an export that must be there.
 */
export function commonJsExports<T extends object>(module: T | { default: T }, probe: keyof T & string): T {
  return probe in module ? module as T : (module as { default: T }).default;
}

/** The error for a library that did not load: its name, the first line of the cause, and the fix. */
export function loadFailure(name: string, cause: unknown, options: LazyModuleOptions = {}): HeadwaterError {
  if (cause instanceof HeadwaterError) return cause;
  const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  if (options.native) {
    return new HeadwaterError(
      'native_module',
      `Native module '${name}' failed to load in Node ${process.version} (ABI ${process.versions.modules}): ${reason}`,
      { hint: `Run 'npm rebuild ${name}' with the same Node that runs the Headwater engine, or set 'headwater.engine.nodePath' to a Node >= 20 that matches the installed binary.` },
      { cause },
    );
  }
  return new HeadwaterError('internal', `Library '${name}' failed to load: ${reason}`, { hint: 'Reinstall Headwater: its installed libraries are incomplete.' }, { cause });
}
