import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSchedule, dueRun, nextRunAfter, ScheduleError, type DueRun } from '../../src/core/pipeline/schedule';
import type { ScheduleSpec } from '../../src/core/pipeline/schema';

const berlin = (cron: string, catchUp: ScheduleSpec['catchUp'] = 'skip'): ScheduleSpec => ({ cron, timezone: 'Europe/Berlin', catchUp });
const runs = (spec: ScheduleSpec, from: string, n: number) => {
  const out: string[] = [];
  let at = new Date(from);
  for (let i = 0; i < n; i++) out.push((at = nextRunAfter(spec, at)!).toISOString());
  return out;
};
const iso = (d: DueRun) => ({ runFor: d.runFor?.toISOString(), skipped: d.skipped });

test('every minute: due once the minute is reached, not before; a run a few seconds late is on time', () => {
  const spec: ScheduleSpec = { cron: '* * * * *', catchUp: 'skip' };
  assert.deepEqual(iso(dueRun(spec, new Date('2026-12-03T10:00:00Z'), new Date('2026-12-03T10:00:59Z'))), { runFor: undefined, skipped: 0 });
  assert.deepEqual(iso(dueRun(spec, new Date('2026-12-03T10:00:00Z'), new Date('2026-12-03T10:01:07Z'))), { runFor: '2026-12-03T10:01:00.000Z', skipped: 0 });
  // Three minutes without a check: the newest slot runs (it is on time), the two before it are skipped.
  assert.deepEqual(iso(dueRun(spec, new Date('2026-12-03T10:00:00Z'), new Date('2026-12-03T10:03:10Z'))), { runFor: '2026-12-03T10:03:00.000Z', skipped: 2 });
});

test('daily at 02:00 in Europe/Berlin runs once a day across both DST changes (2026-03-29 and 2026-10-25)', () => {
  // Spring: 02:00 does not exist on 03-29 (01:59 CET -> 03:00 CEST); the run happens at 03:00 CEST, once.
  assert.deepEqual(runs(berlin('0 2 * * *'), '2026-03-27T12:00:00Z', 3), ['2026-03-28T01:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:00:00.000Z']);
  // Autumn: 02:30 happens twice on 10-25 (CEST, then CET); it runs once, at the first.
  assert.deepEqual(runs(berlin('30 2 * * *'), '2026-10-24T12:00:00Z', 3), ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z', '2026-10-27T01:30:00.000Z']);
  // In UTC the hour does not move.
  assert.deepEqual(runs({ cron: '0 2 * * *', timezone: 'UTC', catchUp: 'skip' }, '2026-03-28T12:00:00Z', 2), ['2026-03-29T02:00:00.000Z', '2026-03-30T02:00:00.000Z']);
});

test('missed runs: catchUp skip drops them all, catchUp once runs one cycle for them', () => {
  const since = new Date('2026-03-01T01:00:00Z'); // the 02:00 run of March 1st was handled
  const now = new Date('2026-03-04T12:00:00Z'); // down until midday on the 4th: 3 slots missed
  assert.deepEqual(iso(dueRun(berlin('0 2 * * *', 'skip'), since, now)), { runFor: undefined, skipped: 3 });
  assert.deepEqual(iso(dueRun(berlin('0 2 * * *', 'once'), since, now)), { runFor: '2026-03-04T01:00:00.000Z', skipped: 2 });
  // Back within 5 minutes of the slot: on time, whatever the policy.
  assert.deepEqual(iso(dueRun(berlin('0 2 * * *', 'skip'), since, new Date('2026-03-02T01:04:00Z'))), { runFor: '2026-03-02T01:00:00.000Z', skipped: 0 });
  assert.deepEqual(iso(dueRun(berlin('0 2 * * *', 'skip'), since, new Date('2026-03-02T01:06:00Z'))), { runFor: undefined, skipped: 1 });
});

test('a year of every-minute slots is counted without walking it all, and the newest slot is still found', () => {
  const d = dueRun({ cron: '* * * * *', catchUp: 'once' }, new Date('2025-12-03T00:00:00Z'), new Date('2026-12-03T00:00:30Z'));
  assert.equal(d.runFor?.toISOString(), '2026-12-03T00:00:00.000Z');
  assert.ok(d.skipped >= 9_999);
});

test('a bad expression or time zone is an error that says what to write', () => {
  assert.throws(() => compileSchedule({ cron: '0 25 * * *', catchUp: 'skip' }), (e: Error) => e instanceof ScheduleError && /not a cron expression .*"0 2 \* \* \*"/.test(e.message));
  assert.throws(() => compileSchedule({ cron: '0 2 * * *', timezone: 'Mars/Olympus', catchUp: 'skip' }), /unknown time zone "Mars\/Olympus": give an IANA name/);
});
