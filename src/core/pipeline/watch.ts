import { join } from 'node:path';
import { watchFolder } from '../watchFolder';

/**
 * Calls `onChange` (debounced) when any pipeline state under `<home>/pipelines` changes: a cycle run by this window,
 * by the CLI, by `serve` or by another window.
 */
export function watchPipelineStates(home: string, onChange: () => void, debounceMs = 250): { dispose(): void } {
  return watchFolder(join(home, 'pipelines'), onChange, debounceMs);
}
