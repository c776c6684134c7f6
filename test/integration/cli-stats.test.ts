import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import { submitJob } from '../../src/jobs/submit';
import { downloadResults } from '../../src/jobs/results';
import { retryFailed } from '../../src/jobs/retry';
import { OpenAIProvider } from '../../src/providers/openai';
import { AnthropicProvider } from '../../src/providers/anthropic';
import { defaultProfile } from '../../src/providers';
import type { BatchProvider } from '../../src/providers/types';
import type { Stats } from '../../src/core/monitor/aggregate';
import { untilTerminal, writeInput } from './support/providerHarness';
import { runCliCaptured } from '../support/cli';

// Issue 17: `batchwise stats --json` over jobs run on the emulator agrees with what those jobs did.
let emu: Emulator;
let dir: string;
before(async () => {
  emu = await startEmulator({ manualClock: true });
  dir = await mkdtemp(join(tmpdir(), 'bw-cli-stats-'));
});
after(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

test('stats counts lines once across a retry, sums the cost of every attempt, and names the jobs of each error', async () => {
  const home = join(dir, 'home');
  const store = new JobStore(home);
  const openai = new OpenAIProvider(defaultProfile('openai', `${emu.url}/v1`), 'k', { retry: { baseDelayMs: 1 } });
  const anthropic = new AnthropicProvider(defaultProfile('anthropic', emu.url), 'k', { retry: { baseDelayMs: 1 } });
  const chat = (id: string, text: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', max_tokens: 64, messages: [{ role: 'user', content: text }] } });
  const msg = (id: string, text: string) => JSON.stringify({ custom_id: id, params: { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: text }] } });
  const finish = async (provider: BatchProvider, name: string, lines: string[]) => {
    const job = await submitJob({ store, provider, inputPath: await writeInput(dir, name, lines) });
    const { job: done } = await untilTerminal(store, job, provider, () => emu.clock.tick(1));
    return downloadResults(store, done, provider);
  };
  const first = await finish(openai, 'o.jsonl', [chat('a', 'Say hi'), chat('b', 'Flaky [[fail-once]]'), chat('c', 'Broken [[fail]]'), chat('d', 'Uppercase: ok')]);
  assert.deepEqual([first.summary.counts.succeeded, first.summary.counts.errored], [2, 2]);
  const retry = await retryFailed({ store, job: first.job, provider: openai });
  const { job: retried } = await untilTerminal(store, retry.retryJob!, openai, () => emu.clock.tick(1));
  const second = await downloadResults(store, retried, openai);
  assert.deepEqual([second.summary.counts.succeeded, second.summary.counts.errored], [1, 1]);
  const third = await finish(anthropic, 'a.jsonl', [msg('x', 'Hello'), msg('y', 'Hello again')]);

  const env = { BATCHWISE_HOME: home, TZ: 'UTC' };
  const r = await runCliCaptured(['stats', '--since', 'all', '--by', 'provider', '--json'], { env });
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out) as Stats;
  assert.equal(s.jobs, 3);
  assert.deepEqual(s.byStatus, { completed: 3 });
  // 4 + 2 lines; "b" failed once and then succeeded: one succeeded line. "c" failed twice: one failed line.
  assert.equal(s.requests, 6);
  assert.equal(s.succeeded, 5);
  assert.equal(s.failed, 1);
  assert.equal(s.successRate, 5 / 6);
  const cost = [first, second, third].reduce((n, x) => n + (x.summary.actualCost ?? 0), 0);
  assert.ok(cost > 0);
  assert.ok(Math.abs(s.costUsd - cost) < 1e-9, `${s.costUsd} vs ${cost}`);
  assert.ok(Math.abs(s.standardCostUsd - [first, second, third].reduce((n, x) => n + (x.summary.standardCost ?? 0), 0)) < 1e-9);
  assert.ok(s.savedUsd > 0);
  assert.equal(s.inputTokens, [first, second, third].reduce((n, x) => n + x.summary.usage.inputTokens, 0));
  assert.deepEqual(s.groups.map((g) => [g.key, g.jobs, g.requests, g.succeeded, g.failed]), [['openai', 2, 4, 3, 1], ['anthropic', 1, 2, 2, 0]]);
  // The emulator's message names the line in each job's own file, so the two attempts' errors are two messages.
  const broken = s.topErrors.filter((e) => /on purpose/.test(e.message));
  assert.deepEqual(new Set(broken.flatMap((e) => e.jobs)), new Set([first.job.id, retried.id]), JSON.stringify(s.topErrors));
  assert.equal(broken.reduce((n, e) => n + e.count, 0), 3, "b and c in the first attempt, c again in the retry");
  assert.equal(s.turnaroundSeconds.max !== null, true);

  const text = await runCliCaptured(['stats', '--since', 'all'], { env });
  assert.match(text.out, /^3 jobs \(all time\): 3 completed\nlines: 6 requested, 5 succeeded, 1 failed \(1 errored, 0 expired, 0 canceled, 0 missing\); success rate 83\.3%/);
  assert.equal((await runCliCaptured(['stats', '--provider', 'anthropic', '--since', 'all', '--json'], { env })).out.includes('"jobs": 1'), true);
  const bad = await runCliCaptured(['stats', '--since', 'yesterday'], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--since: "yesterday" is not a period/);
});
