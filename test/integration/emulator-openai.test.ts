import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { toFile } from 'openai';
import { promptHash, replyText, startEmulator, type Emulator } from '../../src/emulator';

const STATUS_ORDER = ['validating', 'in_progress', 'finalizing', 'cancelling', 'completed', 'failed', 'expired', 'cancelled'];
const TERMINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);

function chatLine(customId: string, text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] }, ...extra };
}

function jsonl(lines: unknown[]): string {
  return lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
}

/** An output/error file line; typed loosely (response and error are null on some lines, which the tests check). */
interface ResultLine {
  id: string;
  custom_id: string;
  response: { status_code: number; request_id: string; body: { choices: { message: { content: string } }[]; usage: { total_tokens: number }; error: { type: string } } };
  error: { code: string; message: string };
}

async function readLines(client: OpenAI, fileId: string | null | undefined): Promise<ResultLine[]> {
  if (!fileId) return [];
  const text = await (await client.files.content(fileId)).text();
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as ResultLine);
}

describe('emulator: OpenAI files + batches through the openai SDK', () => {
  let emu: Emulator;
  let client: OpenAI;

  async function submit(lines: unknown[], metadata?: Record<string, string>, c: OpenAI = client) {
    const file = await c.files.create({ file: await toFile(Buffer.from(jsonl(lines)), 'input.jsonl'), purpose: 'batch' });
    return c.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata });
  }

  /** Polls until terminal, checking every observed status moves forward in the real sequence. */
  async function waitTerminal(id: string, c: OpenAI = client) {
    const seen: string[] = [];
    for (;;) {
      const batch = await c.batches.retrieve(id);
      if (seen.at(-1) !== batch.status) seen.push(batch.status);
      if (TERMINAL.has(batch.status)) {
        for (let i = 1; i < seen.length; i++) assert.ok(STATUS_ORDER.indexOf(seen[i]) > STATUS_ORDER.indexOf(seen[i - 1]), `status went ${seen.join(' -> ')}`);
        return { batch, seen };
      }
      // The shared emulator's clock stands still: each poll moves it one tick, so no step depends on machine speed.
      if (c === client) emu.clock.tick();
      else await new Promise((r) => setTimeout(r, 5));
    }
  }

  before(async () => {
    emu = await startEmulator({ manualClock: true, tickMs: 20 });
    client = new OpenAI({ baseURL: `${emu.url}/v1`, apiKey: 'test-key', maxRetries: 2 });
  });
  after(() => emu.close());

  it('runs a batch from upload to completed with deterministic output joined by custom_id', async () => {
    const lines = [chatLine('fr', 'Translate to French: Hello my friend'), chatLine('rw', 'Rewrite: a big dog is fast'), chatLine('echo', 'What is 2+2?')];
    const created = await submit(lines, { job: 'job-1', sha: 'abc' });
    assert.equal(created.status, 'validating');
    assert.equal(created.object, 'batch');
    assert.deepEqual(created.metadata, { job: 'job-1', sha: 'abc' });
    assert.equal(created.completion_window, '24h');

    const { batch, seen } = await waitTerminal(created.id);
    assert.equal(seen[0], 'validating');
    assert.equal(batch.status, 'completed');
    assert.deepEqual(batch.request_counts, { total: 3, completed: 3, failed: 0 });
    assert.equal(batch.error_file_id, null);
    assert.ok(batch.completed_at && batch.in_progress_at && batch.finalizing_at);
    assert.deepEqual(batch.metadata, { job: 'job-1', sha: 'abc' });

    const out = await readLines(client, batch.output_file_id);
    assert.equal(out.length, 3);
    const byId = new Map(out.map((l) => [l.custom_id, l]));
    const content = (id: string) => byId.get(id)!.response.body.choices[0].message.content as string;
    assert.equal(content('fr'), `Bonjour mon ami [emu:${promptHash('Translate to French: Hello my friend')}]`);
    assert.equal(content('rw'), replyText('Rewrite: a big dog is fast'));
    assert.match(content('rw'), /^A large dog is quick\. \[emu:[0-9a-f]{8}\]$/);
    assert.equal(content('echo'), `Echo: What is 2+2? [emu:${promptHash('What is 2+2?')}]`);
    for (const line of out) {
      assert.match(line.id, /^batch_req_/);
      assert.equal(line.error, null);
      assert.equal(line.response.status_code, 200);
      assert.match(line.response.request_id, /^req_/);
    }
    const usage = out.reduce((n, l) => n + l.response.body.usage.total_tokens, 0);
    assert.equal(batch.usage?.total_tokens, usage);
    // Downloading again gives the same bytes.
    assert.deepEqual(await readLines(client, batch.output_file_id), out);
    const outFile = await client.files.retrieve(batch.output_file_id!);
    assert.equal(outFile.purpose, 'batch_output');
    const text = await (await client.files.content(batch.output_file_id!)).text();
    assert.equal(outFile.bytes, Buffer.byteLength(text));
  });

  it('reports counts while in progress and returns uploaded content unchanged', async () => {
    const body = jsonl([chatLine('a', 'one'), chatLine('b', 'two')]);
    const file = await client.files.create({ file: await toFile(Buffer.from(body), 'in.jsonl'), purpose: 'batch' });
    assert.equal(file.bytes, Buffer.byteLength(body));
    assert.equal((await client.files.retrieve(file.id)).filename, 'in.jsonl');
    assert.equal(await (await client.files.content(file.id)).text(), body);
    const deleted = await client.files.delete(file.id);
    assert.equal(deleted.deleted, true);
    await assert.rejects(client.files.retrieve(file.id), OpenAI.NotFoundError);
  });

  it('puts every failed line in the error file: all lines failing is completed with only error_file_id', async () => {
    const created = await submit([chatLine('x', 'bad [[fail]]'), chatLine('y', 'worse [[fail]]')]);
    const { batch } = await waitTerminal(created.id);
    assert.equal(batch.status, 'completed');
    assert.equal(batch.output_file_id, null);
    assert.ok(batch.error_file_id);
    assert.deepEqual(batch.request_counts, { total: 2, completed: 0, failed: 2 });
    const errors = await readLines(client, batch.error_file_id);
    assert.deepEqual(errors.map((l) => l.custom_id).sort(), ['x', 'y']);
    for (const l of errors) {
      assert.equal(l.response.status_code, 400);
      assert.equal(l.response.body.error.type, 'invalid_request_error');
      assert.equal(l.error, null);
    }
  });

  it('[[fail]] fails on every resubmission, [[fail-once]] only the first time its custom_id is submitted', async () => {
    const lines = [chatLine('always', 'x [[fail]]'), chatLine('once-1', 'y [[fail-once]]'), chatLine('fine', 'z')];
    const first = (await waitTerminal((await submit(lines)).id)).batch;
    assert.deepEqual(first.request_counts, { total: 3, completed: 1, failed: 2 });
    const second = (await waitTerminal((await submit(lines)).id)).batch;
    assert.deepEqual(second.request_counts, { total: 3, completed: 2, failed: 1 });
    assert.deepEqual((await readLines(client, second.error_file_id)).map((l) => l.custom_id), ['always']);
    const out = await readLines(client, second.output_file_id);
    assert.deepEqual(out.map((l) => l.custom_id).sort(), ['fine', 'once-1']);
  });

  it('[[expire]] ends the batch expired, keeping finished lines and writing batch_expired for the rest', async () => {
    const created = await submit([chatLine('ok1', 'a'), chatLine('late', 'b [[expire]]'), chatLine('ok2', 'c'), chatLine('bad', 'd [[fail]]')]);
    const { batch } = await waitTerminal(created.id);
    assert.equal(batch.status, 'expired');
    assert.ok(batch.expired_at);
    assert.deepEqual(batch.request_counts, { total: 4, completed: 2, failed: 1 });
    assert.deepEqual((await readLines(client, batch.output_file_id)).map((l) => l.custom_id).sort(), ['ok1', 'ok2']);
    const errors = await readLines(client, batch.error_file_id);
    const late = errors.find((l) => l.custom_id === 'late');
    assert.deepEqual(late?.error.code, 'batch_expired');
    assert.equal(late?.response, null);
    assert.equal(errors.find((l) => l.custom_id === 'bad')?.response.status_code, 400);
  });

  it('fails validation like the real service, naming codes and 1-based lines', async () => {
    const lines = [
      chatLine('a', 'x'),
      '{not json',
      chatLine('a', 'duplicate'),
      { ...chatLine('u', 'x'), url: '/v1/embeddings' },
      { custom_id: 'm', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o', messages: [] } },
      { custom_id: 'n', method: 'POST', url: '/v1/chat/completions' },
    ];
    const { batch } = await waitTerminal((await submit(lines)).id);
    assert.equal(batch.status, 'failed');
    assert.ok(batch.failed_at);
    assert.equal(batch.output_file_id, null);
    const errors = batch.errors?.data ?? [];
    assert.deepEqual(
      errors.map((e) => [e.code, e.line]),
      [['invalid_json_line', 2], ['duplicate_custom_id', 3], ['url_mismatch', 4], ['model_mismatch', 5], ['missing_required_parameter', 6]],
    );
    assert.equal(errors[4].param, 'body');
    for (const e of errors) assert.ok(e.message && e.message.length > 10);
  });

  it('fails an empty file and one over 50,000 requests', async () => {
    const empty = (await waitTerminal((await submit(['', '   '])).id)).batch;
    assert.equal(empty.status, 'failed');
    assert.equal(empty.errors?.data?.[0].code, 'empty_file');
    const tiny = JSON.stringify(chatLine('i', 'x'));
    const big = Array.from({ length: 50_001 }, (_, i) => tiny.replace('"i"', `"r${i}"`));
    const tooMany = (await waitTerminal((await submit(big)).id)).batch;
    assert.equal(tooMany.status, 'failed');
    assert.equal(tooMany.errors?.data?.[0].code, 'too_many_tasks');
  });

  // OpenAI Batch guide / openai-openapi `Batch.expires_at`: a batch not done within its 24 h window is `expired` at
  // expires_at, unfinished lines getting `batch_expired`. Driven by the manual clock: no sleeps, no timing.
  it('moves only with the emulator clock, and expires at expires_at, not before', async () => {
    const manual = await startEmulator({ manualClock: true, tickMs: 4 * 3600 * 1000 }); // 8 ticks = 32 h > 24 h
    try {
      const c = new OpenAI({ baseURL: `${manual.url}/v1`, apiKey: 'k' });
      const created = await submit([chatLine('e1', 'a'), chatLine('e2', 'b')], undefined, c);
      assert.equal((await c.batches.retrieve(created.id)).status, 'validating');
      manual.clock.tick();
      assert.equal((await c.batches.retrieve(created.id)).status, 'in_progress');
      const expiresMs = created.expires_at! * 1000;
      assert.equal(expiresMs - created.created_at * 1000, 24 * 3600 * 1000);
      // Timestamps are whole seconds: a second before expires_at it still runs; a second after, it has expired.
      manual.clock.advance(expiresMs - manual.clock.now() - 1000);
      assert.equal((await c.batches.retrieve(created.id)).status, 'in_progress', 'one second before expires_at');
      manual.clock.advance(2000);
      const expired = await c.batches.retrieve(created.id);
      assert.equal(expired.status, 'expired');
      assert.equal(expired.expired_at, created.expires_at);
      const errors = await readLines(c, expired.error_file_id);
      assert.ok(errors.length > 0 && errors.every((l) => l.error.code === 'batch_expired'));
      assert.equal(errors.length + expired.request_counts!.completed, 2);
    } finally {
      await manual.close();
    }
  });

  it('advances the clock through POST /_emulator/clock for tests in another process', async () => {
    const manual = await startEmulator({ manualClock: true, tickMs: 1000 });
    try {
      const before = manual.clock.now();
      const res = await fetch(`${manual.url}/_emulator/clock`, { method: 'POST', body: JSON.stringify({ ticks: 3 }) });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { nowMs: number }).nowMs, before + 3000);
      const bad = await fetch(`${manual.url}/_emulator/clock`, { method: 'POST', body: JSON.stringify({ ms: -5 }) });
      assert.equal(bad.status, 400);
    } finally {
      await manual.close();
    }
  });

  it('rejects bad create parameters and unknown ids with typed SDK errors', async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from(jsonl([chatLine('a', 'x')])), 'in.jsonl'), purpose: 'batch' });
    await assert.rejects(client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '48h' as '24h' }), OpenAI.BadRequestError);
    await assert.rejects(client.batches.create({ input_file_id: 'file-nope', endpoint: '/v1/chat/completions', completion_window: '24h' }), OpenAI.NotFoundError);
    await assert.rejects(client.batches.retrieve('batch_nope'), OpenAI.NotFoundError);
    const ftFile = await client.files.create({ file: await toFile(Buffer.from('{}\n'), 'in.jsonl'), purpose: 'fine-tune' });
    await assert.rejects(client.batches.create({ input_file_id: ftFile.id, endpoint: '/v1/chat/completions', completion_window: '24h' }), /purpose 'batch'/);
  });

  it('lists batches newest first with after/limit/has_more paging', async () => {
    const fresh = await startEmulator({ tickMs: 20 });
    try {
      const c = new OpenAI({ baseURL: `${fresh.url}/v1`, apiKey: 'k' });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await submit([chatLine(`r${i}`, 'x')], undefined, c)).id);
      const page1 = await c.batches.list({ limit: 2 });
      assert.deepEqual(page1.data.map((b) => b.id), [ids[4], ids[3]]);
      assert.equal(page1.has_more, true);
      const page2 = await c.batches.list({ limit: 2, after: ids[3] });
      assert.deepEqual(page2.data.map((b) => b.id), [ids[2], ids[1]]);
      const all: string[] = [];
      for await (const b of c.batches.list({ limit: 2 })) all.push(b.id);
      assert.deepEqual(all, [...ids].reverse());
      const last = await c.batches.list({ limit: 2, after: ids[1] });
      assert.equal(last.has_more, false);
      assert.deepEqual(last.data.map((b) => b.id), [ids[0]]);
    } finally {
      await fresh.close();
    }
  });

  it('cancels mid-run: cancelling then cancelled, partial results kept, the rest batch_cancelled', async () => {
    const slow = await startEmulator({ tickMs: 150 });
    try {
      const c = new OpenAI({ baseURL: `${slow.url}/v1`, apiKey: 'k' });
      const lines = Array.from({ length: 12 }, (_, i) => chatLine(`c${i}`, `line ${i}`));
      const created = await submit(lines, undefined, c);
      let current = await c.batches.retrieve(created.id);
      while (current.status !== 'in_progress' || (current.request_counts?.completed ?? 0) === 0) {
        await new Promise((r) => setTimeout(r, 10));
        current = await c.batches.retrieve(created.id);
      }
      const cancelling = await c.batches.cancel(created.id);
      assert.equal(cancelling.status, 'cancelling');
      assert.ok(cancelling.cancelling_at);
      const { batch } = await waitTerminal(created.id, c);
      assert.equal(batch.status, 'cancelled');
      assert.ok(batch.cancelled_at);
      const done = batch.request_counts!.completed;
      assert.ok(done > 0 && done < 12, `completed ${done}`);
      const out = await readLines(c, batch.output_file_id);
      const errors = await readLines(c, batch.error_file_id);
      assert.equal(out.length, done);
      assert.equal(errors.length, 12 - done);
      assert.ok(errors.every((l) => l.error.code === 'batch_cancelled'));
      assert.deepEqual([...out, ...errors].map((l) => l.custom_id).sort(), lines.map((l) => l.custom_id as string).sort());
      await assert.rejects(c.batches.cancel(created.id), OpenAI.ConflictError);
    } finally {
      await slow.close();
    }
  });

  it('answers /v1/chat/completions and /v1/embeddings at once, counting concurrency', async () => {
    const slow = await startEmulator({ latencyMs: 60 });
    try {
      const c = new OpenAI({ baseURL: `${slow.url}/v1`, apiKey: 'k' });
      const replies = await Promise.all(Array.from({ length: 5 }, (_, i) => c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `Uppercase: item ${i}` }] })));
      assert.equal(replies[3].choices[0].message.content, `ITEM 3 [emu:${promptHash('Uppercase: item 3')}]`);
      assert.equal(slow.stats.maxConcurrent, 5);
      assert.equal(slow.stats.concurrent, 0);
      const emb = await c.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 16 });
      assert.equal(emb.data.length, 2);
      assert.equal(emb.data[0].embedding.length, 16);
      const again = await c.embeddings.create({ model: 'text-embedding-3-small', input: 'a', dimensions: 16, encoding_format: 'float' });
      // base64 (the SDK's default) carries float32, so compare at float32 precision.
      again.data[0].embedding.forEach((v, i) => assert.ok(Math.abs(v - emb.data[0].embedding[i]) < 1e-6));
      assert.equal(slow.stats.requests['POST /v1/chat/completions'], 5);
      await assert.rejects(c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x [[fail]]' }] }), OpenAI.BadRequestError);
      // [[fail-once]] answers 500 the first time; the SDK's own retry then succeeds.
      const once = await c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'y [[fail-once]]' }] }, { maxRetries: 1 });
      assert.equal(once.choices[0].message.content, `Echo: y [emu:${promptHash('y [[fail-once]]')}]`);
    } finally {
      await slow.close();
    }
  });

  it('requires an API key (401 in the OpenAI error shape)', async () => {
    const res = await fetch(`${emu.url}/v1/batches`);
    assert.equal(res.status, 401);
    const body = (await res.json()) as { error: { type: string; code: string; message: string } };
    assert.equal(body.error.code, 'invalid_api_key');
    const noKey = new OpenAI({ baseURL: `${emu.url}/v1`, apiKey: 'k', defaultHeaders: { Authorization: null } });
    await assert.rejects(noKey.batches.list(), OpenAI.AuthenticationError);
  });

  it('injects 429 with Retry-After, 500, and a connection dropped mid-upload; the SDK retries through them', async () => {
    emu.faults.add({ method: 'GET', path: /^\/v1\/batches$/, status: 429, retryAfterSeconds: 0, times: 1 });
    const before429 = emu.stats.requests['GET /v1/batches'] ?? 0;
    await client.batches.list();
    assert.equal(emu.stats.requests['GET /v1/batches'] - before429, 2);

    emu.faults.add({ path: '/v1/batches', status: 429, retryAfterSeconds: 7, times: 1 });
    const raw = await fetch(`${emu.url}/v1/batches`, { headers: { Authorization: 'Bearer k' } });
    assert.equal(raw.status, 429);
    assert.equal(raw.headers.get('retry-after'), '7');
    assert.equal(((await raw.json()) as { error: { code: string } }).error.code, null);

    const noRetry = new OpenAI({ baseURL: `${emu.url}/v1`, apiKey: 'k', maxRetries: 0 });
    emu.faults.add({ path: '/v1/batches', method: 'GET', status: 500, times: 1 });
    await assert.rejects(noRetry.batches.list(), OpenAI.InternalServerError);
    emu.faults.add({ path: '/v1/batches', method: 'GET', status: 500, retryAfterSeconds: 0, times: 1 });
    await client.batches.list();

    emu.faults.add({ method: 'POST', path: '/v1/files', dropConnection: true, times: 1 });
    await assert.rejects(noRetry.files.create({ file: await toFile(Buffer.alloc(256 * 1024, 'x'), 'in.jsonl'), purpose: 'batch' }), OpenAI.APIConnectionError);
    emu.faults.add({ method: 'POST', path: '/v1/files', dropConnection: true, times: 1 });
    const uploaded = await client.files.create({ file: await toFile(Buffer.from(jsonl([chatLine('a', 'x')])), 'in.jsonl'), purpose: 'batch' });
    assert.match(uploaded.id, /^file-/);
    assert.equal(emu.faults.pending, 0);
  });

  it('takes faults and serves stats out of process through /_emulator', async () => {
    const add = await fetch(`${emu.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ pathRegex: '^/v1/batches/', status: 503, times: 5 }) });
    assert.equal(add.status, 200);
    const hit = await fetch(`${emu.url}/v1/batches/batch_x`, { headers: { Authorization: 'Bearer k' } });
    assert.equal(hit.status, 503);
    assert.equal((await fetch(`${emu.url}/_emulator/faults`, { method: 'DELETE' })).status, 200);
    assert.equal((await fetch(`${emu.url}/v1/batches/batch_x`, { headers: { Authorization: 'Bearer k' } })).status, 404);
    const bad = await fetch(`${emu.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ status: 500 }) });
    assert.equal(bad.status, 400);
    const stats = (await (await fetch(`${emu.url}/_emulator/stats`)).json()) as { batchesCreated: { openai: number }; requests: Record<string, number> };
    assert.ok(stats.batchesCreated.openai > 0);
    assert.ok(stats.requests['GET /v1/batches/{id}'] > 0);
  });

  it('answers malformed and oversized bodies in the OpenAI error shape and keeps serving', async () => {
    const bad = await fetch(`${emu.url}/v1/batches`, { method: 'POST', headers: { Authorization: 'Bearer k', 'Content-Type': 'application/json' }, body: '{"input_file_id": ' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { type: string } }).error.type, 'invalid_request_error');
    const notMultipart = await fetch(`${emu.url}/v1/files`, { method: 'POST', headers: { Authorization: 'Bearer k' }, body: 'plain' });
    assert.equal(notMultipart.status, 400);
    const small = await startEmulator({ limits: { maxBodyBytes: 1024 } });
    try {
      const huge = await fetch(`${small.url}/v1/chat/completions`, { method: 'POST', headers: { Authorization: 'Bearer k' }, body: 'x'.repeat(10_000) }).catch((e: Error) => e);
      if (!(huge instanceof Error)) assert.equal(huge.status, 413);
      const ok = await fetch(`${small.url}/v1/chat/completions`, { method: 'POST', headers: { Authorization: 'Bearer k' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }) });
      assert.equal(ok.status, 200);
    } finally {
      await small.close();
    }
    assert.ok(Array.isArray((await client.batches.list()).data));
  });

  it('keeps memory bounded by forgetting the oldest batches', async () => {
    const tiny = await startEmulator({ tickMs: 20, limits: { maxBatches: 2 } });
    try {
      const c = new OpenAI({ baseURL: `${tiny.url}/v1`, apiKey: 'k' });
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await submit([chatLine('a', 'x')], undefined, c)).id);
      await assert.rejects(c.batches.retrieve(ids[0]), OpenAI.NotFoundError);
      assert.equal((await c.batches.retrieve(ids[2])).id, ids[2]);
    } finally {
      await tiny.close();
    }
  });

  it('keeps memory bounded by the input bytes batches pin', async () => {
    const tiny = await startEmulator({ tickMs: 20, limits: { maxBatchBytes: 25_000 } });
    try {
      const c = new OpenAI({ baseURL: `${tiny.url}/v1`, apiKey: 'k' });
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await submit([chatLine('a', 'x'.repeat(10_000))], undefined, c)).id);
      await assert.rejects(c.batches.retrieve(ids[0]), OpenAI.NotFoundError);
      assert.equal((await c.batches.retrieve(ids[2])).id, ids[2]);
    } finally {
      await tiny.close();
    }
  });
});
