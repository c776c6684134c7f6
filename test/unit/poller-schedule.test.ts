import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Poller, type PollerOptions } from '../../src/core/jobs/poller';
import type { Job } from '../../src/core/jobs/job';
import type { JobStatus } from '../../src/core/status';
import { ProviderError } from '../../src/providers/types';

/** A fake clock: timers run only when the test advances time; microtasks are flushed after each one. */
class FakeClock {
  now = Date.parse('2026-11-26T12:00:00Z');
  private seq = 0;
  readonly timers = new Map<number, { at: number; fn: () => void }>();
  randoms: number[] = [];
  random = (): number => (this.randoms.length ? this.randoms.shift()! : 0.5);
  setTimeout = (fn: () => void, ms: number): number => {
    const id = ++this.seq;
    this.timers.set(id, { at: this.now + ms, fn });
    return id;
  };
  clearTimeout = (h: unknown): void => {
    this.timers.delete(h as number);
  };
  async advance(ms: number): Promise<void> {
    const target = this.now + ms;
    for (;;) {
      await flush();
      const next = [...this.timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!next || next[1].at > target) break;
      this.timers.delete(next[0]);
      this.now = Math.max(this.now, next[1].at);
      next[1].fn();
    }
    this.now = target;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

function makeJob(id: string, over: Partial<Job> = {}, clock?: FakeClock): Job {
  const created = new Date(clock ? clock.now : Date.parse('2026-11-26T12:00:00Z')).toISOString();
  return {
    version: 1,
    id,
    name: id,
    provider: 'openai',
    profile: 'openai',
    endpoint: '/v1/chat/completions',
    model: 'gpt-4o-mini',
    inputPath: '/tmp/in.jsonl',
    inputSha256: 'x',
    inputLines: 10,
    requests: 10,
    parts: [
      {
        index: 0,
        remoteId: `batch_${id}`,
        status: 'in_progress',
        lineStart: 1,
        lineEnd: 10,
        requests: 10,
        counts: { total: 10, succeeded: 0, failed: 0, processing: 10, expired: 0, canceled: 0 },
        errors: [],
      },
    ],
    attempt: 1,
    status: 'in_progress',
    createdAt: created,
    updatedAt: created,
    ...over,
  };
}

function withStatus(job: Job, status: JobStatus, succeeded = job.parts[0]!.counts.succeeded): Job {
  return {
    ...job,
    status,
    parts: job.parts.map((p) => ({ ...p, status, counts: { ...p.counts, succeeded, processing: p.counts.total - succeeded } })),
  };
}

type SetupOptions = Partial<PollerOptions> & {
  floorMs?: number;
  maxConcurrent?: number;
  /** A refresh that sees the test's clock and records into its poll log. */
  answer?: (job: Job, n: number) => Job;
};

function setup(over: SetupOptions = {}) {
  const clock = new FakeClock();
  const polls: { id: string; at: number }[] = [];
  const warnings: string[] = [];
  const ended: Job[] = [];
  const settings = { floorMs: over.floorMs ?? 10_000, maxConcurrent: over.maxConcurrent ?? 4 };
  const poller = new Poller({
    refresh: async (job) => {
      polls.push({ id: job.id, at: clock.now });
      return over.answer ? over.answer(job, polls.length) : job;
    },
    settings: () => settings,
    onJobEnded: (j) => ended.push(j),
    log: { warn: (m) => warnings.push(m) },
    timers: { now: () => clock.now, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, random: clock.random },
    quickMs: 2000,
    maxMs: 60_000,
    ...over,
  });
  return { clock, poller, polls, warnings, ended, settings };
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

describe('poller: adaptive interval', () => {
  it('starts quick after submit, backs off x1.5, then holds the floor and caps at the maximum', async () => {
    const { clock, poller, polls } = setup();
    const t0 = clock.now;
    poller.track(makeJob('a', {}, clock));
    await clock.advance(400_000);
    const times = [t0, ...polls.map((p) => p.at)];
    // random() = 0.5 -> no jitter: 2s, 3s, 4.5s, 6.75s, then >= floor (10s) growing x1.5 up to 60s.
    assert.deepEqual(gaps(times).slice(0, 10), [2000, 3000, 4500, 6750, 10125, 15187.5, 22781.25, 34171.875, 51257.8125, 60000]);
    assert.ok(gaps(times).slice(10).every((g) => g === 60_000));
    poller.dispose();
  });

  it('a job that is still moving is polled at the floor, not backed off', async () => {
    const { clock, poller, polls } = setup({ quickWindowMs: 0, answer: (j, n) => withStatus(j, 'in_progress', Math.min(9, n)) });
    const t0 = clock.now;
    poller.track(makeJob('m', {}, clock));
    await clock.advance(130_000);
    const g = gaps([t0, ...polls.map((p) => p.at)]);
    // Counts change on the first 9 polls: interval stays 10s; the 10th sees no change and it backs off.
    assert.deepEqual(g.slice(0, 10), Array(10).fill(10_000));
    assert.equal(g[10], 15_000);
    poller.dispose();
  });

  it('an old job (resumed) starts at the floor, never below it', async () => {
    const { clock, poller, polls } = setup();
    const old = makeJob('old', { createdAt: new Date(clock.now - 3600_000).toISOString() });
    const t0 = clock.now;
    poller.track(old);
    await clock.advance(30_000);
    assert.equal(polls[0]!.at - t0, 10_000);
    assert.ok(gaps(polls.map((p) => p.at)).every((g) => g >= 10_000));
    poller.dispose();
  });

  it('a floor raised in the settings applies from the next poll on', async () => {
    const { clock, poller, polls, settings } = setup({ quickWindowMs: 0 });
    poller.track(makeJob('f', {}, clock));
    await clock.advance(10_000);
    assert.equal(polls.length, 1);
    settings.floorMs = 50_000;
    await clock.advance(200_000);
    // The wait already scheduled keeps its length; every interval chosen after the change respects the new floor.
    const g = gaps(polls.map((p) => p.at)).slice(1);
    assert.ok(g.length >= 2 && g.every((x) => x >= 50_000), JSON.stringify(g));
    poller.dispose();
  });
});

describe('poller: jitter', () => {
  it('keeps every interval within ±20% of the base and actually spreads them', async () => {
    const { clock, poller, polls } = setup({ quickWindowMs: 0, maxMs: 10_000 });
    // Extremes first (0 and just under 1), then arbitrary values.
    clock.randoms = [0, 0.999999, 0.1, 0.9, 0.3, 0.7, 0.5, 0.05, 0.95, 0.42];
    const t0 = clock.now;
    poller.track(makeJob('j', {}, clock));
    await clock.advance(120_000);
    const g = gaps([t0, ...polls.map((p) => p.at)]);
    assert.ok(g.length >= 9);
    for (const x of g) assert.ok(x >= 8000 && x <= 12_000, `interval ${x} outside 8-12 s`);
    assert.ok(Math.min(...g) < 8100 && Math.max(...g) > 11_900, `jitter not applied: ${g.join(', ')}`);
    poller.dispose();
  });
});

describe('poller: errors and Retry-After', () => {
  it('honours Retry-After and never throws, backing off on errors', async () => {
    const clock = new FakeClock();
    const polls: number[] = [];
    const warnings: string[] = [];
    let calls = 0;
    const poller = new Poller({
      refresh: async (job) => {
        polls.push(clock.now);
        calls++;
        if (calls === 1) throw new ProviderError('Rate limited', 429, 'rate_limit', 45_000);
        if (calls === 2) throw new Error('socket hang up');
        return job;
      },
      settings: () => ({ floorMs: 10_000, maxConcurrent: 4 }),
      log: { warn: (m) => warnings.push(m) },
      timers: { now: () => clock.now, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, random: clock.random },
      quickWindowMs: 0,
    });
    poller.track(makeJob('r', {}, clock));
    await clock.advance(200_000);
    assert.ok(polls.length >= 3);
    assert.equal(polls[1]! - polls[0]!, 45_000, 'second poll waits the Retry-After, not the 15 s backoff');
    assert.equal(polls[2]! - polls[1]!, 22_500, 'plain error: backoff x1.5 again');
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!, /Rate limited/);
    poller.dispose();
  });

  it('Retry-After is not shortened by an urgent poll', async () => {
    const clock = new FakeClock();
    const polls: number[] = [];
    let calls = 0;
    const poller = new Poller({
      refresh: async (job) => {
        polls.push(clock.now);
        if (++calls === 1) throw new ProviderError('slow down', 429, undefined, 30_000);
        return job;
      },
      settings: () => ({ floorMs: 5000, maxConcurrent: 4 }),
      timers: { now: () => clock.now, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, random: clock.random },
      quickWindowMs: 0,
    });
    poller.track(makeJob('u', {}, clock), { immediate: true });
    await clock.advance(1000);
    assert.equal(polls.length, 1);
    poller.pollNow();
    await clock.advance(10_000);
    assert.equal(polls.length, 1, 'no poll inside the Retry-After window');
    await clock.advance(25_000);
    assert.equal(polls.length, 2);
    assert.equal(polls[1]! - polls[0]!, 30_000);
    poller.dispose();
  });
});

describe('poller: concurrency cap', () => {
  it('never has more than maxConcurrentPolls requests in flight, and polls every job', async () => {
    const clock = new FakeClock();
    let inFlight = 0;
    let peak = 0;
    const pending: (() => void)[] = [];
    const polled = new Set<string>();
    const poller = new Poller({
      refresh: (job) =>
        new Promise<Job>((resolve) => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          polled.add(job.id);
          pending.push(() => {
            inFlight--;
            resolve(job);
          });
        }),
      settings: () => ({ floorMs: 10_000, maxConcurrent: 2 }),
      timers: { now: () => clock.now, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, random: clock.random },
    });
    poller.resume(['a', 'b', 'c', 'd', 'e'].map((id) => makeJob(id, {}, clock)));
    await clock.advance(0);
    assert.equal(inFlight, 2);
    while (pending.length) {
      pending.shift()!();
      await clock.advance(0);
      assert.ok(inFlight <= 2);
    }
    assert.equal(peak, 2);
    assert.deepEqual([...polled].sort(), ['a', 'b', 'c', 'd', 'e']);
    poller.dispose();
  });
});

describe('poller: hung requests', () => {
  it('abandons a poll that never answers, frees its slot and tries again later', async () => {
    const clock = new FakeClock();
    const warnings: string[] = [];
    const calls: string[] = [];
    let signal: AbortSignal | undefined;
    const poller = new Poller({
      refresh: (job, s) => {
        calls.push(job.id);
        if (job.id === 'hung' && calls.filter((c) => c === 'hung').length === 1) {
          signal = s;
          return new Promise<Job>(() => undefined); // never settles, ignores the signal
        }
        return Promise.resolve(job);
      },
      settings: () => ({ floorMs: 10_000, maxConcurrent: 1 }),
      log: { warn: (m) => warnings.push(m) },
      timers: { now: () => clock.now, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, random: clock.random },
      quickWindowMs: 0,
      pollTimeoutMs: 60_000,
    });
    poller.track(makeJob('hung', {}, clock), { immediate: true });
    await clock.advance(0);
    poller.track(makeJob('other', {}, clock), { immediate: true });
    await clock.advance(59_000);
    assert.deepEqual(calls, ['hung'], 'the only slot is held');
    await clock.advance(1000);
    assert.equal(signal?.aborted, true);
    assert.match(warnings[0] ?? '', /no answer in 60 s/);
    assert.equal(calls[1], 'other', 'the freed slot goes to the waiting job');
    await clock.advance(60_000);
    assert.ok(calls.filter((c) => c === 'hung').length >= 2, 'the hung job is polled again later');
    poller.dispose();
  });
});

describe('poller: terminal jobs, resume, focus, dispose', () => {
  it('stops polling a job once it is terminal and reports it once', async () => {
    const clock = new FakeClock();
    const ended: Job[] = [];
    let calls = 0;
    const poller = new Poller({
      refresh: async (job) => {
        calls++;
        return calls >= 3 ? withStatus(job, 'completed', 10) : job;
      },
      settings: () => ({ floorMs: 10_000, maxConcurrent: 4 }),
      onJobEnded: (j) => ended.push(j),
      timers: { now: () => clock.now, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, random: clock.random },
    });
    poller.track(makeJob('t', {}, clock));
    await clock.advance(3600_000);
    assert.equal(calls, 3);
    assert.equal(ended.length, 1);
    assert.equal(ended[0]!.status, 'completed');
    assert.deepEqual(poller.trackedIds, []);
    assert.equal(clock.timers.size, 0, 'no timer left once nothing is active');
    poller.dispose();
  });

  it('a job the CLI finished (seen through the store) stops being polled and is reported', async () => {
    const { clock, poller, polls, ended } = setup();
    const job = makeJob('cli', {}, clock);
    poller.track(job);
    poller.track(withStatus(job, 'cancelled'));
    await clock.advance(600_000);
    assert.equal(polls.length, 0);
    assert.equal(ended.length, 1);
    poller.dispose();
  });

  it('resume() after a restart follows every active job from the store and skips terminal ones', async () => {
    const { clock, poller, polls } = setup();
    const old = new Date(clock.now - 5 * 3600_000).toISOString();
    const store = [
      makeJob('active-old', { createdAt: old }),
      withStatus(makeJob('done', { createdAt: old }), 'completed', 10),
      withStatus(makeJob('finalizing', { createdAt: old }), 'finalizing'),
      withStatus(makeJob('weird', { createdAt: old }), 'unknown'),
    ];
    poller.resume(store);
    await clock.advance(0);
    assert.deepEqual(polls.map((p) => p.id).sort(), ['active-old', 'finalizing', 'weird']);
    assert.deepEqual(poller.trackedIds.sort(), ['active-old', 'finalizing', 'weird']);
    poller.dispose();
  });

  it('slows down x4 while unfocused and polls at once when focus returns', async () => {
    const { clock, poller, polls } = setup({ quickWindowMs: 0, maxMs: 10_000 });
    const t0 = clock.now;
    poller.track(makeJob('f', {}, clock));
    await clock.advance(10_000);
    assert.equal(polls.length, 1);
    poller.setFocused(false);
    await clock.advance(39_000);
    assert.equal(polls.length, 1, 'unfocused: the 10 s interval became 40 s');
    await clock.advance(1000);
    assert.equal(polls.length, 2);
    await clock.advance(5000);
    poller.setFocused(true);
    await clock.advance(0);
    assert.equal(polls.length, 3, 'focus return polls immediately');
    assert.equal(polls[2]!.at - t0, 55_000);
    poller.dispose();
  });

  it('dispose clears the timer and no poll happens afterwards', async () => {
    const { clock, poller, polls } = setup();
    poller.track(makeJob('d', {}, clock));
    assert.equal(clock.timers.size, 1);
    poller.dispose();
    assert.equal(clock.timers.size, 0);
    await clock.advance(600_000);
    assert.equal(polls.length, 0);
  });

  it('untrack aborts an in-flight poll and ignores its answer', async () => {
    const clock = new FakeClock();
    let signal: AbortSignal | undefined;
    const ended: Job[] = [];
    const poller = new Poller({
      refresh: (job, s) => {
        signal = s;
        return new Promise((resolve) => setImmediate(() => resolve(withStatus(job, 'completed', 10))));
      },
      settings: () => ({ floorMs: 10_000, maxConcurrent: 4 }),
      onJobEnded: (j) => ended.push(j),
      timers: { now: () => clock.now, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, random: clock.random },
    });
    poller.track(makeJob('x', {}, clock), { immediate: true });
    poller.untrack('x');
    assert.equal(signal?.aborted, true);
    await clock.advance(1000);
    assert.equal(ended.length, 0);
    poller.dispose();
  });
});
