import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { promptHash, startEmulator, TERMINAL_TICK, type Emulator } from '../../src/emulator';
import { DEFAULT_LIMITS } from '../../src/emulator/deps';

type Req = Anthropic.Messages.BatchCreateParams.Request;
type Body = Anthropic.Messages.BatchCreateParams;

function req(customId: string, text: string): Req {
  return { custom_id: customId, params: { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: text }] } };
}

/** The keys a type requires (not the optional ones). */
type RequiredKeys<T> = { [K in keyof T]-?: T extends Record<K, unknown> ? K : never }[keyof T];

// Every required key of the SDK's types (node_modules/@anthropic-ai/sdk resources/messages/messages.d.ts `Message`,
// `Usage`, `TextBlock`). `satisfies` makes the lists exact at compile time: if the SDK adds or drops a required
// field, `npm run lint` fails here until the list (and the emulator) follow.
const MESSAGE_KEYS = { id: true, container: true, content: true, diagnostics: true, model: true, role: true, stop_details: true, stop_reason: true, stop_sequence: true, type: true, usage: true } satisfies Record<RequiredKeys<Anthropic.Messages.Message>, true>;
const USAGE_KEYS = {
  cache_creation: true, cache_creation_input_tokens: true, cache_read_input_tokens: true, inference_geo: true, input_tokens: true, output_tokens: true, output_tokens_details: true, server_tool_use: true, service_tier: true, speed: true,
} satisfies Record<RequiredKeys<Anthropic.Messages.Usage>, true>;
const TEXT_BLOCK_KEYS = { citations: true, text: true, type: true } satisfies Record<RequiredKeys<Anthropic.Messages.TextBlock>, true>;

function missingKeys(value: object, required: object): string[] {
  return Object.keys(required).filter((k) => !(k in value));
}

/** A Batch request whose params the SDK's types would refuse: the wire format is what is under test. */
function rawReq(customId: string, params: Record<string, unknown>): Req {
  return { custom_id: customId, params: params as unknown as Req['params'] };
}

