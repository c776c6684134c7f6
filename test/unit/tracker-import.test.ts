import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { importPickItem, remoteBatchToJob, untrackedBatches } from '../../src/core/jobs/import';
import { JobSchema, type Job } from '../../src/core/jobs/job';
import type { ProviderProfile, RemoteBatch } from '../../src/providers/types';

const profile: ProviderProfile = { name: 'work', provider: 'anthropic', baseUrl: 'http://127.0.0.1:9/' };

function remote(id: string, over: Partial<RemoteBatch> = {}): RemoteBatch {
  return {
    id, status: 'completed', rawStatus: 'ended',
    counts: { total: 20, succeeded: 18, failed: 2, processing: 0, expired: 0, canceled: 0 },
    createdAt: '2026-11-25T09:00:00.000Z', endedAt: '2026-11-25T10:00:00.000Z', errors: [], ...over,
  };
}

describe('import: remote batch -> job', () => {
  it('maps a remote batch to a valid job record with one part', () => {
    const j = remoteBatchToJob(remote('msgbatch_1', { model: 'claude-x', metadata: { displayName: 'nightly' } }), { id: 'bw-20261126-aaaaaa', profile, now: new Date('2026-11-26T12:00:00Z') });
    assert.doesNotThrow(() => JobSchema.parse(j));
    assert.equal(j.name, 'nightly');
    assert.equal(j.provider, 'anthropic');
    assert.equal(j.profile, 'work');
    assert.equal(j.baseUrl, 'http://127.0.0.1:9/');
    assert.equal(j.parts[0]!.remoteId, 'msgbatch_1');
    assert.deepEqual(j.parts[0]!.counts, remote('x').counts);
    assert.equal(j.status, 'completed');
    assert.equal(j.finishedAt, '2026-11-25T10:00:00.000Z');
    assert.equal(j.createdAt, '2026-11-25T09:00:00.000Z');
    assert.equal(j.inputPath, '');
  });
  it('an active or empty batch is still a valid job (no finishedAt, lineEnd >= 1)', () => {
    const j = remoteBatchToJob(remote('b', { status: 'in_progress', rawStatus: 'in_progress', counts: { total: 0, succeeded: 0, failed: 0, processing: 0, expired: 0, canceled: 0 }, createdAt: undefined, endedAt: undefined }), { id: 'bw-x', profile, now: new Date('2026-11-26T12:00:00Z') });
    assert.doesNotThrow(() => JobSchema.parse(j));
    assert.equal(j.finishedAt, undefined);
    assert.equal(j.createdAt, '2026-11-26T12:00:00.000Z');
    assert.equal(j.name, 'b');
  });
  it('offers only batches not already tracked for that provider', () => {
    const tracked = remoteBatchToJob(remote('msgbatch_1'), { id: 'bw-1', profile, now: new Date() });
    const otherProvider: Job = { ...tracked, id: 'bw-2', provider: 'openai', parts: [{ ...tracked.parts[0]!, remoteId: 'msgbatch_2' }] };
    const left = untrackedBatches([remote('msgbatch_1'), remote('msgbatch_2'), remote('msgbatch_3')], [tracked, otherProvider], profile);
    assert.deepEqual(left.map((b) => b.id), ['msgbatch_2', 'msgbatch_3']);
  });
  it('pick items show status, counts and the id', () => {
    const item = importPickItem(remote('msgbatch_9', { model: 'claude-x' }));
    assert.equal(item.label, 'msgbatch_9');
    assert.match(item.description, /ended · 18\/20 · created 2026-11-25 09:00/);
    assert.match(item.detail, /msgbatch_9 · claude-x/);
  });
});
