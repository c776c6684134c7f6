import type { Job } from '../jobs/job';
import { isTerminal } from '../status';
import { PROVIDER_LIMITS } from '../limits';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * How long a provider keeps a finished batch's results: `resultsRetention` in the facts table (core/limits.ts, with
 * the sources). OpenAI deletes output and error files 30 days after the batch ends, Anthropic keeps results 29 days
 * after creation, Gemini 48 hours. A self-hosted run's results are files on this machine: they do not expire.
 */
/** When the provider deletes the results of an ended job that has none kept locally; undefined when nothing is at stake. */
export function resultsExpireAt(job: Job): Date | undefined {
  if (!isTerminal(job.status) || job.resultsPath) return undefined;
  const retention = PROVIDER_LIMITS[job.provider].resultsRetention;
  if (!retention || !job.parts.some((p) => p.remoteId)) return undefined;
  const rule = { ms: retention.days * DAY_MS, from: retention.from };
  const created = Math.min(...job.parts.map((p) => Date.parse(p.submittedAt ?? job.createdAt)).filter(Number.isFinite));
  const ended = Date.parse(job.finishedAt ?? job.updatedAt);
  const from = rule.from === 'created' ? created : ended;
  return Number.isFinite(from) ? new Date(from + rule.ms) : undefined;
}

/** "results on the provider until 2026-12-31 14:00 UTC (in 3 days)", or that they are gone. */
export function describeResultsExpiry(job: Job, now: number): string | undefined {
  const at = resultsExpireAt(job);
  if (!at) return undefined;
  const left = at.getTime() - now;
  const when = at.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  if (left <= 0) return `results not downloaded; the provider deleted them at ${when}`;
  const hours = Math.floor(left / 3_600_000);
  const span = hours >= 48 ? `${Math.floor(hours / 24)} days` : hours >= 1 ? `${hours} h` : `${Math.max(1, Math.floor(left / 60_000))} min`;
  return `results not downloaded; on the provider until ${when} (in ${span})`;
}
