import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, GoogleGenAI, type BatchJob, type InlinedRequest } from '@google/genai';
import { TERMINAL_TICK, approxTokens, replyText, startEmulator, type Emulator } from '../../src/emulator';

const MODEL = 'gemini-2.5-flash';
const TERMINAL = new Set(['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED', 'JOB_STATE_EXPIRED']);

function inline(key: string, text: string): InlinedRequest {
  return { contents: [{ role: 'user', parts: [{ text }] }], metadata: { key } };
}

function line(key: string, text: string): string {
  return JSON.stringify({ key, request: { contents: [{ role: 'user', parts: [{ text }] }], generationConfig: { temperature: 0 } } });
}

function textOf(response: unknown): string | undefined {
  return (response as { candidates?: { content?: { parts?: { text?: string }[] } }[] } | undefined)?.candidates?.[0]?.content?.parts?.[0]?.text;
}

describe('emulator: Gemini batches and files through @google/genai', () => {
  let emu: Emulator;
  let ai: GoogleGenAI;
  let dir: string;
  const log: string[] = [];

  async function waitDone(name: string): Promise<{ job: BatchJob; seen: string[] }> {
    const seen: string[] = [];
    for (;;) {
      const job = await ai.batches.get({ name });
      if (job.state && seen.at(-1) !== job.state) seen.push(job.state);
      if (job.state && TERMINAL.has(job.state)) return { job, seen };
      // One tick per poll on the emulator's manual clock: every state is seen, however slow the machine is.
      emu.clock.tick(1);
    }
  }

  async function raw(path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${emu.url}${path}`, { ...init, headers: { 'x-goog-api-key': 'test-key', ...(init.headers as Record<string, string>) } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function apiStatus(p: Promise<unknown>): Promise<number> {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof ApiError, `expected an ApiError, got ${String(e)}`);
      return e.status;
    }
    assert.fail('expected the call to fail');
  }

  before(async () => {
    emu = await startEmulator({ manualClock: true, tickMs: 20, log: (l) => log.push(l) });
    ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: emu.url } });
    dir = await mkdtemp(join(tmpdir(), 'emu-gemini-'));
  });
  after(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs an inline batch PENDING -> RUNNING -> SUCCEEDED with keyed inlined responses and a [[fail]] error', async () => {
    const created = await ai.batches.create({
      model: MODEL,
      src: [inline('fr', 'Translate to French: the cat and the dog'), inline('bad', 'Uppercase: nope [[fail]]'), inline('up', 'Uppercase: hello world')],
      config: { displayName: 'inline-1' },
    });
    assert.match(created.name ?? '', /^batches\/[a-z0-9]+$/);
    assert.equal(created.state, 'JOB_STATE_PENDING');
    assert.equal(created.displayName, 'inline-1');
    assert.equal(created.model, `models/${MODEL}`);
    assert.ok(created.createTime);
    assert.equal(created.dest, undefined);

    const { job, seen } = await waitDone(created.name!);
    assert.deepEqual(seen.filter((s) => s !== 'JOB_STATE_RUNNING').concat(seen.includes('JOB_STATE_RUNNING') ? [] : ['(no RUNNING seen)']).slice(-1), ['JOB_STATE_SUCCEEDED']);
    assert.equal(job.state, 'JOB_STATE_SUCCEEDED');
    assert.ok(job.endTime);
    const responses = job.dest?.inlinedResponses ?? [];
    assert.equal(responses.length, 3);
    const byKey = new Map(responses.map((r) => [r.metadata?.key, r]));
    assert.equal(textOf(byKey.get('fr')?.response), replyText('Translate to French: the cat and the dog'));
    assert.match(textOf(byKey.get('fr')?.response) ?? '', /^le chat et le chien \[emu:[0-9a-f]{8}\]$/);
    assert.equal(textOf(byKey.get('up')?.response), replyText('Uppercase: hello world'));
    assert.equal(byKey.get('bad')?.response, undefined);
    assert.equal(byKey.get('bad')?.error?.code, 3);
    assert.match(byKey.get('bad')?.error?.message ?? '', /failure marker/);
    const usage = byKey.get('up')?.response?.usageMetadata;
    assert.ok(usage?.promptTokenCount && usage.candidatesTokenCount && usage.totalTokenCount === usage.promptTokenCount + usage.candidatesTokenCount);

    // The SDK drops batchStats (and the operation wrapper); the raw REST answer carries them as int64 strings.
    const rest = await raw(`/v1beta/${created.name}`);
    assert.equal(rest.status, 200);
    const meta = rest.body.metadata as Record<string, unknown>;
    assert.equal(meta.state, 'BATCH_STATE_SUCCEEDED');
    assert.deepEqual(meta.batchStats, { requestCount: '3', successfulRequestCount: '2', failedRequestCount: '1' });
    assert.equal(rest.body.done, true);
    assert.ok((rest.body.response as { inlinedResponses?: unknown }).inlinedResponses);
  });

  it('reports progress in raw batchStats while RUNNING', async () => {
    const src = Array.from({ length: 12 }, (_, i) => inline(`k${i}`, `Summarize: item ${i}`));
    const created = await ai.batches.create({ model: MODEL, src });
    const pending = await raw(`/v1beta/${created.name}`);
    assert.deepEqual((pending.body.metadata as { batchStats: unknown }).batchStats, { requestCount: '12', pendingRequestCount: '12' });
    assert.equal(pending.body.done, undefined);
    const partial: number[] = [];
    for (;;) {
      const r = await raw(`/v1beta/${created.name}`);
      const m = r.body.metadata as { state: string; batchStats: Record<string, string> };
      if (m.state === 'BATCH_STATE_RUNNING') partial.push(Number(m.batchStats.successfulRequestCount ?? 0));
      if (m.state === 'BATCH_STATE_SUCCEEDED') {
        assert.deepEqual(m.batchStats, { requestCount: '12', successfulRequestCount: '12' });
        break;
      }
      emu.clock.tick(1);
    }
    assert.ok(partial.some((n) => n > 0 && n < 12), `expected a partial count while RUNNING, saw ${partial.join(',')}`);
    assert.deepEqual([...partial].sort((a, b) => a - b), partial, 'counts never go backwards');
  });

  it('runs a file batch: resumable upload, files.get, create from files/..., download the keyed result file', async () => {
    const input = join(dir, 'input.jsonl');
    await writeFile(input, [line('a', 'Uppercase: first'), line('b', 'Classify: I love it [[fail]]'), line('c', 'Classify: a terrible day')].join('\n') + '\n');
    const file = await ai.files.upload({ file: input, config: { mimeType: 'jsonl', displayName: 'my input' } });
    assert.match(file.name ?? '', /^files\/[a-z0-9]+$/);
    assert.equal(file.displayName, 'my input');
    assert.equal(file.mimeType, 'jsonl');
    assert.equal(file.sizeBytes, String((await readFile(input)).length));
    assert.equal(file.state, 'ACTIVE');
    const got = await ai.files.get({ name: file.name! });
    assert.equal(got.name, file.name);
    assert.equal(got.sizeBytes, file.sizeBytes);

    const created = await ai.batches.create({ model: MODEL, src: file.name!, config: { displayName: 'file-1' } });
    const { job } = await waitDone(created.name!);
    assert.equal(job.state, 'JOB_STATE_SUCCEEDED');
    assert.equal(job.dest?.inlinedResponses, undefined);
    assert.match(job.dest?.fileName ?? '', /^files\/batch-[a-z0-9]+$/);

    const resultMeta = await ai.files.get({ name: job.dest!.fileName! });
    assert.equal(resultMeta.source, 'GENERATED');
    const out = join(dir, 'out.jsonl');
    await ai.files.download({ file: job.dest!.fileName!, downloadPath: out });
    const text = await readFile(out, 'utf8');
    assert.equal(resultMeta.sizeBytes, String(Buffer.byteLength(text)));
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { key: string; response?: unknown; error?: { code: number } });
    assert.deepEqual(lines.map((l) => l.key).sort(), ['a', 'b', 'c']);
    const byKey = new Map(lines.map((l) => [l.key, l]));
    assert.equal(textOf(byKey.get('a')?.response), replyText('Uppercase: first'));
    assert.match(textOf(byKey.get('c')?.response) ?? '', /^negative \[emu:/);
    assert.equal(byKey.get('b')?.response, undefined);
    assert.equal(byKey.get('b')?.error?.code, 3);

    // The same file through the REST download path the docs use.
    const res = await fetch(`${emu.url}/download/v1beta/${job.dest!.fileName}:download?alt=media`, { headers: { 'x-goog-api-key': 'k' } });
    assert.equal(await res.text(), text);
  });

  it('uploads in several 8 MiB chunks and stores the bytes exactly', async () => {
    const bytes = Buffer.alloc(9 * 1024 * 1024 + 123);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
    const uploads = () => Object.entries(emu.stats.requests).reduce((n, [route, count]) => n + (/^POST \/upload\/v1\w*\/files$/.test(route) ? count : 0), 0);
    const before = uploads();
    const file = await ai.files.upload({ file: new Blob([bytes]), config: { mimeType: 'application/octet-stream' } });
    assert.equal(file.sizeBytes, String(bytes.length));
    // start + 2 chunks
    assert.equal(uploads() - before, 3);
    const out = join(dir, 'blob.bin');
    await ai.files.download({ file: file.name!, downloadPath: out });
    assert.ok((await readFile(out)).equals(bytes));
  });

  it('rejects a chunk at the wrong offset and an unknown upload session', async () => {
    const start = await fetch(`${emu.url}/upload/v1beta/files`, {
      method: 'POST',
      headers: { 'x-goog-api-key': 'k', 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start', 'x-goog-upload-header-content-length': '4', 'content-type': 'application/json' },
      body: JSON.stringify({ file: { mimeType: 'text/plain' } }),
    });
    const url = start.headers.get('x-goog-upload-url') ?? '';
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/upload\/v1beta\/files\?upload_id=\w+&upload_protocol=resumable$/);
    const wrong = await fetch(url, { method: 'POST', headers: { 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': '2' }, body: 'abcd' });
    assert.equal(wrong.status, 400);
    const ok = await fetch(url, { method: 'POST', headers: { 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': '0' }, body: 'abcd' });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('x-goog-upload-status'), 'final');
    const gone = await fetch(url, { method: 'POST', headers: { 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': '0' }, body: 'abcd' });
    assert.equal(gone.status, 404);
  });

  // Gemini Batch Mode docs (ai.google.dev/gemini-api/docs/batch-mode): an expired job has no results to retrieve.
  it('ends EXPIRED when a request carries [[expire]], with no responses to retrieve', async () => {
    const created = await ai.batches.create({ model: MODEL, src: [inline('ok1', 'Uppercase: one'), inline('late', 'Uppercase: two [[expire]]'), inline('ok2', 'Uppercase: three')] });
    const { job } = await waitDone(created.name!);
    assert.equal(job.state, 'JOB_STATE_EXPIRED');
    assert.equal(job.dest?.inlinedResponses, undefined);
    const rest = await raw(`/v1beta/${created.name}`);
    assert.deepEqual((rest.body.metadata as { batchStats: unknown }).batchStats, { requestCount: '3', successfulRequestCount: '2', pendingRequestCount: '1' });
  });

  it('fails a file batch whose input has a malformed line', async () => {
    const input = join(dir, 'bad.jsonl');
    await writeFile(input, `${line('a', 'hi')}\n{"key": "b", "request": \n`);
    const file = await ai.files.upload({ file: input, config: { mimeType: 'jsonl' } });
    const created = await ai.batches.create({ model: MODEL, src: file.name! });
    const { job } = await waitDone(created.name!);
    assert.equal(job.state, 'JOB_STATE_FAILED');
    assert.equal(job.dest, undefined);
    const rest = await raw(`/v1beta/${created.name}`);
    assert.match((rest.body.error as { message: string }).message, /line 2/);
  });

  it('makes [[fail-once]] fail on the first submission of a key only', async () => {
    const first = await waitDone((await ai.batches.create({ model: MODEL, src: [inline('retry-me', 'Uppercase: again [[fail-once]]')] })).name!);
    assert.ok(first.job.dest?.inlinedResponses?.[0].error);
    const second = await waitDone((await ai.batches.create({ model: MODEL, src: [inline('retry-me', 'Uppercase: again [[fail-once]]')] })).name!);
    assert.equal(second.job.dest?.inlinedResponses?.[0].error, undefined);
    assert.equal(textOf(second.job.dest?.inlinedResponses?.[0].response), replyText('Uppercase: again [[fail-once]]'));
  });

  it('cancels a running batch at once; cancelling again is fine, cancelling an ended batch is refused', async () => {
    const created = await ai.batches.create({ model: MODEL, src: [inline('x', 'Uppercase: x'), inline('y', 'Uppercase: y')] });
    await ai.batches.cancel({ name: created.name! });
    const job = await ai.batches.get({ name: created.name! });
    assert.equal(job.state, 'JOB_STATE_CANCELLED');
    assert.ok(job.endTime);
    const answers = job.dest?.inlinedResponses ?? [];
    assert.equal(answers.length, 2);
    assert.ok(answers.every((r) => r.response === undefined && r.error === undefined), 'nothing ran before the cancel');
    await ai.batches.cancel({ name: created.name! });

    const done = await waitDone((await ai.batches.create({ model: MODEL, src: [inline('z', 'Uppercase: z')] })).name!);
    assert.equal(await apiStatus(ai.batches.cancel({ name: done.job.name! })), 400);
  });

  it('lists batches newest first across pages', async () => {
    const names: string[] = [];
    for (let i = 0; i < 5; i++) names.push((await ai.batches.create({ model: MODEL, src: [inline(`p${i}`, `Uppercase: ${i}`)] })).name!);
    const pager = await ai.batches.list({ config: { pageSize: 2 } });
    assert.equal(pager.page.length, 2);
    assert.deepEqual(pager.page.map((b) => b.name), [names[4], names[3]]);
    assert.ok(pager.hasNextPage());
    const all: string[] = [];
    for await (const b of pager) all.push(b.name!);
    assert.deepEqual(all.slice(0, 5), [...names].reverse());
    assert.equal(new Set(all).size, all.length, 'no batch listed twice');
    assert.ok(all.length > 5, 'the earlier batches follow on later pages');
  });

  it('deletes a batch; a get then answers 404', async () => {
    const created = await ai.batches.create({ model: MODEL, src: [inline('d', 'Uppercase: d')] });
    const deleted = await ai.batches.delete({ name: created.name! });
    assert.equal(deleted.error, undefined);
    assert.equal(await apiStatus(ai.batches.get({ name: created.name! })), 404);
    assert.equal(await apiStatus(ai.batches.delete({ name: created.name! })), 404);
  });

  it('runs an embeddings batch (asyncBatchEmbedContent) to inlined embeddings', async () => {
    const warn = console.warn;
    console.warn = () => undefined; // createEmbeddings() announces itself as experimental
    let created: BatchJob;
    try {
      created = await ai.batches.createEmbeddings({ model: 'gemini-embedding-001', src: { inlinedRequests: { contents: ['first text', 'second text'] } } });
    } finally {
      console.warn = warn;
    }
    const { job } = await waitDone(created.name!);
    assert.equal(job.state, 'JOB_STATE_SUCCEEDED');
    const embeddings = job.dest?.inlinedEmbedContentResponses ?? [];
    assert.equal(embeddings.length, 2);
    const values = embeddings.map((e) => e.response?.embedding?.values ?? []);
    assert.equal(values[0].length, 8);
    assert.notDeepEqual(values[0], values[1]);
  });

  it('rejects bad creates with typed errors and answers a direct generateContent', async () => {
    assert.equal(await apiStatus(ai.batches.create({ model: MODEL, src: 'files/doesnotexist' })), 404);
    assert.equal(await apiStatus(ai.batches.create({ model: MODEL, src: [{ metadata: { key: 'no-contents' } }] })), 400);
    const bad = await raw('/v1beta/models/x:batchGenerateContent', { method: 'POST', body: '{"batch": ' });
    assert.equal(bad.status, 400);
    assert.equal((bad.body.error as { status: string }).status, 'INVALID_ARGUMENT');
    const direct = await ai.models.generateContent({ model: MODEL, contents: 'Uppercase: direct' });
    assert.equal(direct.text, replyText('Uppercase: direct'));
  });

  it('requires an API key (401 UNAUTHENTICATED in the Google error shape)', async () => {
    for (const path of ['/v1beta/batches', '/v1beta/files']) {
      const res = await fetch(`${emu.url}${path}`);
      assert.equal(res.status, 401);
      const body = (await res.json()) as { error: { code: number; status: string; message: string } };
      assert.equal(body.error.code, 401);
      assert.equal(body.error.status, 'UNAUTHENTICATED');
    }
    const start = await fetch(`${emu.url}/upload/v1beta/files`, { method: 'POST', headers: { 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start', 'x-goog-upload-header-content-length': '1' }, body: '{}' });
    assert.equal(start.status, 401);
    assert.equal((await raw('/v1beta/batches?key=abc', { headers: {} })).status, 200);
  });

  it('injects faults on Gemini paths in the Google error shape (429 with Retry-After, 503)', async () => {
    const created = await ai.batches.create({ model: MODEL, src: [inline('f', 'Uppercase: f')] });
    emu.faults.add({ method: 'GET', path: /\/batches\/[a-z0-9]+$/, status: 429, retryAfterSeconds: 2, times: 1 });
    emu.faults.add({ method: 'GET', path: /\/batches\/[a-z0-9]+$/, status: 503, times: 1 });
    const limited = await fetch(`${emu.url}/v1beta/${created.name}`, { headers: { 'x-goog-api-key': 'k' } });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '2');
    assert.equal(((await limited.json()) as { error: { status: string } }).error.status, 'RESOURCE_EXHAUSTED');
    assert.equal(await apiStatus(ai.batches.get({ name: created.name! })), 503);
    assert.equal((await ai.batches.get({ name: created.name! })).name, created.name);
  });

  it('shares /v1/batches and /v1/files with OpenAI: Google clients get Gemini, the others OpenAI', async () => {
    const google = await fetch(`${emu.url}/v1/batches`, { headers: { 'x-goog-api-key': 'k' } });
    assert.ok(Array.isArray(((await google.json()) as { operations?: unknown }).operations));
    const openai = await fetch(`${emu.url}/v1/batches`, { headers: { authorization: 'Bearer k' } });
    assert.equal(((await openai.json()) as { object?: string }).object, 'list');
    const missing = await fetch(`${emu.url}/v1/batches/nope`, { headers: { 'x-goog-api-key': 'k' } });
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { status?: string } }).error.status, 'NOT_FOUND');
  });

  it('logs one line per request, without the query string', () => {
    assert.ok(log.length >= emu.stats.totalRequests - 1, `${log.length} log lines for ${emu.stats.totalRequests} requests`);
    assert.ok(log.every((l) => !l.includes('key=') && !l.includes('upload_id=')));
    assert.ok(log.some((l) => / POST \/v1(beta)?\/models\/gemini-2\.5-flash:batchGenerateContent 200 /.test(l)));
  });
});

describe('emulator: Gemini memory bounds', () => {
  it('forgets the oldest batches beyond maxBatches', async () => {
    const emu = await startEmulator({ tickMs: 20, limits: { maxBatches: 3 } });
    try {
      const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: emu.url } });
      const names: string[] = [];
      for (let i = 0; i < 5; i++) names.push((await ai.batches.create({ model: MODEL, src: [inline(`m${i}`, `Uppercase: ${i}`)] })).name!);
      const listed: string[] = [];
      for await (const b of await ai.batches.list()) listed.push(b.name!);
      assert.deepEqual(listed, names.slice(2).reverse());
      await assert.rejects(ai.batches.get({ name: names[0] }), (e: unknown) => e instanceof ApiError && e.status === 404);
    } finally {
      await emu.close();
    }
  });

  it('bounds the bytes held by batches and by stored files, and refuses uploads larger than the store', async () => {
    const emu = await startEmulator({ tickMs: 20, limits: { maxBatchBytes: 40_000, maxFileBytes: 3_000 } });
    const dir = await mkdtemp(join(tmpdir(), 'emu-gemini-bounds-'));
    try {
      const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: emu.url } });
      const big = 'Uppercase: ' + 'x'.repeat(8_000);
      const names: string[] = [];
      for (let i = 0; i < 4; i++) names.push((await ai.batches.create({ model: MODEL, src: [inline(`b${i}`, big)] })).name!);
      await assert.rejects(ai.batches.get({ name: names[0] }), (e: unknown) => e instanceof ApiError && e.status === 404);
      assert.equal((await ai.batches.get({ name: names[3] })).name, names[3]);

      const files: string[] = [];
      for (let i = 0; i < 3; i++) {
        const path = join(dir, `f${i}.jsonl`);
        await writeFile(path, `${line(`k${i}`, 'y'.repeat(1_200))}\n`);
        files.push((await ai.files.upload({ file: path, config: { mimeType: 'jsonl' } })).name!);
      }
      await assert.rejects(ai.files.get({ name: files[0] }), (e: unknown) => e instanceof ApiError && e.status === 404);
      assert.equal((await ai.files.get({ name: files[2] })).name, files[2]);
      const huge = join(dir, 'huge.jsonl');
      await writeFile(huge, 'z'.repeat(4_000));
      await assert.rejects(ai.files.upload({ file: huge, config: { mimeType: 'jsonl' } }), (e: unknown) => e instanceof ApiError && e.status === 400);
    } finally {
      await emu.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** State changes only when the test moves the emulator's clock, so nothing here waits on wall time. */
describe('emulator: Gemini on a manual clock', () => {
  let emu: Emulator;
  let ai: GoogleGenAI;
  let dir: string;

  before(async () => {
    emu = await startEmulator({ manualClock: true, tickMs: 1000 });
    ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: emu.url } });
    dir = await mkdtemp(join(tmpdir(), 'emu-gemini-manual-'));
  });
  after(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function upload(name: string, lines: string[]): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, lines.join('\n') + '\n');
    return (await ai.files.upload({ file: path, config: { mimeType: 'jsonl' } })).name!;
  }

  /** createEmbeddings() announces itself as experimental on every call. */
  async function createEmbeddings(params: Parameters<GoogleGenAI['batches']['createEmbeddings']>[0]): Promise<BatchJob> {
    const warn = console.warn;
    console.warn = () => undefined;
    try {
      return await ai.batches.createEmbeddings(params);
    } finally {
      console.warn = warn;
    }
  }

  // Batch Mode docs (ai.google.dev/gemini-api/docs/batch-mode): each file line has "a user-defined key", a string.
  // Batchwise's validator rejects a numeric key (invalid-custom-id); the emulator fails the batch on that line.
  it('fails a file batch whose line has a numeric key, naming the line', async () => {
    const file = await upload('numeric-key.jsonl', [line('a', 'Uppercase: a'), JSON.stringify({ key: 7, request: { contents: [{ role: 'user', parts: [{ text: 'Uppercase: b' }] }] } })]);
    const created = await ai.batches.create({ model: MODEL, src: file });
    assert.equal(created.state, 'JOB_STATE_PENDING');
    emu.clock.tick(1);
    const job = await ai.batches.get({ name: created.name! });
    assert.equal(job.state, 'JOB_STATE_FAILED');
    assert.equal(job.dest, undefined);
    const rest = await fetch(`${emu.url}/v1beta/${created.name}`, { headers: { 'x-goog-api-key': 'k' } });
    assert.equal(((await rest.json()) as { error: { message: string } }).error.message, 'Input file line 2: "key" must be a string, got the number 7.');
  });

  // InlinedRequest.metadata is Record<string, string> in @google/genai dist/genai.d.ts.
  it('refuses an inline create whose metadata.key is a number (400, naming the request)', async () => {
    const body = { batch: { displayName: 'n', inputConfig: { requests: { requests: [{ request: { contents: [{ parts: [{ text: 'hi' }] }] }, metadata: { key: 7 } }] } } } };
    const res = await fetch(`${emu.url}/v1beta/models/${MODEL}:batchGenerateContent`, { method: 'POST', headers: { 'x-goog-api-key': 'k', 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /requests\[0\]\.metadata\.key: must be a string/);
  });

  // SingleEmbedContentResponse in @google/genai dist/genai.d.ts: `{ embedding?: ContentEmbedding; tokenCount?: string }`.
  it('gives embedding results a tokenCount string, in a result file and inline', async () => {
    const embedLine = (key: string, text: string) => JSON.stringify({ key, request: { content: { parts: [{ text }] } } });
    const fileName = await upload('embed.jsonl', [embedLine('e1', 'alpha beta'), embedLine('e2', 'gamma')]);
    const fromFile = await createEmbeddings({ model: 'gemini-embedding-001', src: { fileName } });
    const inline = await createEmbeddings({ model: 'gemini-embedding-001', src: { inlinedRequests: { contents: ['first text', 'second text here'] } } });
    emu.clock.tick(TERMINAL_TICK);

    const fileJob = await ai.batches.get({ name: fromFile.name! });
    assert.equal(fileJob.state, 'JOB_STATE_SUCCEEDED');
    const out = join(dir, 'embed-out.jsonl');
    await ai.files.download({ file: fileJob.dest!.fileName!, downloadPath: out });
    const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { key: string; response: { tokenCount?: unknown } });
    assert.deepEqual(lines.map((l) => [l.key, l.response.tokenCount]), [['e1', String(approxTokens('alpha beta'))], ['e2', String(approxTokens('gamma'))]]);

    const inlineJob = await ai.batches.get({ name: inline.name! });
    assert.equal(inlineJob.state, 'JOB_STATE_SUCCEEDED');
    const counts = (inlineJob.dest?.inlinedEmbedContentResponses ?? []).map((r) => r.response?.tokenCount);
    assert.deepEqual(counts, [String(approxTokens('first text')), String(approxTokens('second text here'))]);
  });
});
