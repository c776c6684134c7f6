import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { completionMessage, hasFailedLines, shouldNotify } from '../../src/core/jobs/notify';
import type { Job } from '../../src/core/jobs/job';
import type { JobStatus, RequestCounts } from '../../src/core/status';

function job(status: JobStatus, c: Partial<RequestCounts>, over: Partial<Job> = {}): Job {
  const counts = { total: 10_000, succeeded: 0, failed: 0, processing: 0, expired: 0, canceled: 0, ...c };
  return {
    version: 1, id: 'bw-1', name: 'labels', provider: 'openai', profile: 'openai', endpoint: null, model: null,
    inputPath: '/x/labels.jsonl', inputSha256: 'a', inputLines: counts.total, requests: counts.total,
    parts: [{ index: 0, remoteId: 'batch_1', status, lineStart: 1, lineEnd: counts.total, requests: counts.total, counts, errors: [] }],
    attempt: 1, status, createdAt: '2026-11-26T10:00:00Z', updatedAt: '2026-11-26T11:00:00Z', ...over,
  };
}

describe('notify: completion message', () => {
  it('says what happened with counts', () => {
    assert.equal(completionMessage(job('completed', { succeeded: 9950, failed: 50 })), 'Batch "labels" completed: 9,950 succeeded, 50 failed');
    assert.equal(completionMessage(job('completed', { succeeded: 10_000 })), 'Batch "labels" completed: 10,000 succeeded');
    // Issue 20: succeeded lines that are cut off or refused are said, once the results are in.
    assert.equal(completionMessage(job('completed', { succeeded: 10_000 }, { flagged: { truncated: 12, refused: 1 } })), 'Batch "labels" completed: 10,000 succeeded (of the succeeded: 12 truncated, 1 refused)');
  });
  it('a completed batch whose lines all failed is reported as failed', () => {
    assert.equal(completionMessage(job('completed', { failed: 10_000 })), 'Batch "labels" failed: all 10,000 lines failed');
  });
  it('a failed batch names the first server error', () => {
    const j = job('failed', {});
    j.parts[0]!.errors = [{ line: 7, code: 'duplicate_custom_id', message: 'custom_id "a" is duplicated' }];
    assert.equal(completionMessage(j), 'Batch "labels" failed: line 7: custom_id "a" is duplicated');
  });
  it('expired and cancelled say how much is kept', () => {
    assert.equal(
      completionMessage(job('expired', { succeeded: 9000, failed: 10, expired: 990 })),
      'Batch "labels" expired: 9,010 of 10,000 lines finished (9,000 succeeded, 10 failed, 990 expired); their results are kept',
    );
    assert.equal(completionMessage(job('cancelled', { succeeded: 100, canceled: 9900 })), 'Batch "labels" canceled: 100 of 10,000 lines finished; their results are kept');
  });
});

describe('notify: when', () => {
  it('follows the setting and never notifies twice', () => {
    const ok = job('completed', { succeeded: 10_000 });
    const bad = job('completed', { succeeded: 9950, failed: 50 });
    assert.equal(shouldNotify(ok, 'all'), true);
    assert.equal(shouldNotify(ok, 'failures'), false);
    assert.equal(shouldNotify(bad, 'failures'), true);
    assert.equal(shouldNotify(job('expired', { succeeded: 1, expired: 9999 }), 'failures'), true);
    assert.equal(shouldNotify(job('cancelled', { canceled: 10_000 }), 'failures'), false, 'a cancel the user asked for is not a failure');
    assert.equal(shouldNotify(bad, 'none'), false);
    assert.equal(shouldNotify({ ...bad, notifiedAt: '2026-11-26T11:00:00Z' }, 'all'), false);
    assert.equal(shouldNotify(job('in_progress', {}), 'all'), false);
    // Issue 16: a pipeline's jobs are reported by their cycle, not one toast each.
    assert.equal(shouldNotify(job('completed', { succeeded: 1, failed: 9999 }, { pipeline: { file: '/p/n.batchwise.yaml', name: 'n', cycle: 'c-1' } }), 'all'), false);
    assert.equal(shouldNotify(bad, 'all'), true);
  });
  it('offers Resubmit Failed only when lines failed', () => {
    assert.equal(hasFailedLines(job('completed', { succeeded: 10_000 })), false);
    assert.equal(hasFailedLines(job('expired', { succeeded: 10, expired: 9990 })), true);
  });
});
