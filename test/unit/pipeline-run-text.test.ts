// What Run Now tells the user (issue 16): the end-of-cycle sentence with its counts, retries, outputs and hook, and
// the progress lines, from the cycle's own report and events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressText, reportText } from '../../src/extension/pipelines/cycleText';
import type { CycleReport } from '../../src/jobs/pipeline/cycle';

const report = (over: Partial<CycleReport>): CycleReport => ({
  pipeline: 'nightly',
  cycle: 'c-1',
  job: 'bw-1',
  jobs: ['bw-1'],
  status: 'completed',
  step: 'done',
  succeeded: 1200,
  failed: 0,
  outputs: [],
  hook: { ran: false, exitCode: null },
  attached: false,
  ...over,
});

test('the end of a cycle: status, counts, retries, outputs by name, the hook, the reason', () => {
  assert.equal(reportText(report({})), 'Pipeline "nightly" completed: 1,200 succeeded, 0 failed.');
  assert.equal(
    reportText(report({ status: 'failed', succeeded: 10, failed: 2, jobs: ['bw-1', 'bw-2', 'bw-3'], outputs: ['/data/out/labels.csv', '/data/out/labels.jsonl'], hook: { ran: true, exitCode: 3 } })),
    'Pipeline "nightly" failed: 10 succeeded, 2 failed after 2 retries. Wrote labels.csv, labels.jsonl. Hook exit 3.',
  );
  assert.equal(
    reportText(report({ status: 'refused', job: null, jobs: [], succeeded: 0, message: 'the estimate $3.20 exceeds budgetUsd $1' })),
    'Pipeline "nightly" refused. the estimate $3.20 exceeds budgetUsd $1',
  );
  assert.match(reportText(report({ status: 'running', hook: { ran: true, exitCode: null } })), /is still running: .* Hook did not finish\.$/);
});

test('progress lines follow the cycle: submitted with its size, a retry said as such, nothing for the end', () => {
  assert.equal(progressText({ event: 'submitted', cycle: 'c', job: 'bw-1', requests: 1, retry: false }), 'batch bw-1 submitted (1 request), waiting for it');
  assert.equal(progressText({ event: 'submitted', cycle: 'c', job: 'bw-2', requests: 3, retry: true }), 'retry bw-2 submitted (3 requests), waiting for it');
  assert.equal(progressText({ event: 'cycle_resumed', cycle: 'c', step: 'running' }), 'continuing the cycle left at running');
  assert.equal(progressText({ event: 'attached', cycle: null, heldBy: 'pid 1 on h' }), undefined);
  assert.equal(progressText({ event: 'cycle_ended', cycle: 'c', status: 'completed', succeeded: 1, failed: 0 }), undefined);
});
