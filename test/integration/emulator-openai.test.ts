import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { toFile } from 'openai';
import { promptHash, replyText, startEmulator, type Emulator } from '../../src/emulator';
import { DEFAULT_LIMITS } from '../../src/emulator/deps';

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
  response: { status_code: number; request_id: string; body: { choices: { message: { content: string } }[]; usage: { total_tokens: number }; error: { type: string; message?: string } } };
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
  async function waitTerminal(id: string, c: OpenAI = client, e: Emulator = emu) {
    const seen: string[] = [];
    for (;;) {
      const batch = await c.batches.retrieve(id);
      if (seen.at(-1) !== batch.status) seen.push(batch.status);
      if (TERMINAL.has(batch.status)) {
        for (let i = 1; i < seen.length; i++) assert.ok(STATUS_ORDER.indexOf(seen[i]) > STATUS_ORDER.indexOf(seen[i - 1]), `status went ${seen.join(' -> ')}`);
        return { batch, seen };
      }
      // The emulators' clocks stand still: each poll moves one a tick, so no step depends on machine speed.
      e.clock.tick();
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

  // Batch guide (https://platform.openai.com/docs/guides/batch): "Any failed requests in the batch will have their error
  // information written to an error file"; the line is a BatchRequestOutput
  // (https://platform.openai.com/docs/api-reference/batch/request-output) whose `response` carries the endpoint's own 400
  // body. The ranges: `ChatCompletionCreateParamsBase.temperature` "between 0 and 2" and `max_tokens` /
  // `max_completion_tokens` `number | null` (node_modules/openai/resources/chat/completions/completions.d.ts); the
  // wording and codes are the API's request-time errors (https://platform.openai.com/docs/guides/error-codes).
  it('puts lines whose parameters the endpoint refuses in the error file, the batch still completing', async () => {
    const chat = (id: string, body: Record<string, unknown>) => ({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: id }], ...body } });
    const expected: Record<string, [string, string, string]> = {
      empty: ["Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'messages', 'empty_array'],
      neg: ["Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got -5 instead.", 'max_tokens', 'integer_below_min_value'],
      str: ["Invalid type for 'max_tokens': expected an integer, but got a string instead.", 'max_tokens', 'invalid_type'],
      zero: ["Invalid 'max_completion_tokens': integer below minimum value. Expected a value >= 1, but got 0 instead.", 'max_completion_tokens', 'integer_below_min_value'],
      half: ["Invalid type for 'max_completion_tokens': expected an integer, but got a decimal instead.", 'max_completion_tokens', 'invalid_type'],
      hot: ["Invalid type for 'temperature': expected a decimal, but got a string instead.", 'temperature', 'invalid_type'],
      three: ["Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 3 instead.", 'temperature', 'decimal_above_max_value'],
    };
    const lines = [
      chat('good', { max_tokens: 16, temperature: 0.7, max_completion_tokens: null }),
      chat('empty', { messages: [] }),
      chat('neg', { max_tokens: -5 }),
      chat('str', { max_tokens: '10' }),
      chat('zero', { max_completion_tokens: 0 }),
      chat('half', { max_completion_tokens: 2.5 }),
      chat('hot', { temperature: 'hot' }),
      chat('three', { temperature: 3 }),
    ];
    const created = await submit(lines);
    const { batch } = await waitTerminal(created.id);
    assert.equal(batch.status, 'completed');
    assert.equal(batch.errors, null);
    assert.deepEqual(batch.request_counts, { total: 8, completed: 1, failed: 7 });
    assert.deepEqual((await readLines(client, batch.output_file_id)).map((l) => l.custom_id), ['good']);
    const errors = await readLines(client, batch.error_file_id);
    assert.deepEqual(errors.map((l) => l.custom_id).sort(), Object.keys(expected).sort());
    for (const line of errors) {
      const [message, param, code] = expected[line.custom_id];
      assert.match(line.id, /^batch_req_/);
      assert.match(line.response.request_id, /^req_/);
      assert.deepEqual(line, {
        id: line.id,
        custom_id: line.custom_id,
        response: { status_code: 400, request_id: line.response.request_id, body: { error: { message, type: 'invalid_request_error', param, code } } },
        error: null,
      });
    }
    // The same rule answers a direct request with the 400 itself.
    const direct = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }).catch((e: unknown) => e);
    assert.ok(direct instanceof OpenAI.BadRequestError);
    assert.equal(direct.code, 'empty_array');
    assert.equal(direct.param, 'messages');
  });

  it('does not use up a [[fail-once]] on a line refused for its parameters', async () => {
    const line = (temperature: number) => ({ ...chatLine('once-param', 'p [[fail-once]]'), body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'p [[fail-once]]' }], temperature } });
    const refused = (await waitTerminal((await submit([line(5)])).id)).batch;
    assert.equal((await readLines(client, refused.error_file_id))[0].response.body.error.type, 'invalid_request_error');
    assert.deepEqual(refused.request_counts, { total: 1, completed: 0, failed: 1 });
    // The first run of the request is the marker's: it fails, and only the next one succeeds.
    const first = (await waitTerminal((await submit([line(1)])).id)).batch;
    assert.deepEqual(first.request_counts, { total: 1, completed: 0, failed: 1 });
    assert.match((await readLines(client, first.error_file_id))[0].response.body.error.message ?? '', /failure marker/);
    const second = (await waitTerminal((await submit([line(1)])).id)).batch;
    assert.deepEqual(second.request_counts, { total: 1, completed: 1, failed: 0 });
  });

  // node_modules/openai/resources/batches.d.ts `BatchCreateParams.input_file_id`: "The file can contain up to 50,000
  // requests, and can be up to 200 MB in size" (src/core/limits.ts PROVIDER_LIMITS.openai.maxBytes). The limit is a
  // constraint on the create parameter, so the create itself is refused (400, param input_file_id), not the batch run.
  it('refuses a batch create whose input file is over the size limit, accepting one exactly at it', async () => {
    assert.equal(DEFAULT_LIMITS.maxOpenAiInputBytes, 200 * 1024 * 1024);
    const limit = 2048;
    const small = await startEmulator({ manualClock: true, limits: { maxOpenAiInputBytes: limit } });
    try {
      const c = new OpenAI({ baseURL: `${small.url}/v1`, apiKey: 'k', maxRetries: 0 });
      const sized = (bytes: number) => {
        const base = `${JSON.stringify(chatLine('big', ''))}\n`;
        return `${JSON.stringify(chatLine('big', 'x'.repeat(bytes - Buffer.byteLength(base))))}\n`;
      };
      const create = async (text: string) => {
        const file = await c.files.create({ file: await toFile(Buffer.from(text), 'in.jsonl'), purpose: 'batch' });
        assert.equal(file.bytes, Buffer.byteLength(text));
        return c.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
      };
      assert.equal((await create(sized(limit))).status, 'validating');
      const refused = await create(sized(limit + 1)).catch((e: unknown) => e);
      assert.ok(refused instanceof OpenAI.BadRequestError);
      assert.equal(refused.param, 'input_file_id');
      assert.match(refused.message, /The batch input file is larger than the 2048 maximum for the gpt-4o-mini model/);
      assert.equal((await c.batches.list()).data.length, 1);
    } finally {
      await small.close();
    }
  });

  // node_modules/openai/resources/batches.d.ts `BatchCreateParams.output_expires_after`: anchor `created_at` ("the anchor
  // is the file creation time, not the time the batch is created"), seconds "between 3600 (1 hour) and 2592000 (30 days)";
  // `FileObject.expires_at` (files.d.ts) reports it, and an expired file is deleted (404 like a deleted file).
  it('honours output_expires_after: result files report expires_at and are gone after it', async () => {
    const manual = await startEmulator({ manualClock: true, tickMs: 1000 });
    try {
      const c = new OpenAI({ baseURL: `${manual.url}/v1`, apiKey: 'k', maxRetries: 0 });
      const file = await c.files.create({ file: await toFile(Buffer.from(jsonl([chatLine('ok', 'a'), chatLine('bad', 'b [[fail]]')])), 'in.jsonl'), purpose: 'batch' });
      const create = (output_expires_after: unknown) =>
        c.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', output_expires_after: output_expires_after as { anchor: 'created_at'; seconds: number } });
      const refusals: [unknown, string, string][] = [
        [{ anchor: 'created_at', seconds: 3599 }, 'output_expires_after.seconds', 'integer_below_min_value'],
        [{ anchor: 'created_at', seconds: 2_592_001 }, 'output_expires_after.seconds', 'integer_above_max_value'],
        [{ anchor: 'created_at', seconds: 'soon' }, 'output_expires_after.seconds', 'invalid_type'],
        [{ anchor: 'completed_at', seconds: 3600 }, 'output_expires_after.anchor', 'invalid_value'],
        [{ anchor: 'created_at' }, 'output_expires_after.seconds', 'missing_required_parameter'],
      ];
      for (const [policy, param, code] of refusals) {
        const err = await create(policy).catch((e: unknown) => e);
        assert.ok(err instanceof OpenAI.BadRequestError, JSON.stringify(policy));
        assert.deepEqual([err.param, err.code], [param, code]);
      }
      assert.equal((await c.batches.list()).data.length, 0);
      assert.equal((await create({ anchor: 'created_at', seconds: 2_592_000 })).status, 'validating');

      const created = await create({ anchor: 'created_at', seconds: 3600 });
      manual.clock.tick(8);
      const batch = await c.batches.retrieve(created.id);
      assert.equal(batch.status, 'completed');
      const ids = [batch.output_file_id!, batch.error_file_id!];
      for (const id of ids) {
        const meta = await c.files.retrieve(id);
        assert.equal(meta.expires_at, meta.created_at + 3600);
      }
      const expiresMs = (await c.files.retrieve(ids[0])).expires_at! * 1000;
      // Timestamps are whole seconds: just before expires_at the files are there; a second after, they are gone.
      manual.clock.advance(expiresMs - manual.clock.now() - 1);
      for (const id of ids) assert.equal((await readLines(c, id)).length, 1);
      manual.clock.advance(1001);
      for (const id of ids) {
        await assert.rejects(c.files.content(id), OpenAI.NotFoundError);
        await assert.rejects(c.files.retrieve(id), OpenAI.NotFoundError);
      }
      // The batch still names its files, as after a delete.
      assert.equal((await c.batches.retrieve(created.id)).output_file_id, ids[0]);
    } finally {
      await manual.close();
    }
  });

  // node_modules/openai/resources/files.d.ts `FileCreateParams.expires_after`: anchor `created_at`, seconds "between 3600
  // (1 hour) and 2592000 (30 days)"; "By default, files with `purpose=batch` expire after 30 days".
  it('honours expires_after on upload: expires_at, then gone for retrieve, content, list and batch create', async () => {
    const manual = await startEmulator({ manualClock: true, tickMs: 1000 });
    try {
      const c = new OpenAI({ baseURL: `${manual.url}/v1`, apiKey: 'k', maxRetries: 0 });
      const upload = async (expires_after?: unknown) =>
        c.files.create({ file: await toFile(Buffer.from(jsonl([chatLine('a', 'x')])), 'in.jsonl'), purpose: 'batch', expires_after: expires_after as { anchor: 'created_at'; seconds: number } | undefined });
      for (const [policy, param, code] of [
        [{ anchor: 'created_at', seconds: 60 }, 'expires_after.seconds', 'integer_below_min_value'],
        [{ anchor: 'created_at', seconds: 3_000_000 }, 'expires_after.seconds', 'integer_above_max_value'],
        [{ anchor: 'created_at', seconds: 3600.5 }, 'expires_after.seconds', 'invalid_type'],
        [{ anchor: 'last_active_at', seconds: 3600 }, 'expires_after.anchor', 'invalid_value'],
      ] as const) {
        const err = await upload(policy).catch((e: unknown) => e);
        assert.ok(err instanceof OpenAI.BadRequestError, JSON.stringify(policy));
        assert.deepEqual([err.param, err.code], [param, code]);
      }
      const byDefault = await upload();
      assert.equal(byDefault.expires_at, byDefault.created_at + 30 * 24 * 3600);
      const file = await upload({ anchor: 'created_at', seconds: 3600 });
      assert.equal(file.expires_at, file.created_at + 3600);
      manual.clock.advance(file.expires_at! * 1000 - manual.clock.now() - 1);
      assert.equal((await c.files.retrieve(file.id)).id, file.id);
      assert.ok((await c.files.list()).data.some((f) => f.id === file.id));
      manual.clock.advance(1001);
      await assert.rejects(c.files.retrieve(file.id), OpenAI.NotFoundError);
      await assert.rejects(c.files.content(file.id), OpenAI.NotFoundError);
      await assert.rejects(c.files.delete(file.id), OpenAI.NotFoundError);
      assert.deepEqual((await c.files.list()).data.map((f) => f.id), [byDefault.id]);
      await assert.rejects(c.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' }), OpenAI.NotFoundError);
    } finally {
      await manual.close();
    }
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
    // Its own emulator (the shared one's batch list stays as the other tests expect), on a manual clock: the cancel
    // lands mid-run however slow the machine is.
    const slow = await startEmulator({ manualClock: true });
    try {
      const c = new OpenAI({ baseURL: `${slow.url}/v1`, apiKey: 'k' });
      const lines = Array.from({ length: 12 }, (_, i) => chatLine(`c${i}`, `line ${i}`));
      const created = await submit(lines, undefined, c);
      let current = await c.batches.retrieve(created.id);
      while (current.status !== 'in_progress' || (current.request_counts?.completed ?? 0) === 0) {
        slow.clock.tick();
        current = await c.batches.retrieve(created.id);
      }
      const cancelling = await c.batches.cancel(created.id);
      assert.equal(cancelling.status, 'cancelling');
      assert.ok(cancelling.cancelling_at);
      const { batch } = await waitTerminal(created.id, c, slow);
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
