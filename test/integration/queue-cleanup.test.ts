import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { GoogleGenAI } from '@google/genai';
import { startEmulator, type Emulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import type { Job } from '../../src/core/jobs/job';
import { isTerminal } from '../../src/core/status';
import { OpenAIProvider } from '../../src/providers/openai';
import { GeminiProvider } from '../../src/providers/gemini';
import { defaultProfile } from '../../src/providers';
import { refreshJob } from '../../src/jobs/refresh';
import { submitJob } from '../../src/jobs/submit';
import { keepResults } from '../../src/jobs/results';
import { deleteEndedInputFiles } from '../../src/jobs/inputFiles';
import { writeInput } from './support/providerHarness';
import { runCliCaptured } from '../support/cli';

// Issue 18 "Clean-up": input files uploaded for parts the provider refused, and (when asked) for finished parts, are
// deleted at the provider. The emulator's file store is read through the SDKs' own file calls (list / get).
const MODEL = 'gpt-4o-mini';
const LIMIT = 2000;
const line = (i: number) =>
  JSON.stringify({ custom_id: `r${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: MODEL, messages: [{ role: 'user', content: `Describe product ${i}: a sturdy wooden chair with four legs.` }] } });

async function withDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-queue-cleanup-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const openaiClient = (emu: Emulator) => new OpenAI({ apiKey: 'k', baseURL: `${emu.url}/v1`, maxRetries: 0 });
const inputFiles = async (emu: Emulator) => (await openaiClient(emu).files.list({ purpose: 'batch' })).data.map((f) => f.id).sort();

test('parts refused with token_limit_exceeded leave no input file behind: only the batches that ran keep theirs', async () => {
  const emu = await startEmulator({ manualClock: true, tickMs: 20, limits: { enqueuedTokenLimit: LIMIT } });
  try {
    await withDir(async (dir) => {
      const store = new JobStore(join(dir, 'home'));
      const p = new OpenAIProvider(defaultProfile('openai', `${emu.url}/v1`), 'k', { retry: { baseDelayMs: 1 } });
      const input = await writeInput(dir, 'big.jsonl', Array.from({ length: 400 }, (_, i) => line(i)));
      // Ten parts created at once without a quota: the emulator fails those over its limit, as OpenAI does.
      let job: Job = await submitJob({ store, provider: p, inputPath: input, limits: { maxRequests: 40, maxBytes: 1e9 } });
      for (let rounds = 0; !isTerminal(job.status); rounds++) {
        assert.ok(rounds < 5000, 'the job does not end');
        emu.clock.tick(1);
        job = await refreshJob(store, job, p);
      }
      assert.equal(job.status, 'completed');
      const refused = job.parts.flatMap((x) => x.supersededRemoteIds ?? []);
      assert.ok(refused.length > 0, 'some parts were refused and requeued');
      const client = openaiClient(emu);
      for (const id of refused) {
        const old = await client.batches.retrieve(id);
        await assert.rejects(client.files.retrieve(old.input_file_id), (e: { status?: number }) => e.status === 404, `the input of refused batch ${id} is deleted`);
      }
      assert.deepEqual(await inputFiles(emu), job.parts.map((x) => x.inputFileId!).sort(), 'one input file per part, the one its batch ran');
    });
  } finally {
    await emu.close();
  }
});

test('BATCHWISE_DELETE_INPUT_FILES=1: status deletes the finished parts\' input files once the results are kept, once; off, they stay', async () => {
  const emu = await startEmulator({ manualClock: true, tickMs: 20, limits: { enqueuedTokenLimit: LIMIT } });
  try {
    await withDir(async (dir) => {
      const home = join(dir, 'home');
      const base = { ...process.env, BATCHWISE_HOME: home, OPENAI_API_KEY: 'k', BATCHWISE_RETRY_BASE_MS: '1' };
      const run = (env: NodeJS.ProcessEnv, ...argv: string[]) => runCliCaptured(argv, { env });
      const submit = async (name: string, from: number) => {
        const r = await run(base, 'submit', await writeInput(dir, name, Array.from({ length: 120 }, (_, i) => line(from + i))), '--base-url', `${emu.url}/v1`, '--max-enqueued-tokens', String(LIMIT), '--json');
        assert.equal(r.code, 0, r.err);
        return (JSON.parse(r.out) as { job: string }).job;
      };
      const untilDone = async (env: NodeJS.ProcessEnv, id: string) => {
        for (let rounds = 0; ; rounds++) {
          assert.ok(rounds < 2000, 'the job does not end');
          emu.clock.tick(1);
          const r = await run(env, 'status', id, '--json');
          assert.equal(r.code, 0, r.err);
          if ((JSON.parse(r.out) as { status: string }).status === 'completed') return r;
        }
      };
      const kept = await submit('kept.jsonl', 0);
      await untilDone(base, kept);
      const keptFiles = (await new JobStore(home).get(kept))!.parts.map((x) => x.inputFileId!);
      assert.ok(keptFiles.length > 1);
      assert.deepEqual(await inputFiles(emu), [...keptFiles].sort(), 'off by default: the input files stay');

      const on = { ...base, BATCHWISE_DELETE_INPUT_FILES: '1' };
      const cleaned = await submit('cleaned.jsonl', 1000);
      const last = await untilDone(on, cleaned);
      assert.doesNotMatch(last.err, /warning/);
      const job = (await new JobStore(home).get(cleaned))!;
      assert.ok(job.resultsPath, 'the results were kept first');
      assert.ok(job.parts.every((x) => x.inputFileId && x.inputFileDeletedAt), 'each part records its deletion');
      assert.deepEqual(await inputFiles(emu), [...keptFiles].sort(), 'only the other job\'s files are left');
      const deletes = emu.stats.requests['DELETE /v1/files/{id}'] ?? 0;
      assert.equal(deletes, job.parts.length);
      // Done once: another status does not ask again.
      assert.equal((await run(on, 'status', cleaned)).code, 0);
      assert.equal(emu.stats.requests['DELETE /v1/files/{id}'] ?? 0, deletes);

      // A delete that fails is a warning, the job is fine, and the next status tries again.
      emu.faults.add({ method: 'DELETE', path: /^\/v1\/files\//, status: 500, times: 1 });
      const r = await run(on, 'status', kept, '--json');
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /warning: could not delete the input file file-\S+ of bw-\S+ part 1 at openai: .*next status tries again/);
      assert.equal((JSON.parse(r.out) as { status: string }).status, 'completed');
      const partly = (await new JobStore(home).get(kept))!;
      assert.equal(partly.parts.filter((x) => !x.inputFileDeletedAt).length, 1, 'the failed one is not marked');
      assert.equal((await run(on, 'status', kept)).code, 0);
      assert.deepEqual(await inputFiles(emu), []);
    });
  } finally {
    await emu.close();
  }
});

test('Gemini file-input batches: the uploaded file is deleted once the results are kept', async () => {
  const emu = await startEmulator({ manualClock: true, tickMs: 20 });
  try {
    await withDir(async (dir) => {
      const store = new JobStore(join(dir, 'home'));
      const p = new GeminiProvider(defaultProfile('gemini', emu.url), 'k', { inlineMaxBytes: 0, retry: { baseDelayMs: 1, sleep: async () => undefined } });
      const gline = (key: string) => JSON.stringify({ key, request: { contents: [{ role: 'user', parts: [{ text: `Hello ${key}` }] }] } });
      let job = await submitJob({ store, provider: p, inputPath: await writeInput(dir, 'g.jsonl', [gline('a'), gline('b')]), model: 'gemini-2.5-flash' });
      const fileName = job.parts[0]!.inputFileId!;
      assert.match(fileName, /^files\//);
      while (!isTerminal(job.status)) {
        emu.clock.tick(1);
        job = await refreshJob(store, job, p);
      }
      // Not before the results are kept: they are joined from the provider, the input must still be there to retry.
      assert.equal((await deleteEndedInputFiles(store, job, p)).deleted, 0);
      job = (await keepResults(store, job, p)).job;
      const r = await deleteEndedInputFiles(store, job, p);
      assert.deepEqual([r.deleted, r.warnings], [1, []]);
      assert.ok(r.job.parts[0]!.inputFileDeletedAt);
      const genai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: emu.url } });
      await assert.rejects(genai.files.get({ name: fileName }), /404|not found/i);
    });
  } finally {
    await emu.close();
  }
});

test('a queued part refused at create (429, batches per hour) goes back to the queue and leaves no uploaded file', async () => {
  const emu = await startEmulator({ manualClock: true, tickMs: 20, limits: { batchesPerHour: 2 } });
  try {
    await withDir(async (dir) => {
      const store = new JobStore(join(dir, 'home'));
      const p = new OpenAIProvider(defaultProfile('openai', `${emu.url}/v1`), 'k', { retry: { baseDelayMs: 1, maxDelayMs: 2, retries: 0 } });
      const input = await writeInput(dir, 'big.jsonl', Array.from({ length: 200 }, (_, i) => line(i)));
      const job = await submitJob({ store, provider: p, inputPath: input, quota: { enqueuedTokens: 1_000_000 }, limits: { maxRequests: 50, maxBytes: 1e9 } });
      const created = job.parts.filter((x) => x.remoteId !== null);
      assert.equal(created.length, 2, 'two creates went through');
      assert.ok(job.parts.some((x) => (x.requeues ?? 0) > 0 && x.notBefore), 'the refused one waits with backoff');
      assert.deepEqual(await inputFiles(emu), created.map((x) => x.inputFileId!).sort(), 'the refused create\'s upload was deleted');
    });
  } finally {
    await emu.close();
  }
});
