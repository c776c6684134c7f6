import { homedir } from 'node:os';
import { join } from 'node:path';

// Its own module so the CLI's dispatcher knows the store's place without loading any adapter.

/** `$BATCHWISE_HOME`, else `~/.batchwise`. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.BATCHWISE_HOME || join(homedir(), '.batchwise');
}
