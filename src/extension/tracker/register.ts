import type { BatchwiseContext } from '../context';
import { Tracker } from './tracker';
import { registerTrackerCommands } from './commands';

/**
 * The Batches view, its background poller, badge, status bar item, completion notifications and commands.
 * Other features find new jobs through the store watcher, so nothing else is exported.
 */
export function registerTracker(ctx: BatchwiseContext): void {
  const tracker = ctx.register(new Tracker(ctx));
  registerTrackerCommands(ctx, tracker);
  // Loading the store is async: activation returns at once, the view fills in when the jobs are read.
  void tracker.start().catch((err: unknown) => ctx.log.error('the Batches view could not load the job store', err));
}
