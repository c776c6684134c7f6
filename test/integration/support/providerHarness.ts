import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Job } from '../../../src/core/jobs/job';
import type { JobStore } from '../../../src/core/jobs/store';
import type { ProviderResult } from '../../../src/core/results/record';
import { isTerminal, type JobStatus } from '../../../src/core/status';
import { refreshJob } from '../../../src/jobs/refresh';
import type { RetryInfo } from '../../../src/providers/retry';
import type { BatchProvider } from '../../../src/providers/types';

/** Shared by the provider integration tests: input files, polling to the end, collecting results, recorded retries. */
export async function writeInput(dir: string, name: string, lines: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, lines.join('\n') + '\n');
  return path;
}

/**
 * Refreshes until the job ends; the statuses it went through, in order, without repeats. `tick` moves the
 * emulator's manual clock one step per refresh, so no state depends on how fast the machine runs.
 */
export async function untilTerminal(store: JobStore, job: Job, provider: BatchProvider, tick: () => void): Promise<{ job: Job; seen: JobStatus[] }> {
  const seen: JobStatus[] = [job.status];
  while (!isTerminal(job.status)) {
    tick();
    job = await refreshJob(store, job, provider);
    if (seen.at(-1) !== job.status) seen.push(job.status);
  }
  return { job, seen };
}

/** Every result of every part by custom id; a result reported twice fails the test. */
export async function collectResults(provider: BatchProvider, job: Job): Promise<Map<string, ProviderResult>> {
  const out = new Map<string, ProviderResult>();
  for (const part of job.parts) {
    for await (const r of provider.results(await provider.retrieve(part.remoteId!))) {
      assert.ok(!out.has(r.customId), `result for ${r.customId} reported twice`);
      out.set(r.customId, r);
    }
  }
  return out;
}

/** Retry tuning that records each retry and each wait instead of sleeping it (Retry-After is asserted, not timed). */
export function recordingRetry(retries: RetryInfo[], sleeps: number[]) {
  return {
    baseDelayMs: 1,
    onRetry: (i: RetryInfo) => retries.push(i),
    sleep: async (ms: number) => {
      sleeps.push(ms);
      await new Promise((r) => setTimeout(r, 1));
    },
  };
}
