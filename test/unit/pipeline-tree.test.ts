// The Pipelines view's rows (issue 16), from real pipeline files and state files in a scratch store, through
// pipelineOverview (what `pipeline list` and `serve` read too) to the rows the TreeDataProvider maps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipelineOverview } from '../../src/core/pipeline/overview';
import { setPaused, updatePipelineState, withCycle, type Cycle } from '../../src/core/pipeline/state';
import { CYCLES_SHOWN, firstProblem, pipelineRows, type PipelineRow } from '../../src/core/pipeline/treeModel';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const MIN = 60_000;
const iso = (msBefore: number) => new Date(NOW - msBefore).toISOString();

async function scratch(): Promise<{ dir: string; home: string; done: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-pipetree-'));
  return { dir, home: join(dir, 'home'), done: () => rm(dir, { recursive: true, force: true }) };
}

async function pipelineFile(dir: string, name: string, extra = ''): Promise<string> {
  const file = join(dir, `${name}.batchwise.yaml`);
  await writeFile(file, `name: ${name}\ninput: { file: requests.jsonl }\nprovider: openai\nbaseUrl: https://user:secret@proxy.example.com/v1\n${extra}`);
  return file;
}

function cycle(id: string, over: Partial<Cycle>): Cycle {
  return { id, trigger: 'manual', startedAt: iso(10 * MIN), updatedAt: iso(5 * MIN), step: 'done', status: 'completed', jobs: [], outputs: [], ...over };
}

async function rowsFor(home: string, files: string[]): Promise<PipelineRow[]> {
  const overviews = await Promise.all(files.map((f) => pipelineOverview(home, f, new Date(NOW))));
  return pipelineRows(overviews, { now: NOW, timeOf: (t) => t.slice(11, 16) });
}

test('a scheduled pipeline shows its last cycle, its schedule and the next run; its cycles are children, newest first, opening their results', async () => {
  const s = await scratch();
  try {
    const file = await pipelineFile(s.dir, 'nightly', 'schedule: { cron: "0 14 * * *", timezone: UTC }\n');
    await updatePipelineState(s.home, file, 'nightly', (st) =>
      withCycle(
        withCycle(st, cycle('c-1', { startedAt: iso(3 * 60 * MIN), finishedAt: iso(170 * MIN), status: 'failed', jobs: ['bw-a', 'bw-a2'], succeeded: 10, failed: 2 })),
        cycle('c-2', { startedAt: iso(4 * MIN), finishedAt: iso(2 * MIN), jobs: ['bw-b'], succeeded: 12, failed: 0, trigger: 'schedule' }),
      ),
    );
    const [row] = await rowsFor(s.home, [file]);
    assert.equal(row!.kind, 'pipeline');
    assert.equal(row!.label, 'nightly');
    assert.equal(row!.description, '✓ completed 2m ago · 12/12 · 0 14 * * * (UTC) · next in 2h');
    assert.equal(row!.iconId, 'pass-filled');
    assert.deepEqual(row!.contextValue.split(' ').sort(), ['pausable', 'pipeline', 'runnable']);
    assert.deepEqual(row!.open, { kind: 'file', file, line: 1, column: 1 });
    assert.equal(row!.expanded, false);

    assert.deepEqual(row!.children.map((c) => c.cycleId), ['c-2', 'c-1']);
    const [newest, older] = row!.children;
    assert.equal(newest!.label, '11:56');
    assert.equal(newest!.description, '✓ completed 2m ago · 12/12 · scheduled');
    assert.deepEqual(newest!.open, { kind: 'results', jobId: 'bw-b' });
    assert.equal(newest!.contextValue, 'cycle results');
    assert.equal(older!.description, '✗ failed 2h 50m ago · 10/12 · 2 failed · 1 retry · run by hand');
    assert.equal(older!.iconId, 'pass', 'some lines succeeded: not the all-failed icon');
    assert.equal(older!.jobId, 'bw-a', 'the first job: the results panel merges its retries');
    assert.match(older!.tooltip, /Jobs: bw-a, bw-a2 \(the first, then 1 retry\)/);
  } finally {
    await s.done();
  }
});

test('a running cycle shows its step and keeps the row open; paused is said with the schedule and swaps Pause for Resume', async () => {
  const s = await scratch();
  try {
    const file = await pipelineFile(s.dir, 'hourly', 'schedule: { cron: "0 * * * *", timezone: UTC }\n');
    await updatePipelineState(s.home, file, 'hourly', (st) => withCycle(st, cycle('c-9', { startedAt: iso(3 * MIN), status: 'running', step: 'running', jobs: ['bw-r'] })));
    await setPaused(s.home, file, 'hourly', true);
    const [row] = await rowsFor(s.home, [file]);
    assert.equal(row!.description, 'running: batch running · 3m · 0 * * * * (UTC) · schedule paused');
    assert.equal(row!.iconId, 'sync~spin');
    assert.equal(row!.expanded, true);
    assert.deepEqual(row!.contextValue.split(' ').sort(), ['pipeline', 'resumable', 'runnable', 'running']);
    assert.equal(row!.children[0]!.description, 'running: batch running · 3m · run by hand');

    await setPaused(s.home, file, 'hourly', false);
    const [resumed] = await rowsFor(s.home, [file]);
    assert.match(resumed!.description, /· 0 \* \* \* \* \(UTC\) · next in 1h$/);
    assert.ok(resumed!.contextValue.includes('pausable') && !resumed!.contextValue.includes('resumable'));
  } finally {
    await s.done();
  }
});

