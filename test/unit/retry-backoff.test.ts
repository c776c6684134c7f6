import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { retryAfterOf, toProviderError, withRetry, type RetryInfo } from '../../src/providers/retry';
import { ProviderError } from '../../src/providers/types';
import { downloadLines } from '../../src/providers/streams';

/** An SDK-like HTTP error (status + fetch Headers), as openai / @anthropic-ai/sdk throw. */
function httpError(status: number, headers: Record<string, string> = {}, message = `HTTP ${status}`) {
  return Object.assign(new Error(message), { status, headers: new Headers(headers) });
}

function connectionReset() {
  const err = new Error('Connection error.');
  (err as { cause?: unknown }).cause = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
  return err;
}

function fakeSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe('retry: withRetry', () => {
  it('retries 429 / 5xx / network errors with capped exponential backoff and full jitter', async () => {
    const { waits, sleep } = fakeSleep();
    const errors = [httpError(500), httpError(503), connectionReset(), httpError(429)];
    let calls = 0;
    const value = await withRetry(
      async () => {
        calls++;
        const e = errors.shift();
        if (e) throw e;
        return 'ok';
      },
      { sleep, baseDelayMs: 100, maxDelayMs: 300, random: () => 1 },
    );
    assert.equal(value, 'ok');
    assert.equal(calls, 5);
    assert.deepEqual(waits, [100, 200, 300, 300]);
  });

  it('full jitter: random() scales the whole step', async () => {
    const { waits, sleep } = fakeSleep();
    let n = 0;
    await withRetry(async () => (n++ < 2 ? Promise.reject(httpError(502)) : 1), { sleep, baseDelayMs: 1000, random: () => 0.25 });
    assert.deepEqual(waits, [250, 500]);
  });

  it('honours Retry-After (seconds and HTTP date) and retry-after-ms', async () => {
    const { waits, sleep } = fakeSleep();
    const errs = [httpError(429, { 'retry-after': '7' }), httpError(503, { 'retry-after-ms': '1234' })];
    await withRetry(async () => {
      const e = errs.shift();
      if (e) throw e;
    }, { sleep, baseDelayMs: 1, random: () => 0 });
    assert.deepEqual(waits, [7000, 1234]);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterOf(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now), 5000);
    assert.equal(retryAfterOf({ 'Retry-After': '2' }), 2000);
    assert.equal(retryAfterOf(new Headers({})), undefined);
  });

  it('does not retry 400 / 401 / 404, and throws the provider message as a ProviderError', async () => {
    for (const status of [400, 401, 403, 404, 422]) {
      let calls = 0;
      await assert.rejects(
        withRetry(async () => {
          calls++;
          throw httpError(status, {}, `${status} the provider says no`);
        }, { sleep: async () => undefined }),
        (e: unknown) => e instanceof ProviderError && e.status === status && e.message === `${status} the provider says no`,
      );
      assert.equal(calls, 1, `status ${status}`);
    }
  });

  it('gives up after `retries` and reports the last error', async () => {
    const infos: RetryInfo[] = [];
    let calls = 0;
    await assert.rejects(
      withRetry(async () => {
        calls++;
        throw httpError(500, {}, `fail ${calls}`);
      }, { retries: 2, sleep: async () => undefined, onRetry: (i) => infos.push(i) }),
      /fail 3/,
    );
    assert.equal(calls, 3);
    assert.deepEqual(infos.map((i) => i.attempt), [1, 2]);
  });

  it('does not retry programming errors', async () => {
    let calls = 0;
    await assert.rejects(withRetry(async () => {
      calls++;
      throw new TypeError('x.y is not a function');
    }, { sleep: async () => undefined }));
    assert.equal(calls, 1);
  });

  it('non-idempotent: after an ambiguous failure asks recover first and returns what it found', async () => {
    let creates = 0;
    let lookups = 0;
    const value = await withRetry(
      async () => {
        creates++;
        throw connectionReset();
      },
      { idempotent: false, sleep: async () => undefined, recover: async () => (++lookups, 'found-batch') },
    );
    assert.equal(value, 'found-batch');
    assert.equal(creates, 1);
    assert.equal(lookups, 1);
  });

  it('non-idempotent: recover finding nothing lets it create again; a 429 skips the lookup', async () => {
    let creates = 0;
    let lookups = 0;
    const errs = [httpError(429), connectionReset()];
    const value = await withRetry(
      async () => {
        creates++;
        const e = errs.shift();
        if (e) throw e;
        return 'created';
      },
      { idempotent: false, sleep: async () => undefined, recover: async () => (lookups++, undefined) },
    );
    assert.equal(value, 'created');
    assert.equal(creates, 3);
    assert.equal(lookups, 1);
  });

  it('non-idempotent: looks up after the backoff wait; a failed lookup never creates again', async () => {
    const order: string[] = [];
    let creates = 0;
    await assert.rejects(
      withRetry(
        async () => {
          creates++;
          order.push('create');
          throw connectionReset();
        },
        {
          idempotent: false,
          sleep: async () => void order.push('wait'),
          recover: async () => {
            order.push('lookup');
            throw httpError(503);
          },
        },
      ),
      (e: unknown) => e instanceof ProviderError && e.code === 'ECONNRESET',
    );
    assert.deepEqual(order, ['create', 'wait', 'lookup']);
    assert.equal(creates, 1);
  });

  it('non-idempotent without recover: an ambiguous reset is not repeated, a refused connection is', async () => {
    let calls = 0;
    await assert.rejects(withRetry(async () => {
      calls++;
      throw connectionReset();
    }, { idempotent: false, sleep: async () => undefined }));
    assert.equal(calls, 1);
    let refused = 0;
    const v = await withRetry(async () => {
      if (refused++ === 0) throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
      return 'ok';
    }, { idempotent: false, sleep: async () => undefined });
    assert.equal(v, 'ok');
  });

  it('stops when the signal aborts, during the wait too', async () => {
    const ac = new AbortController();
    let calls = 0;
    const p = withRetry(async () => {
      calls++;
      throw httpError(503);
    }, { signal: ac.signal, baseDelayMs: 60_000, random: () => 1 });
    setImmediate(() => ac.abort());
    await assert.rejects(p, (e: unknown) => (e as Error).name === 'AbortError');
    assert.equal(calls, 1);
  });

  it('a Retry-After longer than we will wait ends the retries', async () => {
    let calls = 0;
    await assert.rejects(withRetry(async () => {
      calls++;
      throw httpError(429, { 'retry-after': '86400' });
    }, { sleep: async () => undefined }), (e: unknown) => e instanceof ProviderError && e.retryAfterMs === 86_400_000);
    assert.equal(calls, 1);
  });

  it('toProviderError keeps status, code and the network cause', () => {
    const e = toProviderError(Object.assign(httpError(400), { code: 'invalid_value' }));
    assert.equal(e.status, 400);
    assert.equal(e.code, 'invalid_value');
    const net = toProviderError(connectionReset());
    assert.equal(net.status, undefined);
    assert.equal(net.code, 'ECONNRESET');
    const anthropicLike = toProviderError(Object.assign(new Error('400 bad'), { status: 400, error: { type: 'error', error: { type: 'invalid_request_error', message: 'bad' } } }));
    assert.equal(anthropicLike.code, 'invalid_request_error');
  });
});

describe('retry: downloadLines resumes a broken download without repeating lines', () => {
  it('skips the lines already yielded when the stream breaks mid-way', async () => {
    let opens = 0;
    const enc = new TextEncoder();
    const open = async (): Promise<AsyncIterable<Uint8Array>> => {
      opens++;
      const first = opens === 1;
      return (async function* () {
        yield enc.encode('l1\nl2\nl');
        if (first) throw Object.assign(new TypeError('terminated'), { cause: { code: 'UND_ERR_SOCKET' } });
        yield enc.encode('3\r\nl4');
      })();
    };
    const got: string[] = [];
    for await (const l of downloadLines(open, { sleep: async () => undefined })) got.push(l);
    assert.deepEqual(got, ['l1', 'l2', 'l3', 'l4']);
    assert.equal(opens, 2);
  });
});
