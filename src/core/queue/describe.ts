import type { Job } from '../jobs/job';
import { isTerminal } from '../status';
import { isQueued } from './admission';

/** 1.8M, 950k, 120: token figures short enough for a tree row. */
export function shortTokens(n: number): string {
  const trim = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1).replace(/\.0$/, ''));
  if (n >= 1e9) return `${trim(n / 1e9)}B`;
  if (n >= 1e6) return `${trim(n / 1e6)}M`;
  if (n >= 1e3) return `${trim(n / 1e3)}k`;
  return String(n);
}

/**
 * "3 of 40 parts in flight, 1.8M / 2M tokens" for a job with parts waiting in the local queue (undefined
 * otherwise). The tokens are this job's parts in flight against the job's quota.
 */
export function queueLine(job: Job): string | undefined {
  if (isTerminal(job.status) || !job.parts.some(isQueued)) return undefined;
  const inFlight = job.parts.filter((p) => p.remoteId !== null && !isTerminal(p.status));
  const text = `${inFlight.length} of ${job.parts.length} parts in flight`;
  const quota = job.quota?.enqueuedTokens;
  if (quota === undefined) return text;
  const tokens = inFlight.reduce((n, p) => n + (p.enqueuedTokens ?? 0), 0);
  return `${text}, ${shortTokens(tokens)} / ${shortTokens(quota)} tokens`;
}
