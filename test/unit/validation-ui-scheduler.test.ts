import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationScheduler, type SchedulerClock } from '../../src/core/validationScheduler';

/** A clock that only moves when the test says so. */
class FakeClock implements SchedulerClock {
  now = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  advance(ms: number): void {
    this.now += ms;
    for (const [id, t] of [...this.timers].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at <= this.now) {
        this.timers.delete(id);
        t.fn();
      }
    }
  }
  get pending(): number {
    return this.timers.size;
  }
}

const tick = () => new Promise<void>((r) => setImmediate(r));

test('debounces: a burst of edits runs the validator once, after the quiet period', async () => {
  const clock = new FakeClock();
  const runs: string[] = [];
  const s = new ValidationScheduler<string>(async (k) => void runs.push(k), clock);
  s.schedule('a', 300);
  clock.advance(200);
  s.schedule('a', 300);
  clock.advance(200);
  s.schedule('a', 300);
  clock.advance(299);
  assert.deepEqual(runs, []);
  assert.equal(s.isPending('a'), true);
  clock.advance(1);
  await tick();
  assert.deepEqual(runs, ['a']);
  assert.equal(s.isPending('a'), false);
});

test('keys are independent', async () => {
  const clock = new FakeClock();
  const runs: string[] = [];
  const s = new ValidationScheduler<string>(async (k) => void runs.push(k), clock);
  s.schedule('a', 100);
  s.schedule('b', 50);
  clock.advance(50);
  assert.deepEqual(runs, ['b']);
  clock.advance(50);
  assert.deepEqual(runs, ['b', 'a']);
});

test('a new edit aborts the run in flight, and the stale run does not clear the new one', async () => {
  const clock = new FakeClock();
  const signals: AbortSignal[] = [];
  const releases: Array<() => void> = [];
  const s = new ValidationScheduler<string>(
    (_k, signal) =>
      new Promise<void>((resolve) => {
        signals.push(signal);
        releases.push(resolve);
      }),
    clock,
  );
  s.schedule('a', 10);
  clock.advance(10);
  assert.equal(signals.length, 1);
  assert.equal(s.isRunning('a'), true);
  s.schedule('a', 10);
  assert.equal(signals[0]!.aborted, true, 'the older run is told to stop');
  clock.advance(10);
  assert.equal(signals.length, 2);
  releases[0]!(); // the stale run finishes late
  await tick();
  assert.equal(s.isRunning('a'), true, 'the newer run still owns the slot');
  assert.equal(signals[1]!.aborted, false);
  releases[1]!();
  await tick();
  assert.equal(s.isRunning('a'), false);
});

test('cancel drops a pending run and aborts a running one', async () => {
  const clock = new FakeClock();
  let runs = 0;
  const s = new ValidationScheduler<string>(async () => void runs++, clock);
  s.schedule('a', 10);
  s.cancel('a');
  clock.advance(100);
  assert.equal(runs, 0);
  assert.equal(clock.pending, 0);
});

test('runNow runs at once and replaces a pending debounce', async () => {
  const clock = new FakeClock();
  let runs = 0;
  const s = new ValidationScheduler<string>(async () => void runs++, clock);
  s.schedule('a', 1000);
  await s.runNow('a');
  assert.equal(runs, 1);
  clock.advance(1000);
  assert.equal(runs, 1, 'the debounced run was dropped');
});

test('errors of a live run are reported; errors of an aborted run are not', async () => {
  const clock = new FakeClock();
  const errors: unknown[] = [];
  let abortNext = false;
  const s = new ValidationScheduler<string>(
    async (_k, signal) => {
      if (abortNext) {
        await new Promise((r) => setImmediate(r));
        signal.throwIfAborted();
      }
      throw new Error('boom');
    },
    clock,
    (_k, err) => errors.push(err),
  );
  await s.runNow('a');
  assert.equal(errors.length, 1);
  abortNext = true;
  const p = s.runNow('b');
  s.cancel('b');
  await p;
  assert.equal(errors.length, 1);
});

test('dispose stops every timer and ignores later schedules', () => {
  const clock = new FakeClock();
  let runs = 0;
  const s = new ValidationScheduler<string>(async () => void runs++, clock);
  s.schedule('a', 10);
  s.schedule('b', 10);
  s.dispose();
  s.schedule('c', 10);
  clock.advance(100);
  assert.equal(runs, 0);
  assert.equal(clock.pending, 0);
});
