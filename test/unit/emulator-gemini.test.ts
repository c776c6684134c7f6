import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Clock, TERMINAL_TICK, expiryOf } from '../../src/emulator/clock';
import { MarkerMemory } from '../../src/emulator/markers';
import { GEMINI_WINDOW_MS, operationObject, resultFileLines, viewGeminiBatch, type GeminiBatch } from '../../src/emulator/gemini/batches';
import { parseFileRequests, parseInlineRequests } from '../../src/emulator/gemini/requests';
import { approxTokens, replyText } from '../../src/emulator/replies';
import { validateText } from '../../src/core/validate';
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
      { line: 3, text: JSON.stringify({ key: '7', request: req('y [[fail]]') }) },
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

  // The Batch Mode docs (ai.google.dev/gemini-api/docs/batch-mode) give each file line "a user-defined key" as a string;
  // Batchwise's validator (src/core/rules/common.ts, invalid-custom-id) rejects any other type, and the emulator agrees.
  it('fails a file batch on a numeric key, naming the line, where the validator reports invalid-custom-id', () => {
    const bad = JSON.stringify({ key: 7, request: req('Uppercase: seven') });
    const parsed = parseFileRequests('generate', [{ line: 1, text: JSON.stringify({ key: 'a', request: req('ok') }) }, { line: 2, text: bad }], new MarkerMemory());
    assert.equal(parsed, 'Input file line 2: "key" must be a string, got the number 7.');
    const issues = validateText(`${JSON.stringify({ key: 'a', request: req('ok') })}\n${bad}\n`, { provider: 'gemini' }).diagnostics;
    assert.deepEqual(issues.map((d) => [d.line, d.code]), [[2, 'invalid-custom-id']]);
  });

  // InlinedRequest.metadata is Record<string, string> in @google/genai dist/genai.d.ts: a number is not a key.
  it('rejects an inline request whose metadata.key is a number with a 400 naming it', () => {
    assert.throws(
      () => parseInlineRequests('generate', [{ request: req('ok'), metadata: { key: 'a' } }, { request: req('ok'), metadata: { key: 7 } }], new MarkerMemory(), 'b'),
      (e: unknown) => e instanceof HttpError && e.status === 400 && e.message === 'batch.input_config.requests.requests[1].metadata.key: must be a string.',
    );
  });

  // SingleEmbedContentResponse in @google/genai dist/genai.d.ts: `{ embedding?: ContentEmbedding; tokenCount?: string }`.
  it('gives embedding answers a tokenCount (an int64 string), in result files and inline', () => {
    const { clock, set } = fakeClock();
    const embed = (text: string) => ({ content: { parts: [{ text }] } });
    const parsed = parseFileRequests('embed', [{ line: 1, text: JSON.stringify({ key: 'e', request: embed('alpha beta gamma') }) }], new MarkerMemory());
    assert.ok(Array.isArray(parsed));
    const base = { seq: 1, kind: 'embed' as const, model: 'models/gemini-embedding-001', displayName: '', createdMs: 1_000_000, expiresMs: 1_000_000 + GEMINI_WINDOW_MS, stalls: false };
    const file: GeminiBatch = { ...base, id: 'e1', requests: parsed, inputFile: 'files/in' };
    set(TERMINAL_TICK);
    const [line] = [...resultFileLines(file, viewGeminiBatch(file, clock))].map((l) => JSON.parse(l) as { response: { tokenCount?: unknown; embedding: { values: number[] } } });
    assert.equal(line!.response.tokenCount, String(approxTokens('alpha beta gamma')));
    assert.equal(line!.response.embedding.values.length, 8);

    const inline: GeminiBatch = { ...base, id: 'e2', requests: parseInlineRequests('embed', [{ request: embed('delta') }], new MarkerMemory(), 'e2') };
    const op = operationObject(inline, clock) as { response: { inlinedResponses: { inlinedResponses: { response: { tokenCount?: unknown } }[] } } };
    assert.equal(op.response.inlinedResponses.inlinedResponses[0]!.response.tokenCount, String(approxTokens('delta')));
  });
});
