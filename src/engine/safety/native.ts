// Native modules are loaded through here so that a missing or mismatched binary becomes one clear
// error naming the module and the fix, instead of a crash of whatever process loaded it.
import { HeadwaterError } from '../../shared/errors.js';

const loaded = new Map<string, Promise<unknown>>();

export function loadNative<T>(name: string, load: () => Promise<unknown>): Promise<T> {
  let pending = loaded.get(name);
  if (!pending) {
    pending = load().catch((cause: unknown) => {
      loaded.delete(name);
      const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
      throw new HeadwaterError(
        'native_module',
        `Native module '${name}' failed to load in Node ${process.version} (ABI ${process.versions.modules}): ${reason}`,
        { hint: `Run 'npm rebuild ${name}' with the same Node that runs the Headwater engine, or set 'headwater.engine.nodePath' to a Node >= 20 that matches the installed binary.` },
        { cause },
      );
    });
    loaded.set(name, pending);
  }
  return pending as Promise<T>;
}
