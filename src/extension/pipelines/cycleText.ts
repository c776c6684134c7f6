import { countOf } from '../../core/format';
import { formatCount } from '../../core/jobs/treeModel';
import type { CycleReport, PipelineEvent } from '../../jobs/pipeline/cycle';

// The words of Run Now's progress and end notifications (no `vscode` here, so they are unit-tested; the notify sinks
// make them safe to show).

/** What the progress notification says while a cycle goes, one event at a time. */
export function progressText(e: PipelineEvent): string | undefined {
  switch (e.event) {
    case 'cycle_started':
      return 'preparing the input';
    case 'cycle_resumed':
      return `continuing the cycle left at ${e.step}`;
    case 'submitted':
      return `${e.retry ? 'retry' : 'batch'} ${e.job} submitted (${countOf(e.requests, 'request')}), waiting for it`;
    case 'job_ended':
      return `${e.job} ${e.status}: collecting results`;
    case 'attached':
      return e.cycle ? `following the cycle another process runs (${e.heldBy})` : undefined;
    case 'note':
      return e.message;
    case 'cycle_ended':
      return undefined;
  }
}

/** The end of a cycle in one sentence, with its counts. */
export function reportText(r: CycleReport): string {
  const counts = r.job ? `: ${formatCount(r.succeeded)} succeeded, ${formatCount(r.failed)} failed${r.jobs.length > 1 ? ` after ${countOf(r.jobs.length - 1, 'retry', 'retries')}` : ''}` : '';
  const outputs = r.outputs.length ? ` Wrote ${r.outputs.map((o) => o.split(/[\\/]/).pop()).join(', ')}.` : '';
  const hook = r.hook.ran ? ` Hook ${r.hook.exitCode === null ? 'did not finish' : `exit ${r.hook.exitCode}`}.` : '';
  const message = r.message ? ` ${r.message}` : '';
  return `Pipeline "${r.pipeline}" ${r.status === 'running' ? 'is still running' : r.status}${r.status === 'refused' ? '' : counts}.${outputs}${hook}${message}`;
}
