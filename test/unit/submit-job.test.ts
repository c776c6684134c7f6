import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobStore } from '../../src/core/jobs/store';
import type { Job, JobPart } from '../../src/core/jobs/job';
import { DuplicateSubmission, SubmitInProgress, SubmitRefused, findLiveJobsByHash, sha256File, submitJob } from '../../src/jobs/submit';
import { jobCounts, partCounts } from '../../src/core/jobs/counts';
import { displayState } from '../../src/core/jobs/treeModel';
import { completionMessage } from '../../src/core/jobs/notify';
import { tryLock } from '../../src/core/lockFile';
import { SUBMIT_GRACE_MS, refreshJob } from '../../src/jobs/refresh';
import { cancelJob } from '../../src/jobs/cancel';
import { ProviderError, type BatchProvider, type RemoteBatch, type SubmitPart } from '../../src/providers/types';
import { defaultProfile } from '../../src/providers';

const line = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `hi ${id}` }] } });

/** A provider that records what it was asked and lets a test fail a given part. */
class FakeProvider implements BatchProvider {
  readonly id = 'openai' as const;
  readonly profile = defaultProfile('openai', 'http://fake.invalid/v1');
  created: { part: SubmitPart; lines: string[]; storedBefore: Job | undefined }[] = [];
  failPart?: number;
  failWith?: Error;
  remote = new Map<string, RemoteBatch>();
  constructor(private readonly store: JobStore) {}

  async create(part: SubmitPart): Promise<RemoteBatch> {
    const lines: string[] = [];
    for await (const l of part.lines) lines.push(l);
    await part.beforeCreate?.();
    const stored = (await this.store.list()).jobs.find((j) => j.id === part.jobId);
    this.created.push({ part, lines, storedBefore: stored });
    if (part.partIndex === this.failPart) throw this.failWith ?? new ProviderError('Injected: the service is down', 503);
    const b: RemoteBatch = { id: `batch_${part.jobId}_${part.partIndex}`, status: 'validating', rawStatus: 'validating', counts: { total: 0, succeeded: 0, failed: 0, processing: 0, expired: 0, canceled: 0 }, errors: [] };
    this.remote.set(b.id, b);
    return b;
  }
  async retrieve(id: string): Promise<RemoteBatch> {
    const b = this.remote.get(id);
    if (!b) throw new ProviderError(`No batch found with id '${id}'.`, 404);
    return b;
  }
  async list() {
    return { batches: [...this.remote.values()] };
  }
  async cancel(id: string): Promise<RemoteBatch> {
    const b = { ...this.remote.get(id)!, status: 'cancelling' as const, rawStatus: 'cancelling' };
    this.remote.set(id, b);
    return b;
  }
  async *results() {}
  consoleUrl() {
    return undefined;
  }
}