test('no schedule and no cycle yet; a paused unscheduled pipeline says paused; refused cycles say so with their reason', async () => {
  const s = await scratch();
  try {
    const a = await pipelineFile(s.dir, 'adhoc');
    const b = await pipelineFile(s.dir, 'budgeted', 'budgetUsd: 0.01\n');
    await updatePipelineState(s.home, b, 'budgeted', (st) => withCycle(st, cycle('c-r', { finishedAt: iso(60 * MIN), status: 'refused', message: 'the estimate $3.20 exceeds budgetUsd $0.01' })));
    await setPaused(s.home, b, 'budgeted', true);
    const rows = await rowsFor(s.home, [b, a]);
    assert.deepEqual(rows.map((r) => r.label), ['adhoc', 'budgeted'], 'sorted by name');
    assert.equal(rows[0]!.description, 'no cycle yet · no schedule');
    assert.equal(rows[0]!.iconId, 'circle-large-outline');
    assert.deepEqual(rows[0]!.children, []);
    assert.equal(rows[1]!.description, 'paused · ⊘ refused 1h ago · no schedule');
    assert.equal(rows[1]!.iconId, 'debug-pause');
    assert.match(rows[1]!.tooltip, /exceeds budgetUsd \$0\.01/);
    assert.equal(rows[1]!.children[0]!.contextValue, 'cycle', 'no job: nothing to open');
    assert.equal(rows[1]!.children[0]!.open, undefined);
  } finally {
    await s.done();
  }
});

test('at most the last 10 cycles are listed', async () => {
  const s = await scratch();
  try {
    const file = await pipelineFile(s.dir, 'busy');
    await updatePipelineState(s.home, file, 'busy', (st) => {
      let next = st;
      for (let i = 0; i < 14; i++) next = withCycle(next, cycle(`c-${String(i).padStart(2, '0')}`, { startedAt: iso((20 - i) * MIN), jobs: [`bw-${i}`], succeeded: 1, failed: 0 }));
      return next;
    });
    const [row] = await rowsFor(s.home, [file]);
    assert.equal(row!.children.length, CYCLES_SHOWN);
    assert.equal(row!.children[0]!.cycleId, 'c-13');
    assert.equal(row!.children.at(-1)!.cycleId, 'c-04');
    assert.match(row!.tooltip, /14 cycles recorded, the last 10 listed/);
  } finally {
    await s.done();
  }
});

test('a file with problems is a warning row with the first problem and its line; a click opens it there', async () => {
  const s = await scratch();
  try {
    const file = join(s.dir, 'broken.batchwise.yaml');
    await writeFile(file, 'name: broken\ninput: { file: a.jsonl }\nprovider: openai\nschedul: "0 2 * * *"\n');
    const [row] = await rowsFor(s.home, [file]);
    assert.equal(row!.kind, 'problem');
    assert.equal(row!.label, 'broken.batchwise.yaml');
    assert.equal(row!.iconId, 'warning');
    assert.match(row!.description, /^line 4: unknown field "schedul" \(did you mean "schedule"\?\)/);
    assert.equal(row!.open?.kind, 'file');
    assert.equal(row!.open?.kind === 'file' && row!.open.line, 4, 'the line the loader names');
    assert.equal(row!.contextValue, 'pipeline problem', 'no Run Now on a file that cannot run');
    assert.ok(!row!.tooltip.includes(`${file}:4`), 'the tooltip says "line 4", not the path again');
  } finally {
    await s.done();
  }
});

test('tooltips are safe plain text: secrets in a base URL redacted, icons and control characters neutralized', async () => {
  const s = await scratch();
  try {
    const file = join(s.dir, 'evil.batchwise.yaml');
    await writeFile(file, 'name: "$(zap) evil\\u202E"\ninput: { file: a.jsonl }\nprovider: openai\nbaseUrl: https://user:hunter2@proxy.example.com/v1\n');
    const [row] = await rowsFor(s.home, [file]);
    assert.ok(!row!.tooltip.includes('hunter2'), row!.tooltip);
    assert.ok(!row!.tooltip.includes('$(zap)'), 'icon syntax broken');
    assert.ok(!row!.tooltip.includes('\u202E'), 'bidi control shown as a code point');
    assert.match(row!.tooltip, /<U\+202E>/);
  } finally {
    await s.done();
  }
});

test('firstProblem reads the position of a PipelineFileError line, and falls back to line 1 for other errors', () => {
  assert.deepEqual(firstProblem('/w/a.batchwise.yaml:3:7: provider: invalid\n/w/a.batchwise.yaml:5:1: x', '/w/a.batchwise.yaml'), { line: 3, column: 7, message: 'provider: invalid' });
  assert.deepEqual(firstProblem('/w/a.batchwise.yaml: EACCES: permission denied', '/w/a.batchwise.yaml'), { line: 1, column: 1, message: 'EACCES: permission denied' });
});
