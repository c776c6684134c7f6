import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOpenAIFile } from './lib/genOpenAI';
import { startEmulator } from '../src/emulator';
import { JobStore } from '../src/core/jobs/store';
import type { Job } from '../src/core/jobs/job';
import { isTerminal } from '../src/core/status';
import { OpenAIProvider } from '../src/providers/openai';
import { defaultProfile } from '../src/providers';
import { refreshJob } from '../src/jobs/refresh';
import { submitJob } from '../src/jobs/submit';

const LINES = Number(process.env.BENCH_QUEUE_LINES ?? 200_000);
/** OpenAI's batch queue limit for gpt-4o-mini at tier 1 (src/core/queue/quotas.ts). */
const QUOTA = Number(process.env.BENCH_QUEUE_TOKENS ?? 2_000_000);

/**
 * Issue 18: a job of 200,000 requests through the local queue against the emulator enforcing an enqueued-token limit
 * (manual clock: one tick per refresh), against the same file submitted without a quota to an emulator without one
 * (baseline, same run). Prints parts, the emulator's peak of tokens in flight against the limit, refusals, creates per
 * part and lines answered.
 */
export default async function bench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-bench-queue-'));
  try {
    const file = join(dir, 'big.jsonl');
    const bytes = await writeOpenAIFile(file, LINES, 400);
    console.log(`input: ${LINES.toLocaleString('en-US')} requests, ${(bytes / 1e6).toFixed(0)} MB; quota ${QUOTA.toLocaleString('en-US')} enqueued tokens`);
    const baseline = await runOnce(join(dir, 'base'), file, undefined);
    const queued = await runOnce(join(dir, 'queue'), file, QUOTA);
    for (const [name, r] of [['no quota (baseline)', baseline], ['queued under the quota', queued]] as const) {
      console.log(
        `  ${name.padEnd(24)} ${r.parts} parts, ${r.creates} creates, ${r.refusals} token_limit_exceeded, ${r.answered.toLocaleString('en-US')} lines answered once, ` +
          `peak in flight ${r.peak.toLocaleString('en-US')} tokens by the emulator's count (input only), ${r.ownPeak.toLocaleString('en-US')} by Batchwise's (input + max_tokens), ${r.refreshes} refreshes, ${(r.ms / 1000).toFixed(1)} s`,
      );
    }
    console.log(`  queue / baseline: ${(queued.ms / baseline.ms).toFixed(2)}x the time; peak / limit ${(queued.peak / QUOTA).toFixed(2)} (emulator), ${(queued.ownPeak / QUOTA).toFixed(2)} (Batchwise)`);
    if (queued.peak > QUOTA || queued.ownPeak > QUOTA || queued.refusals > 0 || queued.answered !== LINES || queued.creates !== queued.parts) throw new Error('the queue went over the limit, was refused, lost or repeated a line, or created a part twice');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runOnce(home: string, file: string, quota: number | undefined) {
  const emu = await startEmulator({ manualClock: true, tickMs: 20, limits: quota ? { enqueuedTokenLimit: quota } : {} });
  try {
    const store = new JobStore(home);
    const provider = new OpenAIProvider(defaultProfile('openai', `${emu.url}/v1`), 'k', { retry: { baseDelayMs: 1 } });
    const started = performance.now();
    let job: Job = await submitJob({ store, provider, inputPath: file, ...(quota ? { quota: { enqueuedTokens: quota } } : {}) });
    let refreshes = 0;
    let ownPeak = 0;
    while (!isTerminal(job.status)) {
      if (refreshes++ > 100_000) throw new Error('the job does not end');
      ownPeak = Math.max(ownPeak, job.parts.filter((p) => p.remoteId !== null && !isTerminal(p.status)).reduce((n, p) => n + (p.enqueuedTokens ?? 0), 0));
      emu.clock.tick(1);
      job = await refreshJob(store, job, provider);
    }
    const ms = performance.now() - started;
    const seen = new Set<string>();
    let repeated = 0;
    for (const part of job.parts) {
      for await (const r of provider.results(await provider.retrieve(part.remoteId!))) {
        if (seen.has(r.customId)) repeated++;
        seen.add(r.customId);
      }
    }
    return {
      ms,
      refreshes,
      parts: job.parts.length,
      creates: emu.stats.requests['POST /v1/batches'] ?? 0,
      refusals: job.parts.reduce((n, p) => n + (p.requeues ?? 0), 0),
      answered: repeated ? -repeated : seen.size,
      peak: Math.max(0, ...Object.values(emu.stats.enqueuedTokensPeak)),
      ownPeak,
    };
  } finally {
    await emu.close();
  }
}
