import { watch as fsWatch } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDir } from '../fsAtomic';

/**
 * Calls `onChange` (debounced) when any pipeline state under `<home>/pipelines` changes: a cycle run by this window,
 * by the CLI, by `serve` or by another window. As JobStore.watch does for jobs; where the platform cannot watch a
 * folder recursively it does nothing (the view still refreshes on its own events and its ticker).
 */
export function watchPipelineStates(home: string, onChange: () => void, debounceMs = 250): { dispose(): void } {
  const ac = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const dir = join(home, 'pipelines');
  void (async () => {
    try {
      await ensureDir(dir);
      for await (const _ of fsWatch(dir, { recursive: true, signal: ac.signal })) {
        clearTimeout(timer);
        timer = setTimeout(onChange, debounceMs);
      }
    } catch {
      // AbortError on dispose, an unwritable store, or recursive watch unsupported: nothing to do.
    }
  })();
  return {
    dispose() {
      clearTimeout(timer);
      ac.abort();
    },
  };
}
