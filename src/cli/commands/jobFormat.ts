import type { Job } from '../../core/jobs/job';
import { failedLines, jobCounts } from '../../core/jobs/counts';
import { formatDuration, neverSent } from '../../core/jobs/treeModel';
import { isQueued } from '../../core/queue/admission';
import { queueLine } from '../../core/queue/describe';
import { queueEtaSeconds } from '../../core/queue/eta';


export function statusLabel(job: Job): string {
  if (job.parts.length > 0 && job.parts.every(neverSent)) return 'not submitted';
  return job.status === 'unknown' && job.rawStatus ? `unknown (${job.rawStatus})` : job.status;
}

/** `[#####-----] 50% 5/10 · 1 failed · in_progress` for a terminal line. */
export function progressBar(job: Job, width = 24, now = Date.now()): string {
  const c = jobCounts(job);
  const done = c.succeeded + failedLines(c);
  const pct = c.total ? Math.floor((done / c.total) * 100) : 0;
  const filled = Math.round((pct / 100) * width);
  const queue = queueLine(job);
  const eta = queueEtaSeconds(job, now);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct}% ${done}/${c.total} · ${failedLines(c)} failed · ${statusLabel(job)}${queue ? ` · ${queue}` : ''}${eta !== undefined ? ` · ETA ${formatDuration(eta * 1000)}` : ''}`;
}

/** Human summary of a job, with server-side validation errors against the input's lines. */
export function describeJob(job: Job, now = Date.now()): string {
  const c = jobCounts(job);
  const lines = [
    `${job.id}  ${job.name}`,
    `  provider  ${job.provider}${job.baseUrl ? ` (${job.baseUrl})` : ''}, profile ${job.profile}`,
    `  status    ${statusLabel(job)}`,
    `  requests  ${c.total}: ${c.succeeded} succeeded, ${c.failed} errored, ${c.expired} expired, ${c.canceled} canceled, ${c.processing} pending`,
  ];
  const queue = queueLine(job);
  if (queue) lines.push(`  queue     ${queue}`);
  const eta = queueEtaSeconds(job, now);
  if (eta !== undefined) lines.push(`  eta       ${formatDuration(eta * 1000)} (queued parts included, at the pace so far)`);
  if (job.parts.length > 1 || job.parts.some((p) => p.rawStatus)) {
    for (const p of job.parts) lines.push(`  part ${p.index + 1}  ${p.remoteId ?? (isQueued(p) ? '(queued)' : '(not created)')}  lines ${p.lineStart}-${p.lineEnd}  ${neverSent(p) ? 'not submitted' : p.status}${p.rawStatus && p.rawStatus !== p.status ? ` [${p.rawStatus}]` : ''}`);
  }
  const errors = job.parts.flatMap((p) => p.errors);
  for (const e of errors.slice(0, 20)) lines.push(`  ${e.line !== undefined ? `${job.inputPath}:${e.line}: ` : ''}${e.originalLine !== undefined ? `(original input line ${e.originalLine}) ` : ''}${e.code}: ${e.message}`);
  if (errors.length > 20) lines.push(`  ... and ${errors.length - 20} more errors`);
  if (job.usage) lines.push(`  tokens    ${job.usage.inputTokens} in, ${job.usage.outputTokens} out`);
  return lines.join('\n') + '\n';
}
