import { aggregate } from '../src/core/monitor/aggregate';
import type { JobStats } from '../src/core/monitor/jobStats';

const JOBS = 10_000;
const TARGET_MS = 200;
const PROVIDERS = ['openai', 'anthropic', 'gemini'] as const;

/** 10,000 synthetic job summaries over 90 days, one in five a retry of the job before it. */
function summaries(): JobStats[] {
  const start = Date.parse('2026-09-01T00:00:00Z');
  return Array.from({ length: JOBS }, (_, i): JobStats => {
    const created = start + i * 777_000;
    const retry = i % 5 === 4;
    return {
      id: `bw-${i}`, name: `job ${i}`, provider: PROVIDERS[i % 3]!, model: ['gpt-4o-mini', 'claude-sonnet-4-5', 'gemini-2.5-flash'][i % 3]!, profile: 'default', status: i % 50 === 0 ? 'in_progress' : 'completed',
      createdAt: new Date(created).toISOString(), ...(i % 50 === 0 ? {} : { finishedAt: new Date(created + 600_000 + (i % 97) * 60_000).toISOString() }),
      rootId: retry ? `bw-${i - 1}` : `bw-${i}`, attempt: retry ? 2 : 1, requests: 1000, succeeded: 950, errored: 40, expired: 10, canceled: 0, missing: 0, processing: 0,
      flagged: { truncated: i % 7 }, inputTokens: 120_000, outputTokens: 40_000, costUsd: i % 11 === 0 ? null : 0.12, standardCostUsd: i % 11 === 0 ? null : 0.24,
      topErrors: [{ message: `rate_limit_exceeded: Rate limit reached (${i % 13})`, count: 40 }],
    };
  });
}

/** The same summaries summed in a bare loop: what any aggregation must at least cost. */
function bareLoop(all: JobStats[]): number {
  let n = 0;
  for (const j of all) n += j.requests + j.succeeded + j.inputTokens + (j.costUsd ?? 0) + Date.parse(j.createdAt);
  return n;
}

const time = (f: () => unknown, runs = 5) => {
  const t: number[] = [];
  for (let r = 0; r < runs; r++) {
    const s = performance.now();
    f();
    t.push(performance.now() - s);
  }
  return t.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
};

/** Issue 17: aggregating 10,000 job summaries (the dashboard and `batchwise stats`) under 200 ms. */
export default async function bench(): Promise<void> {
  const all = summaries();
  const now = new Date('2026-12-01T00:00:00Z');
  const bare = time(() => bareLoop(all));
  const byDay = time(() => aggregate(all, { now, timeZone: 'Europe/Berlin' }));
  const byProvider = time(() => aggregate(all, { now, by: 'provider' }));
  console.log(`aggregate ${JOBS.toLocaleString('en-US')} job summaries (median of 5):`);
  console.log(`  bare loop over the same summaries ${bare.toFixed(1)} ms`);
  console.log(`  by day (Europe/Berlin)  ${byDay.toFixed(1)} ms, ratio ${(byDay / bare).toFixed(1)}x (target < ${TARGET_MS} ms: ${byDay < TARGET_MS ? 'ok' : 'MISSED'})`);
  console.log(`  by provider             ${byProvider.toFixed(1)} ms, ratio ${(byProvider / bare).toFixed(1)}x (target < ${TARGET_MS} ms: ${byProvider < TARGET_MS ? 'ok' : 'MISSED'})`);
}
