import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { promptHash, startEmulator, type Emulator } from '../../src/emulator';

type Req = Anthropic.Messages.BatchCreateParams.Request;

function req(customId: string, text: string): Req {
  return { custom_id: customId, params: { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: text }] } };
}

describe('emulator: Anthropic Message Batches through @anthropic-ai/sdk', () => {
  let emu: Emulator;
  let client: Anthropic;

  async function waitEnded(id: string, c: Anthropic = client) {
    const seen: string[] = [];
    for (;;) {
      const batch = await c.messages.batches.retrieve(id);
      if (seen.at(-1) !== batch.processing_status) seen.push(batch.processing_status);
      if (batch.processing_status === 'ended') return { batch, seen };
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async function results(id: string, c: Anthropic = client) {
    const out: Anthropic.Messages.MessageBatchIndividualResponse[] = [];
    for await (const r of await c.messages.batches.results(id)) out.push(r);
    return out;
  }

  before(async () => {
    emu = await startEmulator({ tickMs: 20 });
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

  it('rejects duplicate or malformed custom_ids and bad params with a 400 invalid_request_error', async () => {
    const cases: [Req[], RegExp][] = [
      [[req('a', 'x'), req('a', 'y')], /Duplicate custom_id "a"/],
      [[req('has space', 'x')], /requests\.0\.custom_id/],
      [[req('x'.repeat(65), 'x')], /custom_id/],
      [[{ custom_id: 'p', params: { model: 'm', messages: [{ role: 'user', content: 'x' }] } as unknown as Req['params'] }], /requests\.0\.params\.max_tokens: Field required/],
      [[], /at least 1 item/],
    ];
    for (const [requests, message] of cases) {
      const err = await client.messages.batches.create({ requests }).catch((e: unknown) => e);
      assert.ok(err instanceof Anthropic.BadRequestError, String(err));
      assert.equal((err.error as { type: string; error: { type: string } }).type, 'error');
      assert.equal((err.error as { error: { type: string } }).error.type, 'invalid_request_error');
      assert.match((err.error as { error: { message: string } }).error.message, message);
    }
  });

  it('lists newest first with after_id / before_id / limit, has_more, first_id and last_id', async () => {
    const fresh = await startEmulator({ tickMs: 20 });
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
    const slow = await startEmulator({ tickMs: 150 });
    try {
      const c = new Anthropic({ baseURL: slow.url, apiKey: 'k' });
      const requests = Array.from({ length: 12 }, (_, i) => req(`c${i}`, `line ${i}`));
      const created = await c.messages.batches.create({ requests });
      await assert.rejects(c.messages.batches.delete(created.id), Anthropic.BadRequestError);
      await new Promise((r) => setTimeout(r, 400));
      const canceling = await c.messages.batches.cancel(created.id);
      assert.equal(canceling.processing_status, 'canceling');
      assert.ok(canceling.cancel_initiated_at);
      assert.equal(canceling.request_counts.processing, 12);
      const { batch } = await waitEnded(created.id, c);
      const counts = batch.request_counts;
      assert.equal(counts.succeeded + counts.canceled, 12);
      assert.ok(counts.canceled > 0);
      const lines = await results(batch.id, c);
      assert.equal(lines.filter((l) => l.result.type === 'canceled').length, counts.canceled);
      assert.equal(lines.length, 12);
      await assert.rejects(c.messages.batches.cancel(created.id), Anthropic.BadRequestError);
      const deleted = await c.messages.batches.delete(created.id);
      assert.deepEqual(deleted, { id: created.id, type: 'message_batch_deleted' });
      await assert.rejects(c.messages.batches.retrieve(created.id), Anthropic.NotFoundError);
    } finally {
      await slow.close();
    }
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