describe('submit: submitJob / refreshJob / cancelJob with a fake provider', () => {
  let dir: string;
  let store: JobStore;
  let provider: FakeProvider;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bw-submit-'));
    store = new JobStore(join(dir, 'home'));
    provider = new FakeProvider(store);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function input(lines: string[], name = 'in.jsonl') {
    const path = join(dir, name);
    await writeFile(path, lines.join('\n') + '\n');
    return path;
  }

  it('stores the job before creating any batch, and each batch id before creating the next', async () => {
    const path = await input(['a', 'b', 'c', 'd', 'e'].map(line));
    const job = await submitJob({ store, provider, inputPath: path, limits: { maxRequests: 2, maxBytes: 1e9 } });
    assert.equal(provider.created.length, 3);
    assert.deepEqual(provider.created[0]!.storedBefore?.parts.map((p) => p.remoteId), [null, null, null]);
    assert.deepEqual(provider.created[1]!.storedBefore?.parts.map((p) => p.remoteId), [`batch_${job.id}_0`, null, null]);
    assert.deepEqual(provider.created[2]!.storedBefore?.parts.map((p) => p.remoteId), [`batch_${job.id}_0`, `batch_${job.id}_1`, null]);
    assert.deepEqual(provider.created.map((c) => c.lines.length), [2, 2, 1]);
    assert.equal(provider.created[0]!.part.endpoint, '/v1/chat/completions');
    assert.equal(provider.created[0]!.part.model, 'gpt-4o-mini');
    assert.match(provider.created[0]!.part.sha256, /^[0-9a-f]{64}$/);
    assert.equal(job.inputSha256, await sha256File(path));
    assert.equal(job.status, 'validating');
    assert.deepEqual(await store.get(job.id), job);
  });

  it('refuses an input with errors and sends nothing', async () => {
    const path = await input([line('a'), '{"custom_id": "b", oops}']);
    await assert.rejects(submitJob({ store, provider, inputPath: path }), (e: unknown) => {
      assert.ok(e instanceof SubmitRefused);
      assert.ok(e.result.diagnostics.some((d) => d.severity === 'error' && d.line === 2));
      return true;
    });
    assert.equal(provider.created.length, 0);
    assert.deepEqual((await store.list()).jobs, []);
  });

  it('detects a duplicate of a live job by hash; --force submits anyway', async () => {
    const path = await input([line('a')]);
    const first = await submitJob({ store, provider, inputPath: path });
    await assert.rejects(submitJob({ store, provider, inputPath: path }), (e: unknown) => e instanceof DuplicateSubmission && e.jobs[0]!.id === first.id);
    const second = await submitJob({ store, provider, inputPath: path, force: true });
    assert.notEqual(second.id, first.id);
    assert.equal((await findLiveJobsByHash(store, first.inputSha256)).length, 2);
  });

  it('a part that cannot be created: earlier parts stay tracked, it is failed with the message, later ones not sent', async () => {
    provider.failPart = 1;
    const path = await input(['a', 'b', 'c'].map(line));
    await assert.rejects(submitJob({ store, provider, inputPath: path, limits: { maxRequests: 1, maxBytes: 1e9 } }), /service is down/);
    const [job] = (await store.list()).jobs;
    assert.ok(job);
    assert.deepEqual(job.parts.map((p) => p.status), ['validating', 'failed', 'failed']);
    assert.equal(job.parts[1]!.errors[0]!.message, 'Injected: the service is down');
    assert.equal(job.parts[2]!.errors[0]!.code, 'not_submitted');
    assert.equal(provider.created.length, 2);
  });

  it('a first part that cannot be created leaves no job behind', async () => {
    provider.failPart = 0;
    const path = await input([line('a')]);
    await assert.rejects(submitJob({ store, provider, inputPath: path }), ProviderError);
    assert.deepEqual((await store.list()).jobs, []);
  });

  it('an input over the provider limit is split, not refused', async () => {
    const lines = Array.from({ length: 50_001 }, (_, i) => JSON.stringify({ custom_id: `r${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: 'x' }] } }));
    const path = await input(lines, 'big.jsonl');
    const job = await submitJob({ store, provider, inputPath: path });
    assert.deepEqual(job.parts.map((p) => p.requests), [50_000, 1]);
    assert.equal(provider.created[1]!.lines[0], lines[50_000]);
  });

  it('a part whose batch id was never recorded (killed after the create) is found again, or failed after the grace time', async () => {
    const path = await input(['a', 'b'].map(line));
    const job = await submitJob({ store, provider, inputPath: path, limits: { maxRequests: 1, maxBytes: 1e9 } });
    const lostId = job.parts[1]!.remoteId!;
    const old = new Date(Date.now() - SUBMIT_GRACE_MS - 1000).toISOString();
    const killed: Job = { ...job, createdAt: old, parts: job.parts.map((p) => (p.index === 1 ? { ...p, remoteId: null, submittedAt: undefined, createStartedAt: old } : { ...p, submittedAt: old })) };
    await store.save(killed);

    const withFind = Object.assign(Object.create(provider) as FakeProvider, {
      findPart: async (jobId: string, index: number) => provider.remote.get(`batch_${jobId}_${index}`),
    });
    assert.equal((await refreshJob(store, killed, withFind)).parts[1]!.remoteId, lostId);

    await store.save(killed);
    const failed = await refreshJob(store, killed, provider);
    assert.equal(failed.parts[1]!.status, 'failed');
    assert.equal(failed.parts[1]!.errors[0]!.code, 'submit_interrupted');

    const recent: Job = { ...killed, parts: killed.parts.map((p) => (p.index === 0 ? { ...p, submittedAt: new Date().toISOString() } : p)) };
    await store.save(recent);
    assert.equal((await refreshJob(store, recent, provider)).parts[1]!.status, 'validating', 'a submit may still be uploading');
  });

  it('records that a create started before it sends it, so a part without that mark was never sent', async () => {
    const path = await input(['a', 'b'].map(line));
    const job = await submitJob({ store, provider, inputPath: path, limits: { maxRequests: 1, maxBytes: 1e9 } });
    assert.ok(provider.created[0]!.storedBefore?.parts[0]!.createStartedAt, 'part 1 marked before its create');
    assert.equal(provider.created[0]!.storedBefore?.parts[1]!.createStartedAt, undefined, 'part 2 not yet');
    assert.ok(job.parts.every((p) => p.createStartedAt));
  });

  /** The job a submit writes before its first create: one part, no batch id, no create started. */
  async function notYetCreated(path: string, requests: number): Promise<Job> {
    const now = new Date().toISOString();
    const job: Job = {
      version: 1, id: store.newId(), name: 'in.jsonl', provider: 'openai', profile: 'p', endpoint: '/v1/chat/completions', model: 'gpt-4o-mini',
      inputPath: path, inputSha256: await sha256File(path), inputLines: requests, requests, attempt: 1, status: 'validating', createdAt: now, updatedAt: now,
      parts: [{ index: 0, remoteId: null, status: 'validating', lineStart: 1, lineEnd: requests, requests, counts: { total: requests, succeeded: 0, failed: 0, processing: requests, expired: 0, canceled: 0 }, errors: [] }],
    };
    await store.save(job);
    return job;
  }

  it('a submit killed during the upload: the part is "not submitted" at once and the same file can be submitted again', async () => {
    const path = await input(['a', 'b'].map(line));
    // What a kill -9 during the upload leaves: the job as written before any create, and no live submit lock.
    const killed = await notYetCreated(path, 2);

    const refreshed = await refreshJob(store, killed, provider);
    assert.equal(refreshed.status, 'failed');
    assert.equal(refreshed.parts[0]!.errors[0]!.code, 'not_submitted');
    assert.equal(displayState(refreshed, Date.now()), 'not_submitted');
    assert.deepEqual(jobCounts(refreshed), { total: 2, succeeded: 0, failed: 2, processing: 0, expired: 0, canceled: 0 });

    // The submit itself settles such a job too (no refresh in between) and is not refused as a duplicate.
    await store.save(killed);
    const again = await submitJob({ store, provider, inputPath: path });
    assert.notEqual(again.id, killed.id);
    assert.equal((await store.get(killed.id))!.parts[0]!.errors[0]!.code, 'not_submitted');
    assert.equal(provider.created.length, 1);
  });

  it('while its submit still runs (its lock is held by a live process), a part without a batch id waits', async () => {
    const path = await input([line('a')]);
    const uploading = await notYetCreated(path, 1);
    const lock = await tryLock(store.submitLockPath(uploading.inputSha256), 'test: a submit uploading');
    assert.ok(!('heldBy' in lock));
    try {
      assert.equal((await refreshJob(store, uploading, provider)).parts[0]!.status, 'validating');
      await assert.rejects(submitJob({ store, provider, inputPath: path }), (e: unknown) => e instanceof SubmitInProgress);
    } finally {
      await lock.release();
    }
    assert.equal((await refreshJob(store, uploading, provider)).parts[0]!.status, 'failed');
  });

  it('counts add up (succeeded + failed + expired + canceled + processing = total) for every part and job state', async () => {
    const c = (total: number, succeeded: number, failed: number, processing = 0, expired = 0, canceled = 0) => ({ total, succeeded, failed, processing, expired, canceled });
    const part = (status: JobPart['status'], counts: ReturnType<typeof c>, requests = 10): JobPart => ({ index: 0, remoteId: 'b', status, lineStart: 1, lineEnd: requests, requests, counts, errors: [] });
    const cases: [JobPart, ReturnType<typeof c>][] = [
      // A batch that failed validation at the provider reports no counts at all: its lines failed.
      [part('failed', c(0, 0, 0)), c(10, 0, 10)],
      // A part refused at create (recordFailure) keeps total, zero processing.
      [{ ...part('failed', c(10, 0, 0)), remoteId: null }, c(10, 0, 10)],
      [part('in_progress', c(10, 3, 1, 0)), c(10, 3, 1, 6)],
      [part('validating', c(0, 0, 0)), c(10, 0, 0, 10)],
      [part('expired', c(10, 4, 0)), c(10, 4, 0, 0, 6)],
      [part('cancelled', c(10, 2, 1)), c(10, 2, 1, 0, 0, 7)],
      [part('completed', c(10, 10, 0)), c(10, 10, 0)],
    ];
    for (const [p, want] of cases) {
      const got = partCounts(p);
      assert.deepEqual(got, want, `${p.status} ${JSON.stringify(p.counts)}`);
      assert.equal(got.succeeded + got.failed + got.expired + got.canceled + got.processing, got.total);
    }
    const job = { parts: cases.map(([p], i) => ({ ...p, index: i })), requests: 70 } as unknown as Job;
    const sum = jobCounts(job);
    assert.equal(sum.succeeded + sum.failed + sum.expired + sum.canceled + sum.processing, sum.total);
    assert.equal(sum.total, 70);
  });

  it('an error the provider reports on a line of a retry file cites the line of the original input too', async () => {
    const original = await input(['r1', 'r2', 'r3', 'r4', 'r5'].map(line), 'labels.jsonl');
    const root = await submitJob({ store, provider, inputPath: original });
    // The retry file as buildRetryFile writes it: the failed lines r2 and r4, in input order.
    const retryFile = await input(['r2', 'r4'].map(line), 'retry-1.jsonl');
    const retry = await submitJob({ store, provider, inputPath: retryFile, parentId: root.id, attempt: 2 });
    const remoteId = retry.parts[0]!.remoteId!;
    provider.remote.set(remoteId, { ...provider.remote.get(remoteId)!, status: 'failed', rawStatus: 'failed', errors: [{ line: 2, code: 'model_mismatch', message: 'The model for this request does not match.' }] });
    const failed = await refreshJob(store, retry, provider);
    assert.deepEqual(failed.parts[0]!.errors, [{ line: 2, originalLine: 4, code: 'model_mismatch', message: 'The model for this request does not match.' }]);
    assert.match(completionMessage(failed), /failed: line 4 of the original input \(line 2 of the retry file\): The model/);
    // Not a retry: the line stays the only one.
    const plainId = root.parts[0]!.remoteId!;
    provider.remote.set(plainId, { ...provider.remote.get(plainId)!, status: 'failed', rawStatus: 'failed', errors: [{ line: 3, code: 'x', message: 'bad' }] });
    assert.deepEqual((await refreshJob(store, root, provider)).parts[0]!.errors, [{ line: 3, code: 'x', message: 'bad' }]);
  });

  it('refresh polls running parts and cancel asks the provider; the job follows its parts', async () => {
    const path = await input(['a', 'b'].map(line));
    const job = await submitJob({ store, provider, inputPath: path, limits: { maxRequests: 1, maxBytes: 1e9 } });
    const [id0, id1] = job.parts.map((p) => p.remoteId!);
    provider.remote.set(id0!, { ...provider.remote.get(id0!)!, status: 'completed', rawStatus: 'completed', counts: { total: 1, succeeded: 1, failed: 0, processing: 0, expired: 0, canceled: 0 } });
    provider.remote.set(id1!, { ...provider.remote.get(id1!)!, status: 'unknown', rawStatus: 'brand_new_state', counts: { total: 1, succeeded: 0, failed: 0, processing: 1, expired: 0, canceled: 0 } });
    const refreshed = await refreshJob(store, job, provider);
    assert.equal(refreshed.status, 'unknown');
    assert.equal(refreshed.rawStatus, 'brand_new_state');
    const cancelled = await cancelJob(store, refreshed, provider);
    assert.deepEqual(cancelled.parts.map((p) => p.status), ['completed', 'cancelling']);
    assert.equal(cancelled.status, 'cancelling');
    assert.equal((await store.get(job.id))?.status, 'cancelling');
  });

  it('a batch the provider no longer knows (404) ends as failed with the reason, and is not polled again', async () => {
    const path = await input(['a', 'b'].map(line));
    const job = await submitJob({ store, provider, inputPath: path });
    provider.remote.clear();
    const refreshed = await refreshJob(store, job, provider);
    assert.equal(refreshed.status, 'failed');
    assert.equal(refreshed.parts[0]!.rawStatus, 'not_found');
    assert.match(refreshed.parts[0]!.errors.at(-1)!.message, /no batch .* any more \(404\)/);
    // Terminal: a later refresh does not ask the provider again.
    const again = await refreshJob(store, refreshed, provider);
    assert.equal(again.status, 'failed');
  });

  it('a create that fails ambiguously (connection dropped after sending) keeps the job so its batch is looked up, not forgotten', async () => {
    const path = await input(['a', 'b'].map(line));
    provider.failPart = 0;
    provider.failWith = new ProviderError('socket hang up', undefined, 'ECONNRESET');
    await assert.rejects(submitJob({ store, provider, inputPath: path }), /may have been created anyway: job bw-.* is kept/);
    const { jobs } = await store.list();
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0]!.parts[0]!.remoteId, null);
    assert.equal(jobs[0]!.parts[0]!.errors[0]!.code, 'submit_interrupted');
  });

  it('a create the service refuses (503) leaves no job behind', async () => {
    const path = await input(['a'].map(line));
    provider.failPart = 0;
    await assert.rejects(submitJob({ store, provider, inputPath: path }), /service is down/);
    assert.equal((await store.list()).jobs.length, 0);
  });
});
