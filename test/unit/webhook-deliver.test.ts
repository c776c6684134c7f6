import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliverWebhook, postSignedWebhook, retryAfterOf } from '../../src/core/webhooks/deliver';
import { newWebhookSecret, verifyWebhook } from '../../src/core/webhooks/standardWebhooks';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real receiver answering each POST with the next scripted reply (200 once the script is used up). */
function receiver() {
  const received: Received[] = [];
  let script: { status: number; headers?: Record<string, string>; body?: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const reply = script.shift() ?? { status: 200 };
      res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
    });
  });
  return {
    received,
    server,
    script: (replies: typeof script) => (script = replies),
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
  };
}

/** An injected sleep that records each wait and returns at once: retries are asserted, never timed. */
function recordingSleep(waits: number[]) {
  return async (ms: number) => {
    waits.push(ms);
  };
}

describe('deliverWebhook against a local receiver (Standard Webhooks "Payload structure" and retry guidance)', () => {
  const r = receiver();
  const secret = newWebhookSecret();

  before(() => new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve)));
  after(() => new Promise<void>((resolve) => r.server.close(() => resolve())));
  beforeEach(() => {
    r.received.length = 0;
    r.script([]);
  });

  it('delivers a signed {type, timestamp, data} the first time', async () => {
    const waits: number[] = [];
    const at = new Date('2026-03-01T12:00:00.000Z');
    const result = await deliverWebhook({ url: r.url(), secret, type: 'pipeline.cycle.completed', data: { job: 'j1', succeeded: 3 }, timestamp: at, sleep: recordingSleep(waits) });
    assert.equal(result.delivered, true);
    assert.equal(result.attempts, 1);
    assert.equal(result.status, 200);
    assert.match(result.id, /^msg_/);
    assert.deepEqual(waits, []);
    assert.equal(r.received.length, 1);
    const [got] = r.received;
    assert.deepEqual(JSON.parse(got.body), { type: 'pipeline.cycle.completed', timestamp: at.toISOString(), data: { job: 'j1', succeeded: 3 } });
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['webhook-id'], result.id);
    const verified = verifyWebhook([secret], got.headers, got.body);
    assert.equal(verified.ok, true);
  });

  it('retries a 500 with the same webhook-id, each attempt freshly signed', async () => {
    r.script([{ status: 500, body: 'database down' }, { status: 502 }]);
    const waits: number[] = [];
    const result = await deliverWebhook({ url: r.url(), secret, type: 't', data: {}, sleep: recordingSleep(waits), random: () => 1, baseDelayMs: 100 });
    assert.equal(result.delivered, true);
    assert.equal(result.attempts, 3);
    assert.equal(r.received.length, 3);
    assert.equal(new Set(r.received.map((x) => x.headers['webhook-id'])).size, 1, 'every attempt carries the same webhook-id');
    assert.equal(r.received[0].headers['webhook-id'], result.id);
    for (const got of r.received) assert.equal(verifyWebhook([secret], got.headers, got.body).ok, true);
    // Exponential: 100 ms then 200 ms (jitter pinned to its maximum).
    assert.deepEqual(waits, [100, 200]);
  });

  it('does not retry a 400, and says what the receiver answered', async () => {
    r.script([{ status: 400, body: '{"error":"Signature invalid"}' }]);
    const waits: number[] = [];
    const result = await deliverWebhook({ url: r.url(), secret, type: 't', data: {}, sleep: recordingSleep(waits) });
    assert.equal(result.delivered, false);
    assert.equal(result.attempts, 1);
    assert.equal(result.status, 400);
    assert.match(result.error ?? '', /HTTP 400.*Signature invalid.*not retried/);
    assert.equal(r.received.length, 1);
    assert.deepEqual(waits, []);
  });

  it('retries 408 like a timeout', async () => {
    r.script([{ status: 408 }]);
    const result = await deliverWebhook({ url: r.url(), secret, type: 't', data: {}, sleep: recordingSleep([]) });
    assert.equal(result.delivered, true);
    assert.equal(result.attempts, 2);
  });

  it('honours Retry-After on a 429 (seconds, through the injected sleep)', async () => {
    r.script([{ status: 429, headers: { 'retry-after': '7' } }]);
    const waits: number[] = [];
    const result = await deliverWebhook({ url: r.url(), secret, type: 't', data: {}, sleep: recordingSleep(waits), random: () => 0.5, baseDelayMs: 1000 });
    assert.equal(result.delivered, true);
    assert.equal(result.attempts, 2);
    // The receiver's 7 s wins over the 0.5 s the backoff would have waited.
    assert.deepEqual(waits, [7000]);
  });

  it('gives up when Retry-After asks for longer than the sender waits', async () => {
    r.script([{ status: 429, headers: { 'retry-after': '3600' } }]);
    const waits: number[] = [];
    const result = await deliverWebhook({ url: r.url(), secret, type: 't', data: {}, sleep: recordingSleep(waits), maxRetryAfterMs: 60_000 });
    assert.equal(result.delivered, false);
    assert.equal(result.attempts, 1);
    assert.match(result.error ?? '', /retry after 3600 s/);
    assert.deepEqual(waits, []);
  });

  it('sends the body given as is for other payload shapes', async () => {
    const body = JSON.stringify({ id: 'evt_1', object: 'event', created_at: 1, type: 'batch.completed', data: { id: 'batch_1' } });
    const result = await postSignedWebhook({ url: r.url(), secret, body, id: 'msg_fixed' });
    assert.equal(result.delivered, true);
    assert.equal(r.received[0].body, body);
    assert.equal(r.received[0].headers['webhook-id'], 'msg_fixed');
  });

  it('reports a URL or a secret it cannot use without sending anything', async () => {
    const badUrl = await deliverWebhook({ url: 'not a url', secret, type: 't', data: {} });
    assert.deepEqual([badUrl.delivered, badUrl.attempts], [false, 0]);
    assert.match(badUrl.error ?? '', /not a URL/);
    const ftp = await deliverWebhook({ url: 'ftp://example.com/x', secret, type: 't', data: {} });
    assert.match(ftp.error ?? '', /http:\/\/ or https:\/\//);
    const badSecret = await deliverWebhook({ url: r.url(), secret: 'whsec_abc', type: 't', data: {} });
    assert.deepEqual([badSecret.delivered, badSecret.attempts], [false, 0]);
    assert.match(badSecret.error ?? '', /base64/);
    assert.equal(r.received.length, 0);
  });

  it('stops waiting when aborted', async () => {
    r.script([{ status: 503 }, { status: 503 }]);
    const stop = new AbortController();
    const result = await deliverWebhook({
      url: r.url(), secret, type: 't', data: {}, signal: stop.signal,
      sleep: async () => {
        stop.abort();
      },
    });
    assert.equal(result.delivered, false);
    assert.equal(result.attempts, 1);
    assert.match(result.error ?? '', /stopped before delivery.*503/);
  });
});

describe('deliverWebhook to a port nobody listens on', () => {
  it('gives delivered:false with the connection error after maxAttempts', async () => {
    // A port that was just free: bind, read it, close.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const waits: number[] = [];
    const result = await deliverWebhook({ url: `http://127.0.0.1:${port}/hook`, secret: newWebhookSecret(), type: 't', data: {}, maxAttempts: 3, sleep: recordingSleep(waits), random: () => 1, baseDelayMs: 10 });
    assert.equal(result.delivered, false);
    assert.equal(result.attempts, 3);
    assert.equal(result.status, undefined);
    assert.match(result.error ?? '', /ECONNREFUSED.*gave up after 3 attempts/);
    assert.deepEqual(waits, [10, 20]);
  });
});

describe('retryAfterOf (RFC 9110 Retry-After)', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    assert.equal(retryAfterOf('12', now), 12_000);
    assert.equal(retryAfterOf('Sun, 01 Mar 2026 12:00:30 GMT', now), 30_000);
    assert.equal(retryAfterOf('Sun, 01 Mar 2026 11:00:00 GMT', now), 0);
    assert.equal(retryAfterOf('soon', now), undefined);
    assert.equal(retryAfterOf(null, now), undefined);
  });
});
