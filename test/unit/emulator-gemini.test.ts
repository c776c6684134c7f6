import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Clock, TERMINAL_TICK, expiryOf } from '../../src/emulator/clock';
import { MarkerMemory } from '../../src/emulator/markers';
import { GEMINI_WINDOW_MS, operationObject, resultFileLines, viewGeminiBatch, type GeminiBatch } from '../../src/emulator/gemini/batches';
import { parseFileRequests, parseInlineRequests } from '../../src/emulator/gemini/requests';
import { replyText } from '../../src/emulator/replies';
import { HttpError } from '../../src/emulator/http';

const TICK = 100;

function fakeClock() {
  let now = 1_000_000;
  return { clock: new Clock(TICK, () => now), set: (ticks: number) => (now = 1_000_000 + ticks * TICK) };
}

function req(text: string) {
  return { contents: [{ role: 'user', parts: [{ text }] }] };
}

function batch(texts: string[], extra: Partial<GeminiBatch> = {}): GeminiBatch {
  const requests = parseInlineRequests('generate', texts.map((t, i) => ({ request: req(t), metadata: { key: `k${i}` } })), new MarkerMemory(), 'b1');
  const stalls = requests.some((r) => r.outcome === 'expire');
  const expiresMs = expiryOf(new Clock(TICK), 1_000_000, GEMINI_WINDOW_MS, stalls);
  return { id: 'b1', seq: 1, kind: 'generate', model: 'models/gemini-2.5-flash', displayName: 'd', createdMs: 1_000_000, expiresMs, stalls, requests, ...extra };
}

function stats(b: GeminiBatch, clock: Clock) {
  return ((operationObject(b, clock).metadata as Record<string, unknown>).batchStats) as Record<string, string>;
}

