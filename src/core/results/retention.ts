import type { Job } from '../jobs/job';
import { isTerminal } from '../status';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * How long a provider keeps a finished batch's results (PROVIDER-FACTS.md):
 * - OpenAI: output and error files are deleted 30 days after the batch completes (batch guide; files of purpose
 *   `batch` expire after 30 days by default, `FileCreateParams.expires_after` in openai-node).
 * - Anthropic: results are downloadable for 29 days after the batch is created (Message Batches guide).
 * - Gemini: a batch job and its results are kept 48 hours (Batch Mode docs: "jobs expire after 48 h").
 * A self-hosted run's results are files on this machine: they do not expire.
 */
const RETENTION: Partial<Record<Job['provider'], { ms: number; from: 'ended' | 'created' }>> = {
  openai: { ms: 30 * DAY_MS, from: 'ended' },
  anthropic: { ms: 29 * DAY_MS, from: 'created' },
  gemini: { ms: 2 * DAY_MS, from: 'created' },
};

/** When the provider deletes the results of an ended job that has none kept locally; undefined when nothing is at stake. */
export function resultsExpireAt(job: Job): Date | undefined {
  if (!isTerminal(job.status) || job.resultsPath) return undefined;
  const rule = RETENTION[job.provider];
  if (!rule || !job.parts.some((p) => p.remoteId)) return undefined;
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
