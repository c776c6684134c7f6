import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI, { toFile } from 'openai';
import { newWebhookSecret, verifyWebhook } from '../../src/core/webhooks/standardWebhooks';
import { TERMINAL_TICK, startEmulator, type Emulator } from '../../src/emulator';

interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on loopback that records every POST and answers 200 (or never, with `hang`). */
async function startReceiver(opts: { hang?: boolean } = {}) {
  const deliveries: Delivery[] = [];
  const waiters: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      waiters.splice(0).forEach((w) => w());
      if (!opts.hang) res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    deliveries,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`,
    /** Deliveries whose body names this batch id. */
    about: (batchId: string) => deliveries.filter((d) => (JSON.parse(d.body) as { data: { id: string } }).data.id === batchId),
    /** Resolves when the receiver has got at least `n` deliveries (for the real-clock test, which cannot tick). */
    untilCount: (n: number) => new Promise<void>((resolve) => {
      const check = () => (deliveries.length >= n ? resolve() : waiters.push(check));
      check();
    }),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function chatLine(customId: string, text: string): string {
  return JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] } });
}

async function submitOpenAi(client: OpenAI, lines: string[]) {
  const file = await client.files.create({ file: await toFile(Buffer.from(lines.join('\n') + '\n'), 'input.jsonl'), purpose: 'batch' });
  return client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
}

describe('emulator webhooks: one signed event per batch end (manual clock)', () => {
  const secret = newWebhookSecret();
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let emu: Emulator;
  let openai: OpenAI;
  let gemini: GoogleGenAI;
  let anthropic: Anthropic;

  /** Moves the clock `n` ticks and waits for the deliveries that started. */
  async function tick(n = 1): Promise<void> {
    emu.clock.tick(n);
    await emu.webhooksSettled();
  }

  before(async () => {
    receiver = await startReceiver();
    emu = await startEmulator({ manualClock: true, tickMs: 20, webhook: { url: receiver.url, secret } });
    openai = new OpenAI({ baseURL: `${emu.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
    gemini = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: emu.url } });
    anthropic = new Anthropic({ baseURL: emu.url, apiKey: 'test-key', maxRetries: 0 });
  });
  after(async () => {
    await emu.close();
    await receiver.close();
  });

  // Event shape: openai-node resources/webhooks/webhooks.d.ts BatchCompletedWebhookEvent; checked by the SDK's own unwrap.
  it('OpenAI: exactly one batch.completed, verified by verifyWebhook and unwrapped by the openai SDK', async () => {
    const created = await submitOpenAi(openai, [chatLine('a', 'Uppercase: one'), chatLine('b', 'Uppercase: two')]);
    for (let i = 1; i < TERMINAL_TICK; i++) {
      await tick();
      assert.equal(receiver.about(created.id).length, 0, `an event was sent at tick ${i}, before the batch ended`);
    }
    await tick();
    const batch = await openai.batches.retrieve(created.id);
    assert.equal(batch.status, 'completed');
    const got = receiver.about(created.id);
    assert.equal(got.length, 1);
    const [d] = got;
    assert.equal(d.path, '/webhooks');
    assert.equal(verifyWebhook([secret], d.headers, d.body).ok, true);
    assert.equal(verifyWebhook([newWebhookSecret()], d.headers, d.body).ok, false);

    const event = await new OpenAI({ apiKey: 'x', webhookSecret: secret }).webhooks.unwrap(d.body, d.headers);
    assert.equal(event.type, 'batch.completed');
    assert.match(event.id, /^evt_/);
    assert.equal(event.object, 'event');
    assert.deepEqual(event.data, { id: created.id });
    assert.equal(event.created_at, batch.completed_at);

    // The batch stays completed; moving on never sends it again.
    await tick(TERMINAL_TICK * 3);
    assert.equal(receiver.about(created.id).length, 1);
    const record = emu.stats.webhooksSent.filter((w) => w.batchId === created.id);
    assert.deepEqual(record.map((w) => [w.provider, w.type, w.delivered, w.attempts, w.status, w.id]), [['openai', 'batch.completed', true, 1, 200, d.headers['webhook-id']]]);
  });

  it('OpenAI: a cancelled batch gives batch.cancelled once the cancel is final', async () => {
    const created = await submitOpenAi(openai, [chatLine('c1', 'Uppercase: one'), chatLine('c2', 'Uppercase: two')]);
    await tick(2);
    const cancelling = await openai.batches.cancel(created.id);
    assert.equal(cancelling.status, 'cancelling');
    await emu.webhooksSettled();
    assert.equal(receiver.about(created.id).length, 0, 'cancelling is not an end');
    await tick();
    assert.equal((await openai.batches.retrieve(created.id)).status, 'cancelled');
    const got = receiver.about(created.id);
    assert.equal(got.length, 1);
    const event = await new OpenAI({ apiKey: 'x', webhookSecret: secret }).webhooks.unwrap(got[0].body, got[0].headers);
    assert.equal(event.type, 'batch.cancelled');
  });

  it('OpenAI: an [[expire]] line gives batch.expired, an invalid input batch.failed', async () => {
    const expiring = await submitOpenAi(openai, [chatLine('e1', 'Uppercase: one'), chatLine('e2', 'Uppercase: two [[expire]]')]);
    const failing = await submitOpenAi(openai, [chatLine('f1', 'Uppercase: one'), '{"custom_id": "f2", "method": "POST"']);
    await tick(TERMINAL_TICK);
    assert.equal((await openai.batches.retrieve(expiring.id)).status, 'expired');
    assert.equal((await openai.batches.retrieve(failing.id)).status, 'failed');
    const unwrap = (d: Delivery) => new OpenAI({ apiKey: 'x', webhookSecret: secret }).webhooks.unwrap(d.body, d.headers);
    assert.deepEqual(await Promise.all(receiver.about(expiring.id).map(async (d) => (await unwrap(d)).type)), ['batch.expired']);
    assert.deepEqual(await Promise.all(receiver.about(failing.id).map(async (d) => (await unwrap(d)).type)), ['batch.failed']);
  });

  // Envelope and event catalog: ai.google.dev/gemini-api/docs/webhooks ("Webhook envelope", "Event catalog").
  it('Gemini: an inline batch gives one batch.succeeded naming the batch; a file batch carries its result file', async () => {
    const inline = await gemini.batches.create({ model: 'gemini-2.5-flash', src: [{ contents: [{ role: 'user', parts: [{ text: 'Uppercase: one' }] }], metadata: { key: 'k1' } }] });
    const upload = await gemini.files.upload({ file: new Blob([JSON.stringify({ key: 'f1', request: { contents: [{ role: 'user', parts: [{ text: 'Uppercase: two' }] }] } }) + '\n']), config: { mimeType: 'jsonl' } });
    const fromFile = await gemini.batches.create({ model: 'gemini-2.5-flash', src: upload.name! });
    await tick(TERMINAL_TICK - 1);
    assert.equal(receiver.about(inline.name!).length, 0);
    await tick();
    const job = await gemini.batches.get({ name: fromFile.name! });
    assert.equal(job.state, 'JOB_STATE_SUCCEEDED');

    const [d] = receiver.about(inline.name!);
    assert.equal(receiver.about(inline.name!).length, 1);
    assert.equal(verifyWebhook([secret], d.headers, d.body).ok, true);
    const event = JSON.parse(d.body) as { type: string; version: string; timestamp: string; data: Record<string, unknown> };
    assert.equal(event.type, 'batch.succeeded');
    assert.equal(event.version, 'v1');
    assert.ok(!Number.isNaN(Date.parse(event.timestamp)));
    assert.deepEqual(event.data, { id: inline.name });
    // The name in the event is the one the SDK's get takes.
    assert.equal((await gemini.batches.get({ name: event.data.id as string })).state, 'JOB_STATE_SUCCEEDED');

    const fileEvent = JSON.parse(receiver.about(fromFile.name!)[0].body) as { data: Record<string, unknown> };
    assert.deepEqual(fileEvent.data, { id: fromFile.name, output_file_uri: job.dest?.fileName });
  });

  it('Gemini: a cancel is final at once, so batch.cancelled goes without a tick', async () => {
    const created = await gemini.batches.create({ model: 'gemini-2.5-flash', src: [{ contents: [{ role: 'user', parts: [{ text: 'Uppercase: x' }] }] }] });
    await tick();
    await gemini.batches.cancel({ name: created.name! });
    await emu.webhooksSettled();
    const got = receiver.about(created.name!);
    assert.equal(got.length, 1);
    assert.equal((JSON.parse(got[0].body) as { type: string }).type, 'batch.cancelled');
    await tick(TERMINAL_TICK);
    assert.equal(receiver.about(created.name!).length, 1);
  });

  it('Anthropic: a Message Batch that ends sends nothing (the API has no webhooks)', async () => {
    const sentBefore = receiver.deliveries.length;
    const created = await anthropic.messages.batches.create({ requests: [{ custom_id: 'a1', params: { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Uppercase: one' }] } }] });
    await tick(TERMINAL_TICK);
    assert.equal((await anthropic.messages.batches.retrieve(created.id)).processing_status, 'ended');
    await emu.webhooksSettled();
    assert.equal(receiver.deliveries.length, sentBefore);
    assert.ok(!emu.stats.webhooksSent.some((w) => w.batchId === created.id));
  });

  it('clock moves through POST /_emulator/clock send the events too', async () => {
    const created = await submitOpenAi(openai, [chatLine('p1', 'Uppercase: one')]);
    const res = await fetch(`${emu.url}/_emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ticks: TERMINAL_TICK }) });
    assert.equal(res.status, 200);
    await emu.webhooksSettled();
    assert.equal(receiver.about(created.id).length, 1);
    const stats = (await (await fetch(`${emu.url}/_emulator/stats`)).json()) as { webhooksSent: { batchId: string; delivered: boolean }[] };
    assert.ok(stats.webhooksSent.some((w) => w.batchId === created.id && w.delivered));
  });
});

describe('emulator webhooks: a receiver that is down or stuck', () => {
  it('a closed port: the emulator keeps answering, and records the failed delivery after its attempts', async () => {
    const gone = await startReceiver();
    const url = gone.url;
    await gone.close();
    const waits: number[] = [];
    const emu = await startEmulator({ manualClock: true, tickMs: 20, webhook: { url, secret: newWebhookSecret(), maxAttempts: 3, sleep: async (ms) => void waits.push(ms) } });
    try {
      const client = new OpenAI({ baseURL: `${emu.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
      const created = await submitOpenAi(client, [chatLine('d1', 'Uppercase: one')]);
      emu.clock.tick(TERMINAL_TICK);
      // Answered while the delivery is still being tried.
      assert.equal((await client.batches.retrieve(created.id)).status, 'completed');
      await emu.webhooksSettled();
      const [record] = emu.stats.webhooksSent;
      assert.equal(emu.stats.webhooksSent.length, 1);
      assert.equal(record.batchId, created.id);
      assert.equal(record.delivered, false);
      assert.equal(record.attempts, 3);
      assert.match(record.error ?? '', /ECONNREFUSED/);
      assert.equal(waits.length, 2);
      // Still fully working afterwards.
      assert.equal((await client.batches.list()).data.length, 1);
    } finally {
      await emu.close();
    }
  });

  it('a receiver that never answers: requests are served meanwhile and close() does not wait for it', async () => {
    const stuck = await startReceiver({ hang: true });
    const emu = await startEmulator({ manualClock: true, tickMs: 20, webhook: { url: stuck.url, secret: newWebhookSecret() } });
    try {
      const client = new OpenAI({ baseURL: `${emu.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
      const created = await submitOpenAi(client, [chatLine('h1', 'Uppercase: one')]);
      emu.clock.tick(TERMINAL_TICK);
      await stuck.untilCount(1);
      assert.equal((await client.batches.retrieve(created.id)).status, 'completed');
    } finally {
      await emu.close();
      await stuck.close();
    }
    assert.equal(emu.stats.webhooksSent.length, 1);
    assert.equal(emu.stats.webhooksSent[0].delivered, false);
    assert.match(emu.stats.webhooksSent[0].error ?? '', /stopped before delivery/);
  });
});

describe('emulator webhooks: real clock', () => {
  it('notices a batch ending on its own, with no clock moves, and sends once', async () => {
    const secret = newWebhookSecret();
    const receiver = await startReceiver();
    // A short tick so the batch ends quickly; the test waits for the delivery itself, never for a duration.
    const emu = await startEmulator({ tickMs: 5, webhook: { url: receiver.url, secret } });
    try {
      const client = new OpenAI({ baseURL: `${emu.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
      const created = await submitOpenAi(client, [chatLine('r1', 'Uppercase: one')]);
      await receiver.untilCount(1);
      await emu.webhooksSettled();
      const [d] = receiver.about(created.id);
      assert.equal(verifyWebhook([secret], d.headers, d.body).ok, true);
      assert.equal((JSON.parse(d.body) as { type: string }).type, 'batch.completed');
      assert.equal((await client.batches.retrieve(created.id)).status, 'completed');
    } finally {
      await emu.close();
      await receiver.close();
    }
    assert.equal(receiver.deliveries.length, 1);
  });
});
