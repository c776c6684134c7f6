import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeResultsExpiry, resultsExpireAt } from '../../src/core/results/retention';
import { jobRow } from '../../src/core/jobs/treeModel';
import type { Job } from '../../src/core/jobs/job';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const H = 3_600_000;

function ended(over: Partial<Job> = {}): Job {
  const counts = { total: 2, succeeded: 2, failed: 0, processing: 0, expired: 0, canceled: 0 };
  return {
    version: 1, id: 'bw-1', name: 'labels', provider: 'openai', profile: 'openai', endpoint: '/v1/chat/completions', model: 'gpt-4o-mini',
    inputPath: '/work/labels.jsonl', inputSha256: 'x', inputLines: 2, requests: 2, attempt: 1, status: 'completed',
    parts: [{ index: 0, remoteId: 'batch_1', status: 'completed', lineStart: 1, lineEnd: 2, requests: 2, counts, errors: [], submittedAt: new Date(NOW - 10 * H).toISOString() }],
    createdAt: new Date(NOW - 10 * H).toISOString(), updatedAt: new Date(NOW - 2 * H).toISOString(), finishedAt: new Date(NOW - 2 * H).toISOString(),
    ...over,
  };
}

// Retention periods from PROVIDER-FACTS.md: OpenAI output files 30 days after completion (batch guide),
// Anthropic results 29 days after creation (Message Batches guide), Gemini jobs 48 h (Batch Mode docs).
describe('when the provider deletes results that are not kept locally', () => {
  it('OpenAI: 30 days after the batch ended', () => {
    assert.equal(resultsExpireAt(ended())?.toISOString(), new Date(NOW - 2 * H + 30 * 24 * H).toISOString());
  });
  it('Anthropic: 29 days after the batch was created', () => {
    assert.equal(resultsExpireAt(ended({ provider: 'anthropic' }))?.toISOString(), new Date(NOW - 10 * H + 29 * 24 * H).toISOString());
  });
  it('Gemini: 48 hours after creation, said in hours when under two days', () => {
    assert.equal(resultsExpireAt(ended({ provider: 'gemini' }))?.toISOString(), new Date(NOW + 38 * H).toISOString());
    assert.equal(describeResultsExpiry(ended({ provider: 'gemini' }), NOW), 'results not downloaded; on the provider until 2026-11-28 02:00 UTC (in 38 h)');
  });
  it('nothing to say once kept, while running, or for a self-hosted run; past the date it says they are gone', () => {
    assert.equal(resultsExpireAt(ended({ resultsPath: '/home/jobs/bw-1/results.jsonl' })), undefined);
    assert.equal(resultsExpireAt(ended({ status: 'in_progress' })), undefined);
    assert.equal(resultsExpireAt(ended({ provider: 'local' })), undefined);
    assert.equal(describeResultsExpiry(ended({ provider: 'gemini' }), NOW + 39 * H), 'results not downloaded; the provider deleted them at 2026-11-28 02:00 UTC');
  });
  it('the tree row says it in its tooltip, and in its description when it is close', () => {
    const row = jobRow(ended(), { groupBy: 'status', now: NOW });
    assert.doesNotMatch(row.description, /expire/, 'a month ahead, the row stays short');
    assert.match(jobRow(ended({ provider: 'gemini' }), { groupBy: 'status', now: NOW }).description, /results expire in 38h$/);
    assert.match(jobRow(ended({ provider: 'gemini' }), { groupBy: 'status', now: NOW + 40 * H }).description, /results deleted by the provider$/);
    assert.match(row.tooltipMarkdown ?? '', /\$\(warning\) Results not downloaded; on the provider until 2026\\-12\\-26 10\\:00 UTC \\\(in 29 days\\\): open the results to download them\./);
    assert.doesNotMatch(jobRow(ended({ resultsPath: '/r.jsonl' }), { groupBy: 'status', now: NOW }).description, /expire/);
  });
});