describe('emulator: Anthropic Message Batches through @anthropic-ai/sdk', () => {
  let emu: Emulator;
  let client: Anthropic;

  /** Moves the manual clock tick by tick to the batch's end, noting each status it shows on the way. */
  async function waitEnded(id: string, c: Anthropic = client, e: Emulator = emu) {
    const seen: string[] = [];
    for (let t = 0; ; t++) {
      const batch = await c.messages.batches.retrieve(id);
      if (seen.at(-1) !== batch.processing_status) seen.push(batch.processing_status);
      if (batch.processing_status === 'ended') return { batch, seen };
      assert.ok(t <= TERMINAL_TICK, `batch ${id} had not ended after ${t} ticks`);
      e.clock.tick();
    }
  }

  async function results(id: string, c: Anthropic = client) {
    const out: Anthropic.Messages.MessageBatchIndividualResponse[] = [];
    for await (const r of await c.messages.batches.results(id)) out.push(r);
    return out;
  }

  before(async () => {
    emu = await startEmulator({ manualClock: true, tickMs: 20 });
    client = new Anthropic({ baseURL: emu.url, apiKey: 'test-key', maxRetries: 2 });
  });
  after(() => emu.close());

  it('runs a batch to ended; requests stay processing until the whole batch ends; results join by custom_id', async () => {
    const created = await client.messages.batches.create({ requests: [req('fr', 'Translate to French: The cat and the dog'), req('sum', 'Summarize: one two three four five six seven eight nine ten')] });
    assert.equal(created.type, 'message_batch');
    assert.equal(created.processing_status, 'in_progress');
    assert.equal(created.results_url, null);
    assert.deepEqual(created.request_counts, { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 });
    assert.match(created.id, /^msgbatch_/);
    assert.equal(new Date(created.expires_at).getTime() - new Date(created.created_at).getTime(), 24 * 3600 * 1000);

    const { batch, seen } = await waitEnded(created.id);
    assert.deepEqual(seen.filter((s) => s !== 'in_progress'), ['ended']);
    assert.deepEqual(batch.request_counts, { processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 });
    assert.ok(batch.ended_at);
    assert.equal(batch.results_url, `${emu.url}/v1/messages/batches/${batch.id}/results`);

    const lines = await results(batch.id);
    const byId = new Map(lines.map((l) => [l.custom_id, l.result]));
    const text = (id: string) => {
      const r = byId.get(id);
      assert.equal(r?.type, 'succeeded');
      const block = r.type === 'succeeded' ? r.message.content[0] : undefined;
      return block?.type === 'text' ? block.text : '';
    };
    assert.equal(text('fr'), `Le chat et le chien [emu:${promptHash('Translate to French: The cat and the dog')}]`);
    assert.equal(text('sum'), `one two three four five six seven eight... [emu:${promptHash('Summarize: one two three four five six seven eight nine ten')}]`);
    const fr = byId.get('fr');
    assert.ok(fr?.type === 'succeeded' && fr.message.model === 'claude-sonnet-4-5' && fr.message.usage.input_tokens === 10);
  });

  it('marks [[fail]] errored every time, [[fail-once]] only on the first submission, [[expire]] expired', async () => {
    const requests = [req('always', 'a [[fail]]'), req('once', 'b [[fail-once]]'), req('late', 'c [[expire]]'), req('fine', 'd')];
    const first = (await waitEnded((await client.messages.batches.create({ requests })).id)).batch;
    assert.deepEqual(first.request_counts, { processing: 0, succeeded: 1, errored: 2, canceled: 0, expired: 1 });
    const r1 = new Map((await results(first.id)).map((l) => [l.custom_id, l.result]));
    const always = r1.get('always');
    assert.ok(always?.type === 'errored' && always.error.error.type === 'invalid_request_error');
    assert.equal(r1.get('late')?.type, 'expired');

    const second = (await waitEnded((await client.messages.batches.create({ requests })).id)).batch;
    assert.deepEqual(second.request_counts, { processing: 0, succeeded: 2, errored: 1, canceled: 0, expired: 1 });
    const r2 = new Map((await results(second.id)).map((l) => [l.custom_id, l.result.type]));
    assert.deepEqual(Object.fromEntries(r2), { always: 'errored', once: 'succeeded', late: 'expired', fine: 'succeeded' });
  });

  // Anthropic validates each request's `params` only while the batch runs; invalid ones come back `errored` when it
  // ends (https://platform.claude.com/docs/en/build-with-claude/batch-processing, "params are validated
  // asynchronously", and /work/shared/PROVIDER-FACTS.md §2). The errored shape is the SDK's
  // MessageBatchErroredResult {type: 'errored', error: ErrorResponse} with ErrorResponse {type: 'error', error:
  // InvalidRequestErrorObject {type, message}, request_id: string | null} (node_modules/@anthropic-ai/sdk
  // resources/messages/batches.d.ts and resources/shared.d.ts).
  it('creates a batch with invalid params (HTTP 200) and returns those requests errored with what is wrong', async () => {
    const base = { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
    const bad: [string, Record<string, unknown>, string][] = [
      ['no_max_tokens', { model: base.model, messages: base.messages }, 'max_tokens: Field required'],
      ['zero_max_tokens', { ...base, max_tokens: 0 }, 'max_tokens: Input should be greater than or equal to 1'],
      ['float_max_tokens', { ...base, max_tokens: 1.5 }, 'max_tokens: Input should be a valid integer'],
      ['text_max_tokens', { ...base, max_tokens: '10' }, 'max_tokens: Input should be a valid integer'],
      ['no_messages', { model: base.model, max_tokens: 10 }, 'messages: Field required'],
      ['empty_messages', { ...base, messages: [] }, 'messages: List should have at least 1 item after validation, not 0'],
      ['streams', { ...base, stream: true }, 'stream: Message Batches do not support streaming; remove `stream` or set it to false.'],
      ['no_model', { max_tokens: 10, messages: base.messages }, 'model: Field required'],
      ['empty_model', { ...base, model: '' }, 'model: String should have at least 1 character'],
    ];
    const requests = [req('good', 'Uppercase: ok'), ...bad.map(([id, params]) => rawReq(id, params))];
    const { data: created, response } = await client.messages.batches.create({ requests }).withResponse();
    assert.equal(response.status, 200);
    assert.equal(created.processing_status, 'in_progress');
    assert.equal(created.request_counts.processing, requests.length);

    const { batch } = await waitEnded(created.id);
    assert.deepEqual(batch.request_counts, { processing: 0, succeeded: 1, errored: bad.length, canceled: 0, expired: 0 });
    const byId = new Map((await results(batch.id)).map((l) => [l.custom_id, l.result]));
    assert.equal(byId.get('good')?.type, 'succeeded');
    for (const [id, , message] of bad) {
      assert.deepEqual(byId.get(id), { type: 'errored', error: { type: 'error', error: { type: 'invalid_request_error', message }, request_id: null } }, id);
    }
  });

  // Only the create body's own structure is checked at once. Sources: SDK BatchCreateParams / BatchCreateParams.Request
  // (node_modules/@anthropic-ai/sdk resources/messages/batches.d.ts: `requests`, `custom_id` and `params` required,
  // custom_id "Must be unique for each request within the Message Batch"); the ^[a-zA-Z0-9_-]{1,64}$ pattern and the
  // 100,000-request cap from https://platform.claude.com/docs/en/build-with-claude/batch-processing.
  it('rejects only structural problems of the create body at once, with a 400 invalid_request_error', async () => {
    const params = req('x', 'x').params;
    const cases: [unknown, RegExp][] = [
      [{}, /^requests: Field required/],
      [{ requests: 5 }, /^requests: Input should be a valid list/],
      [{ requests: [] }, /^requests: List should have at least 1 item/],
      [{ requests: Array.from({ length: 100_001 }, () => 0) }, /^requests: List should have at most 100000 items/],
      [{ requests: ['x'] }, /^requests\.0: Input should be a valid dictionary/],
      [{ requests: [{ params }] }, /^requests\.0\.custom_id: Field required/],
      [{ requests: [{ custom_id: 7, params }] }, /^requests\.0\.custom_id: Input should be a valid string/],
      [{ requests: [req('has space', 'x')] }, /^requests\.0\.custom_id: String should match pattern/],
      [{ requests: [req('x'.repeat(65), 'x')] }, /^requests\.0\.custom_id: String should match pattern/],
      [{ requests: [req('a', 'x'), req('a', 'y')] }, /^requests\.1\.custom_id: Duplicate custom_id "a"/],
      [{ requests: [{ custom_id: 'p' }] }, /^requests\.0\.params: Field required/],
      [{ requests: [{ custom_id: 'p', params: 'text' }] }, /^requests\.0\.params: Input should be a valid dictionary/],
    ];
    const createdBefore = emu.stats.batchesCreated.anthropic;
    for (const [body, message] of cases) {
      const err = await client.messages.batches.create(body as Body).catch((e: unknown) => e);
      assert.ok(err instanceof Anthropic.BadRequestError, `${String(message)}: ${String(err)}`);
      const shape = err.error as { type: string; error: { type: string; message: string } };
      assert.equal(shape.type, 'error');
      assert.equal(shape.error.type, 'invalid_request_error');
      assert.match(shape.error.message, message);
    }
    assert.equal(emu.stats.batchesCreated.anthropic, createdBefore);
  });

  // "A Message Batch is limited to ... 256 MB"; bigger create bodies get HTTP 413 `request_too_large`
  // (https://platform.claude.com/docs/en/build-with-claude/batch-processing; the error type is in
  // https://docs.claude.com/en/api/errors). The limit is an emulator option so the test need not send 256 MB.
  it('refuses a create body over the Message Batch size limit with 413 request_too_large', async () => {
    assert.equal(DEFAULT_LIMITS.maxAnthropicCreateBytes, 256 * 1024 * 1024);
    const small = await startEmulator({ manualClock: true, limits: { maxAnthropicCreateBytes: 4096 } });
    try {
      const c = new Anthropic({ baseURL: small.url, apiKey: 'k', maxRetries: 0 });
      const err = await c.messages.batches.create({ requests: [req('big', 'x'.repeat(5000))] }).catch((e: unknown) => e);
      assert.ok(err instanceof Anthropic.APIError, String(err));
      assert.equal(err.status, 413);
      const shape = err.error as { type: string; error: { type: string } };
      assert.deepEqual([shape.type, shape.error.type], ['error', 'request_too_large']);
      assert.match((await c.messages.batches.create({ requests: [req('fits', 'x'.repeat(3000))] })).id, /^msgbatch_/);
      // Only the batch create has this limit: the synchronous Messages endpoint takes the same body.
      const direct = await c.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x'.repeat(5000) }] });
      assert.equal(direct.type, 'message');
    } finally {
      await small.close();
    }
  });

  // Fields from the SDK's `Message` / `Usage` / `TextBlock` (see MESSAGE_KEYS above), read through the SDK's own
  // results() decoder.
  it('returns succeeded Messages with every field the SDK Message, Usage and TextBlock types require', async () => {
    const c = new Anthropic({ baseURL: emu.url, apiKey: 'k' });
    const { batch } = await waitEnded((await c.messages.batches.create({ requests: [req('full', 'Uppercase: fields')] })).id, c);
    const lines: Anthropic.Messages.MessageBatchIndividualResponse[] = [];
    for await (const line of await c.messages.batches.results(batch.id)) lines.push(line);
    const result = lines[0]?.result;
    assert.ok(result?.type === 'succeeded', JSON.stringify(result));
    const message = result.message;
    assert.deepEqual(missingKeys(message, MESSAGE_KEYS), []);
    assert.deepEqual(missingKeys(message.usage, USAGE_KEYS), []);
    assert.deepEqual(missingKeys(message.content[0], TEXT_BLOCK_KEYS), []);
    assert.deepEqual([message.type, message.role, message.stop_reason, message.usage.service_tier], ['message', 'assistant', 'end_turn', 'batch']);
    assert.deepEqual([message.container, message.stop_details, message.stop_sequence], [null, null, null]);
    // The synchronous endpoint answers with the same Message shape.
    const direct = await c.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    assert.deepEqual([missingKeys(direct, MESSAGE_KEYS), missingKeys(direct.usage, USAGE_KEYS), direct.usage.service_tier], [[], [], 'standard']);
  });

  // POST /v1/messages is synchronous on the real service (https://docs.claude.com/en/api/messages): bad params fail
  // the call itself with a 400 rather than later.
  it('keeps rejecting bad params on the synchronous POST /v1/messages with a 400', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }] }, /^max_tokens: Field required/],
      [{ model: 'm', max_tokens: 5, messages: [] }, /^messages: List should have at least 1 item/],
      [{ max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, /^model: Field required/],
    ];
    for (const [params, message] of cases) {
      const err = await client.messages.create(params as unknown as Anthropic.Messages.MessageCreateParamsNonStreaming).catch((e: unknown) => e);
      assert.ok(err instanceof Anthropic.BadRequestError, String(err));
      assert.match((err.error as { error: { message: string } }).error.message, message);
    }
  });

  it('lists newest first with after_id / before_id / limit, has_more, first_id and last_id', async () => {
    const fresh = await startEmulator({ manualClock: true, tickMs: 20 });
    try {
      const c = new Anthropic({ baseURL: fresh.url, apiKey: 'k' });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await c.messages.batches.create({ requests: [req(`r${i}`, 'x')] })).id);
      const newest = [...ids].reverse();
      const page1 = await c.messages.batches.list({ limit: 2 });
      assert.deepEqual(page1.data.map((b) => b.id), newest.slice(0, 2));
      assert.equal(page1.has_more, true);
      assert.equal(page1.first_id, newest[0]);
      assert.equal(page1.last_id, newest[1]);
      const page2 = await c.messages.batches.list({ limit: 2, after_id: newest[1] });
      assert.deepEqual(page2.data.map((b) => b.id), newest.slice(2, 4));
      const back = await c.messages.batches.list({ limit: 2, before_id: newest[3] });
      assert.deepEqual(back.data.map((b) => b.id), newest.slice(1, 3));
      assert.equal(back.has_more, true);
      const all: string[] = [];
      for await (const b of c.messages.batches.list({ limit: 2 })) all.push(b.id);
      assert.deepEqual(all, newest);
    } finally {
      await fresh.close();
    }
  });

  it('cancels: canceling, then ended with the unprocessed requests canceled; delete only once ended', async () => {
    const requests = Array.from({ length: 12 }, (_, i) => req(`c${i}`, `line ${i}`));
    const created = await client.messages.batches.create({ requests });
    await assert.rejects(client.messages.batches.delete(created.id), Anthropic.BadRequestError);
    // Two ticks in, one tick of six processing ticks has passed: 2 of the 12 requests are done.
    emu.clock.tick(2);
    const canceling = await client.messages.batches.cancel(created.id);
    assert.equal(canceling.processing_status, 'canceling');
    assert.ok(canceling.cancel_initiated_at);
    assert.equal(canceling.request_counts.processing, 12);
    const { batch } = await waitEnded(created.id);
    assert.deepEqual(batch.request_counts, { processing: 0, succeeded: 2, errored: 0, canceled: 10, expired: 0 });
    const lines = await results(batch.id);
    assert.equal(lines.filter((l) => l.result.type === 'canceled').length, 10);
    assert.equal(lines.length, 12);
    await assert.rejects(client.messages.batches.cancel(created.id), Anthropic.BadRequestError);
    const deleted = await client.messages.batches.delete(created.id);
    assert.deepEqual(deleted, { id: created.id, type: 'message_batch_deleted' });
    await assert.rejects(client.messages.batches.retrieve(created.id), Anthropic.NotFoundError);
  });

  it('returns results in a stable order that is not the input order (consumers must join by custom_id)', async () => {
    const requests = Array.from({ length: 8 }, (_, i) => req(`id${i}`, `text ${i}`));
    const { batch } = await waitEnded((await client.messages.batches.create({ requests })).id);
    const first = (await results(batch.id)).map((l) => l.custom_id);
    assert.deepEqual([...first].sort(), requests.map((r) => r.custom_id).sort());
    assert.notDeepEqual(first, requests.map((r) => r.custom_id));
    assert.deepEqual((await results(batch.id)).map((l) => l.custom_id), first);
  });

  it('requires x-api-key (401 authentication_error) and answers unknown ids with 404', async () => {
    const res = await fetch(`${emu.url}/v1/messages/batches`);
    assert.equal(res.status, 401);
    const body = (await res.json()) as { type: string; error: { type: string } };
    assert.deepEqual([body.type, body.error.type], ['error', 'authentication_error']);
    await assert.rejects(client.messages.batches.list({}, { headers: { 'x-api-key': null, authorization: null } }), Anthropic.AuthenticationError);
    await assert.rejects(client.messages.batches.retrieve('msgbatch_missing'), Anthropic.NotFoundError);
  });

  it('retries through injected 429 (Retry-After), 500 and a dropped connection', async () => {
    const route = 'POST /v1/messages/batches';
    const before = emu.stats.requests[route] ?? 0;
    emu.faults.add({ method: 'POST', path: '/v1/messages/batches', status: 429, retryAfterSeconds: 0, times: 1 });
    emu.faults.add({ method: 'POST', path: '/v1/messages/batches', status: 500, retryAfterSeconds: 0, times: 1 });
    const created = await client.messages.batches.create({ requests: [req('a', 'x')] });
    assert.match(created.id, /^msgbatch_/);
    assert.equal(emu.stats.requests[route] - before, 3);

    const noRetry = new Anthropic({ baseURL: emu.url, apiKey: 'k', maxRetries: 0 });
    emu.faults.add({ path: /\/v1\/messages\/batches$/, status: 429, retryAfterSeconds: 3, times: 1 });
    const err = await noRetry.messages.batches.list().catch((e: unknown) => e);
    assert.ok(err instanceof Anthropic.RateLimitError);
    assert.equal(err.headers?.get('retry-after'), '3');
    emu.faults.add({ method: 'POST', path: '/v1/messages/batches', dropConnection: true, times: 1 });
    await assert.rejects(noRetry.messages.batches.create({ requests: [req('a', 'x'.repeat(100_000))] }), Anthropic.APIConnectionError);
  });

  it('answers malformed bodies in the Anthropic error shape and keeps serving', async () => {
    const res = await fetch(`${emu.url}/v1/messages/batches`, { method: 'POST', headers: { 'x-api-key': 'k', 'content-type': 'application/json' }, body: '{"requests": [' });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    assert.equal(body.error.type, 'invalid_request_error');
    const notList = await fetch(`${emu.url}/v1/messages/batches`, { method: 'POST', headers: { 'x-api-key': 'k' }, body: '{"requests": 5}' });
    assert.equal(notList.status, 400);
    const message = await client.messages.create({ model: 'claude-x', max_tokens: 50, messages: [{ role: 'user', content: 'Uppercase: hi' }] });
    assert.equal(message.content[0].type === 'text' && message.content[0].text, `HI [emu:${promptHash('Uppercase: hi')}]`);
  });
});
