import { isTerminal } from '../status';
import { countOf, statusText } from '../format';
import { errorLinePrefix, type Job } from './job';
import { describeFlagged } from '../results/quality';
import { failedLines, jobCounts } from './counts';
import { displayState, finishedLines, formatCount } from './treeModel';

export type NotifyMode = 'all' | 'failures' | 'none';

/** True when the job ended with lines worth resubmitting (failed, expired or canceled). */
export function hasFailedLines(job: Job): boolean {
  return failedLines(jobCounts(job)) > 0;
}

/** Whether a job that just ended deserves a notification under `batchwise.notifyOnCompletion`. */
export function shouldNotify(job: Job, mode: NotifyMode): boolean {
  if (mode === 'none' || !isTerminal(job.status) || job.notifiedAt) return false;
  // A pipeline's jobs are reported by their cycle (Run Now's summary, the Pipelines view, its hook): a toast per job,
  // with a Resubmit button, would compete with the pipeline's own retries.
  if (job.pipeline) return false;
  if (mode === 'all') return true;
  // "failures": anything but a clean completion or a cancel the user asked for.
  return job.status === 'failed' || job.status === 'expired' || hasFailedLines(job) && job.status !== 'cancelled';
}

/**
 * `Batch "labels" completed: 9,950 succeeded, 50 failed`. Says what happened and how much is kept,
 * so the user knows from the toast whether to open the results or resubmit.
 */
export function completionMessage(job: Job, now = Date.now()): string {
  const c = jobCounts(job);
  const name = `Batch "${job.name || job.id}"`;
  const tally = (): string => {
    const bits = [`${formatCount(c.succeeded)} succeeded`];
    if (c.failed > 0 || c.succeeded === 0) bits.push(`${formatCount(c.failed)} failed`);
    if (c.expired > 0) bits.push(`${formatCount(c.expired)} expired`);
    if (c.canceled > 0) bits.push(`${formatCount(c.canceled)} canceled`);
    return bits.join(', ');
  };
  switch (displayState(job, now)) {
    case 'completed':
    case 'completed_with_failures': {
      // Succeeded but cut off, empty or refused: said in the notice, so those answers are not taken for good ones.
      const flagged = describeFlagged(job.flagged, formatCount);
      return `${name} completed: ${tally()}${flagged ? ` (of the succeeded: ${flagged})` : ''}`;
    }
    case 'failed': {
      if (job.status === 'completed') return `${name} failed: ${c.total === 1 ? 'its only line' : `all ${countOf(c.total, 'line')}`} failed`;
      const err = job.parts.flatMap((p) => p.errors)[0];
      const why = err ? `${errorLinePrefix(err)}${err.message}` : finishedLines(c) > 0 ? tally() : 'the provider rejected it';
      return `${name} failed: ${why}`;
    }
    case 'expired':
      return `${name} expired: ${formatCount(finishedLines(c))} of ${countOf(c.total, 'line')} finished (${tally()}); their results are kept`;
    case 'cancelled':
      return `${name} canceled: ${formatCount(finishedLines(c))} of ${countOf(c.total, 'line')} finished; their results are kept`;
    default:
      return `${name} is ${statusText(job.status)}`;
  }
}