describe('emulator Gemini batch lifecycle', () => {
  it('goes PENDING -> RUNNING (counts grow) -> SUCCEEDED on the clock', () => {
    const { clock, set } = fakeClock();
    const b = batch(Array.from({ length: 6 }, (_, i) => `Uppercase: ${i}`));
    set(0);
    assert.equal(viewGeminiBatch(b, clock).state, 'BATCH_STATE_PENDING');
    assert.deepEqual(stats(b, clock), { requestCount: '6', pendingRequestCount: '6' });
    assert.equal(operationObject(b, clock).done, undefined);
    set(3);
    assert.equal(viewGeminiBatch(b, clock).state, 'BATCH_STATE_RUNNING');
    assert.deepEqual(stats(b, clock), { requestCount: '6', successfulRequestCount: '2', pendingRequestCount: '4' });
    set(TERMINAL_TICK);
    const op = operationObject(b, clock);
    assert.equal(op.done, true);
    assert.equal((op.metadata as { state: string }).state, 'BATCH_STATE_SUCCEEDED');
    assert.deepEqual(stats(b, clock), { requestCount: '6', successfulRequestCount: '6' });
    const out = (op.response as { inlinedResponses: { inlinedResponses: { metadata: { key: string }; response: { candidates: { content: { parts: { text: string }[] } }[] } }[] } }).inlinedResponses.inlinedResponses;
    assert.deepEqual(out.map((r) => r.metadata.key), ['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
    assert.equal(out[3].response.candidates[0].content.parts[0].text, replyText('Uppercase: 3'));
    assert.deepEqual((op.metadata as { output: unknown }).output, { inlinedResponses: { inlinedResponses: out } });
  });

  // Gemini Batch Mode docs (ai.google.dev/gemini-api/docs/batch-mode): jobs still pending or running after 48 h
  // expire, and an expired job has no results to retrieve.
  it('ends EXPIRED at its expiry with no responses to retrieve', () => {
    const { clock, set } = fakeClock();
    const b = batch(['a', 'b [[expire]]', 'c [[fail]]']);
    set(TERMINAL_TICK - 1);
    assert.equal(viewGeminiBatch(b, clock).state, 'BATCH_STATE_RUNNING', 'still running until its expiry');
    set(TERMINAL_TICK);
    assert.equal(viewGeminiBatch(b, clock).state, 'BATCH_STATE_EXPIRED');
    assert.deepEqual(stats(b, clock), { requestCount: '3', successfulRequestCount: '1', failedRequestCount: '1', pendingRequestCount: '1' });
    const op = operationObject(b, clock);
    assert.equal(op.done, true);
    assert.equal(op.response, undefined);
    assert.equal((op.metadata as { output?: unknown }).output, undefined);
  });

  it('expires a batch that has not ended 48 h after creation, at that moment', () => {
    let now = 1_000_000;
    const slowClock = new Clock(10 * 3600 * 1000, () => now); // 8 ticks = 80 h: cannot finish within 48 h
    const b = batch(['a', 'b']);
    now = 1_000_000 + GEMINI_WINDOW_MS - 1;
    assert.equal(viewGeminiBatch(b, slowClock).state, 'BATCH_STATE_RUNNING');
    now = 1_000_000 + GEMINI_WINDOW_MS;
    const view = viewGeminiBatch(b, slowClock);
    assert.equal(view.state, 'BATCH_STATE_EXPIRED');
    assert.equal(view.terminalMs, 1_000_000 + GEMINI_WINDOW_MS);
  });

  it('leaves inlined responses out of batches.list, and keeps them on a get', () => {
    const { clock, set } = fakeClock();
    const b = batch(['a', 'b']);
    set(TERMINAL_TICK);
    const listed = operationObject(b, clock, { listed: true });
    assert.equal(JSON.stringify(listed).includes('inlinedResponses'), false);
    assert.deepEqual((listed.metadata as { batchStats: unknown }).batchStats, { requestCount: '2', successfulRequestCount: '2' });
    assert.equal(((operationObject(b, clock).response as { inlinedResponses: { inlinedResponses: unknown[] } }).inlinedResponses.inlinedResponses).length, 2);
  });

  it('cancels at once, keeping what ran before the cancel', () => {
    const { clock, set } = fakeClock();
    const b = batch(Array.from({ length: 6 }, (_, i) => `t${i}`));
    set(4);
    b.cancelMs = clock.now();
    for (const t of [4, 5, 20]) {
      set(t);
      assert.equal(viewGeminiBatch(b, clock).state, 'BATCH_STATE_CANCELLED');
      assert.deepEqual(stats(b, clock), { requestCount: '6', successfulRequestCount: '3', pendingRequestCount: '3' });
    }
    assert.equal((operationObject(b, clock).metadata as { endTime: string }).endTime, new Date(1_000_000 + 4 * TICK).toISOString());
  });

  it('fails a batch with a failure after PENDING, with an operation error and no output', () => {
    const { clock, set } = fakeClock();
    const b = batch(['unused'], { requests: [], failure: 'Input file line 2: not valid JSON.', inputFile: 'files/x' });
    set(0);
    assert.equal(viewGeminiBatch(b, clock).state, 'BATCH_STATE_PENDING');
    set(1);
    const op = operationObject(b, clock);
    assert.equal((op.metadata as { state: string }).state, 'BATCH_STATE_FAILED');
    assert.deepEqual(op.error, { code: 3, message: 'Input file line 2: not valid JSON.' });
    assert.equal(op.response, undefined);
    assert.equal((op.metadata as { output?: unknown }).output, undefined);
  });

  it('writes file results as {key, response|error} lines and names the result file', () => {
    const { clock, set } = fakeClock();
    const parsed = parseFileRequests('generate', [
      { line: 1, text: JSON.stringify({ key: 'x', request: req('Uppercase: x') }) },
      { line: 2, text: '' },
      { line: 3, text: JSON.stringify({ key: 7, request: req('y [[fail]]') }) },
    ], new MarkerMemory());
    assert.ok(Array.isArray(parsed));
    const b: GeminiBatch = { id: 'f1', seq: 1, kind: 'generate', model: 'models/m', displayName: '', createdMs: 1_000_000, expiresMs: 1_000_000 + GEMINI_WINDOW_MS, stalls: false, requests: parsed, inputFile: 'files/in' };
    set(TERMINAL_TICK);
    const lines = [...resultFileLines(b, viewGeminiBatch(b, clock))].map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => l.key), ['x', '7']);
    assert.ok(lines[0].response);
    assert.equal((lines[1].error as { code: number }).code, 3);
    const op = operationObject(b, clock);
    assert.deepEqual((op.metadata as { output: unknown }).output, { responsesFile: 'files/batch-f1' });
    assert.equal((op.response as { responsesFile: string }).responsesFile, 'files/batch-f1');
  });

  it('names the first bad line of an input file, and rejects bad inline requests with a 400', () => {
    const m = new MarkerMemory();
    assert.match(String(parseFileRequests('generate', [{ line: 1, text: '{"key":"a","request":{"contents":[]}}' }], m)), /line 1: contents/);
    assert.match(String(parseFileRequests('generate', [{ line: 4, text: '{"request":{}}' }], m)), /line 4: "key" is required/);
    assert.match(String(parseFileRequests('generate', [{ line: 1, text: '' }], m)), /no requests/);
    assert.throws(() => parseInlineRequests('generate', [{ request: req('ok') }, { metadata: { key: 'x' } }], m, 'b'), (e: unknown) => e instanceof HttpError && e.status === 400 && /requests\[1\]/.test(e.message));
    assert.throws(() => parseInlineRequests('generate', [], m, 'b'), HttpError);
  });
});
