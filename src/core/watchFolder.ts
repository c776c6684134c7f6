import { watch as fsWatch } from 'node:fs/promises';
import { ensureDir } from './fsAtomic';

/**
 * Calls `onChange` (debounced) when anything below `dir` changes (created first if missing). Returns a disposer.
 * Where the platform cannot watch a folder recursively (or the folder cannot be made) it does nothing: callers also
 * refresh on their own schedule.
 */
export function watchFolder(dir: string, onChange: () => void, debounceMs = 250): { dispose(): void } {
  const ac = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  void (async () => {
    try {
      await ensureDir(dir);
      for await (const _ of fsWatch(dir, { recursive: true, signal: ac.signal })) {
        clearTimeout(timer);
        timer = setTimeout(onChange, debounceMs);
      }
    } catch {
      // AbortError on dispose, an unwritable folder, or recursive watch unsupported: nothing to do.
    }
  })();
  return {
    dispose() {
      clearTimeout(timer);
      ac.abort();
    },
  };
}
