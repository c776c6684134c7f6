import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import { submitJob } from '../../src/jobs/submit';
import { downloadResults } from '../../src/jobs/results';
import { retryFailed } from '../../src/jobs/retry';
import { joinResults } from '../../src/core/results/join';
import { OpenAIProvider } from '../../src/providers/openai';
import { AnthropicProvider } from '../../src/providers/anthropic';
import { GeminiProvider } from '../../src/providers/gemini';
import type { BatchProvider } from '../../src/providers/types';
import { defaultProfile } from '../../src/providers';
import { untilTerminal, writeInput } from './support/providerHarness';
import { runCliCaptured } from '../support/cli';

// Issue 20: the emulator answers `[[truncate]]` cut off at the request's token limit (finish_reason length) the
// first time, and in full once the same custom_id comes back with a higher max_tokens; `[[refuse]]` with a
// refusal (ChatCompletionMessage.refusal, openai-node resources/chat/completions.d.ts); Anthropic and Gemini with their
// own fields (StopReason in @anthropic-ai/sdk resources/messages/messages.d.ts, FinishReason in @google/genai). Batchwise
// flags all of them.

const line = (id: string, text: string, maxTokens: number) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', max_tokens: maxTokens, messages: [{ role: 'user', content: text }] } });

describe('quality gate against the emulator (manual clock)', () => {
  let emu: Emulator;
  let root: string;
  before(async () => {
    emu = await startEmulator({ manualClock: true, tickMs: 20 });
    root = await mkdtemp(join(tmpdir(), 'bw-quality-'));
  });
  after(async () => {
    await emu.close();
    await rm(root, { recursive: true, force: true });
  });

  test('a truncated line resubmitted with a raised max_tokens comes back ok; a refusal is flagged as refused', async () => {
    const dir = await mkdtemp(join(root, 'bw-quality-emu-'));
    const store = new JobStore(join(dir, 'home'));
    const provider = new OpenAIProvider(defaultProfile('openai', `${emu.url}/v1`), 'k', { retry: { baseDelayMs: 1 } });
    const run = async (name: string, lines: string[]) => {
      const job = await submitJob({ store, provider, inputPath: await writeInput(dir, name, lines) });
      const { job: done } = await untilTerminal(store, job, provider, () => emu.clock.tick(1));
      return downloadResults(store, done, provider);
    };

    const first = await run('first.jsonl', [line('long', 'Write an essay about otters [[truncate]]', 8), line('no', 'Do something bad [[refuse]]', 64), line('fine', 'Say hi', 64)]);
    assert.deepEqual(first.summary.quality, { ok: 1, truncated: 1, empty: 0, refused: 1, invalid_json: 0, schema_mismatch: 0 });
    // Recorded on the job, for the completion notice and the tooltip.
    assert.deepEqual(first.job.flagged, { truncated: 1, refused: 1 });
    const records = (await readFile(first.path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { customId: string; quality?: string; qualityReason?: string; raw: { response: { body: { choices: { finish_reason: string }[] } } } });
    const long = records.find((r) => r.customId === 'long')!;
    assert.equal(long.quality, 'truncated');
    assert.equal(long.raw.response.body.choices[0]!.finish_reason, 'length');
    assert.equal(records.find((r) => r.customId === 'no')!.qualityReason, "refusal: I'm sorry, but I can't help with that.");

    // The same custom_id with the limit doubled: the answer is whole.
    const again = await run('again.jsonl', [line('long', 'Write an essay about otters [[truncate]]', 16)]);
    assert.deepEqual(again.summary.quality, { ok: 1, truncated: 0, empty: 0, refused: 0, invalid_json: 0, schema_mismatch: 0 });
    // The same limit again is still cut off.
    const same = await run('same.jsonl', [line('long', 'Write an essay about otters [[truncate]]', 8)]);
    assert.equal(same.summary.quality?.truncated, 1);
  });

  test('Anthropic (stop_reason max_tokens / refusal) and Gemini (finishReason MAX_TOKENS / SAFETY) flag the same way', async () => {
    const dir = await mkdtemp(join(root, 'bw-quality-emu2-'));
    const store = new JobStore(join(dir, 'home'));
    const run = async (provider: BatchProvider, name: string, lines: string[], model?: string) => {
      const job = await submitJob({ store, provider, inputPath: await writeInput(dir, name, lines), ...(model ? { model } : {}) });
      const { job: done } = await untilTerminal(store, job, provider, () => emu.clock.tick(1));
      return (await downloadResults(store, done, provider)).summary.quality;
    };
    const anthropic = new AnthropicProvider(defaultProfile('anthropic', emu.url), 'k', { retry: { baseDelayMs: 1 } });
    const msg = (id: string, text: string, max: number) => JSON.stringify({ custom_id: id, params: { model: 'claude-sonnet-4-5', max_tokens: max, messages: [{ role: 'user', content: text }] } });
    assert.deepEqual(await run(anthropic, 'a1.jsonl', [msg('long', 'An essay about otters [[truncate]]', 8), msg('no', 'Something bad [[refuse]]', 64), msg('ok', 'Hi', 64)]), { ok: 1, truncated: 1, empty: 0, refused: 1, invalid_json: 0, schema_mismatch: 0 });
    assert.equal((await run(anthropic, 'a2.jsonl', [msg('long', 'An essay about otters [[truncate]]', 16)]))?.ok, 1);

    const gemini = new GeminiProvider(defaultProfile('gemini', emu.url), 'k', { retry: { baseDelayMs: 1 } });
    const gem = (key: string, text: string, max: number) => JSON.stringify({ key, request: { contents: [{ role: 'user', parts: [{ text }] }], generationConfig: { maxOutputTokens: max } } });
    assert.deepEqual(await run(gemini, 'g1.jsonl', [gem('long', 'An essay about otters [[truncate]]', 8), gem('no', 'Something bad [[refuse]]', 64), gem('ok', 'Hi', 64)], 'gemini-2.5-flash'), { ok: 1, truncated: 1, empty: 0, refused: 1, invalid_json: 0, schema_mismatch: 0 });
    assert.equal((await run(gemini, 'g2.jsonl', [gem('long', 'An essay about otters [[truncate]]', 16)], 'gemini-2.5-flash'))?.ok, 1);
  });

  test('batchwise retry --only truncated resends just the truncated line with its max_tokens doubled; it comes back ok', async () => {
    const dir = await mkdtemp(join(root, 'bw-quality-retry-'));
    const home = join(dir, 'home');
    const store = new JobStore(home);
    const provider = new OpenAIProvider(defaultProfile('openai', `${emu.url}/v1`), 'k', { retry: { baseDelayMs: 1 } });
    const input = await writeInput(dir, 'in.jsonl', [line('long', 'Write an essay about otters [[truncate]]', 8), line('fine', 'Say hi', 64), line('bad', 'x [[fail]]', 64)]);
    const job = await submitJob({ store, provider, inputPath: input });
    const { job: done } = await untilTerminal(store, job, provider, () => emu.clock.tick(1));
    await downloadResults(store, done, provider);

    const env = { BATCHWISE_HOME: home, OPENAI_API_KEY: 'k', OPENAI_BASE_URL: `${emu.url}/v1`, BATCHWISE_RETRY_BASE_MS: '1' };
    const r = await runCliCaptured(['retry', done.id, '--only', 'truncated', '--json'], { env });
    assert.equal(r.code, 0, r.err);
    const { job: retryId, requests } = JSON.parse(r.out) as { job: string; requests: number };
    assert.equal(requests, 1, 'only the truncated line; the errored one is not in --only');
    const retry = (await store.get(retryId))!;
    assert.deepEqual(JSON.parse((await readFile(retry.inputPath, 'utf8')).trim()).body.max_tokens, 16);
    const { job: retried } = await untilTerminal(store, retry, provider, () => emu.clock.tick(1));
    assert.equal((await downloadResults(store, retried, provider)).summary.quality?.ok, 1);

    const usage = await runCliCaptured(['retry', done.id, '--only', 'truncated,nonsense'], { env });
    assert.equal(usage.code, 2);
    assert.match(usage.err, /--only takes a comma-separated list of failed, truncated, empty, refused, invalid_json, schema_mismatch \(not: nonsense\)/);
  });

  test('a request that asks for JSON: a schema-following answer is ok, [[bad-json]] is invalid_json, a wrong shape is schema_mismatch', async () => {
    const dir = await mkdtemp(join(root, 'bw-quality-json-'));
    const store = new JobStore(join(dir, 'home'));
    const provider = new OpenAIProvider(defaultProfile('openai', `${emu.url}/v1`), 'k', { retry: { baseDelayMs: 1 } });
    // response_format json_schema, as in https://platform.openai.com/docs/guides/structured-outputs.
    const schema = { type: 'object', properties: { label: { type: 'string', enum: ['pos', 'neg'] }, score: { type: 'number' } }, required: ['label', 'score'], additionalProperties: false };
    const ask = (id: string, text: string, s: unknown, strict = true) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', max_tokens: 64, messages: [{ role: 'user', content: text }], response_format: { type: 'json_schema', json_schema: { name: 'label', strict, schema: s } } } });
    // The emulator answers the first schema's smallest instance; judged against a stricter schema it misses.
    const stricter = { ...schema, properties: { ...schema.properties, reason: { type: 'string' } }, required: ['label', 'score', 'reason'] };
    const job = await submitJob({ store, provider, inputPath: await writeInput(dir, 'json.jsonl', [ask('good', 'Classify: great', schema), ask('broken', 'Classify: fine [[bad-json]]', schema, false), ask('constrained', 'Classify: fine [[bad-json]]', schema)]) });
    const { job: done } = await untilTerminal(store, job, provider, () => emu.clock.tick(1));
    const r = await downloadResults(store, done, provider);
    // Strict structured output constrains decoding: [[bad-json]] cannot break it.
    assert.deepEqual(r.summary.quality, { ok: 2, truncated: 0, empty: 0, refused: 0, invalid_json: 1, schema_mismatch: 0 });
    const records = (await readFile(r.path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { customId: string; outputText: string; quality?: string; qualityReason?: string });
    assert.deepEqual(JSON.parse(records.find((x) => x.customId === 'good')!.outputText), { label: 'pos', score: 0 });

    // The emulator answers a schema's smallest instance; a line whose schema needs more than it gave is a mismatch.
    const input = await writeInput(dir, 'strict.jsonl', [ask('good', 'Classify: great', stricter)]);
    const good = records.find((x) => x.customId === 'good')!;
    const out = join(dir, 'strict-results.jsonl');
    const joined = await joinResults({ inputPath: input, outPath: out, jobId: 'j', attempt: 1, results: [{ customId: 'good', outcome: 'succeeded', outputText: good.outputText, raw: {} }] });
    assert.equal(joined.summary.build({ jobId: 'j' }).quality?.schema_mismatch, 1);
    assert.match((JSON.parse((await readFile(out, 'utf8')).trim()) as { qualityReason: string }).qualityReason, /reason/);
  });

  test('an answer that broke its schema, resent with the schema enforced, comes back ok: OpenAI strict, Anthropic strict tool, Gemini JSON mode', async () => {
    const dir = await mkdtemp(join(root, 'bw-quality-enforce-'));
    const store = new JobStore(join(dir, 'home'));
    const schema = { type: 'object', properties: { label: { type: 'string' } }, required: ['label'], additionalProperties: false };
    const cycle = async (provider: BatchProvider, name: string, lines: string[], model?: string) => {
      const job = await submitJob({ store, provider, inputPath: await writeInput(dir, name, lines), ...(model ? { model } : {}) });
      const { job: done } = await untilTerminal(store, job, provider, () => emu.clock.tick(1));
      const first = (await downloadResults(store, done, provider)).summary.quality;
      const r = await retryFailed({ store, job: done, provider, only: new Set(['invalid_json', 'schema_mismatch'] as const), enforceSchema: true });
      assert.ok(r.retryJob, `${name}: a retry was sent (first: ${JSON.stringify(first)})`);
      const sent = JSON.parse((await readFile(r.retryFile, 'utf8')).trim()) as Record<string, unknown>;
      const { job: retried } = await untilTerminal(store, r.retryJob, provider, () => emu.clock.tick(1));
      return { first, sent, schema: r.schema, again: (await downloadResults(store, retried, provider)).summary.quality };
    };

    // ResponseFormatJSONSchema.json_schema.strict (openai resources/shared.d.ts): not strict, [[bad-json]] breaks the answer.
    const openai = new OpenAIProvider(defaultProfile('openai', `${emu.url}/v1`), 'k', { retry: { baseDelayMs: 1 } });
    const o = await cycle(openai, 'o.jsonl', [JSON.stringify({ custom_id: 'x', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', max_tokens: 64, messages: [{ role: 'user', content: 'Label it [[bad-json]]' }], response_format: { type: 'json_schema', json_schema: { name: 'l', schema } } } })]);
    assert.equal(o.first?.invalid_json, 1);
    assert.equal((o.sent.body as { response_format: { json_schema: { strict: boolean } } }).response_format.json_schema.strict, true);
    assert.deepEqual(o.schema, { enforced: 1, asIs: [] });
    assert.equal(o.again?.ok, 1);

    // A tool forced by tool_choice {type: tool} (ToolChoiceTool, @anthropic-ai/sdk messages.d.ts): without `strict` its input misses a required field.
    const anthropic = new AnthropicProvider(defaultProfile('anthropic', emu.url), 'k', { retry: { baseDelayMs: 1 } });
    const a = await cycle(anthropic, 'a.jsonl', [JSON.stringify({ custom_id: 'x', params: { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Label it [[bad-json]]' }], tools: [{ name: 'label', input_schema: schema }], tool_choice: { type: 'tool', name: 'label' } } })]);
    assert.equal(a.first?.schema_mismatch, 1, JSON.stringify(a.first));
    assert.equal((a.sent.params as { tools: { strict: boolean }[] }).tools[0]!.strict, true);
    assert.equal(a.again?.ok, 1);

    // generationConfig.responseSchema applies with responseMimeType application/json (ai.google.dev/gemini-api/docs/structured-output).
    const gemini = new GeminiProvider(defaultProfile('gemini', emu.url), 'k', { retry: { baseDelayMs: 1 } });
    const g = await cycle(gemini, 'g.jsonl', [JSON.stringify({ key: 'x', request: { contents: [{ role: 'user', parts: [{ text: 'Label it' }] }], generationConfig: { responseSchema: schema } } })], 'gemini-2.5-flash');
    assert.equal(g.first?.invalid_json, 1);
    assert.equal((g.sent.request as { generationConfig: { responseMimeType: string } }).generationConfig.responseMimeType, 'application/json');
    assert.equal(g.again?.ok, 1);
  });

  test('batchwise retry --only invalid_json --enforce-schema says which lines went with their schema enforced and why the others did not', async () => {
    const dir = await mkdtemp(join(root, 'bw-quality-enforce-cli-'));
    const home = join(dir, 'home');
    const store = new JobStore(home);
    const provider = new OpenAIProvider(defaultProfile('openai', `${emu.url}/v1`), 'k', { retry: { baseDelayMs: 1 } });
    const schema = { type: 'object', properties: { label: { type: 'string' } }, required: ['label'], additionalProperties: false };
    const body = (format: unknown) => ({ model: 'gpt-4o-mini', max_tokens: 64, messages: [{ role: 'user', content: 'Label it [[bad-json]]' }], response_format: format });
    const input = await writeInput(dir, 'in.jsonl', [
      JSON.stringify({ custom_id: 'schema', method: 'POST', url: '/v1/chat/completions', body: body({ type: 'json_schema', json_schema: { name: 'l', schema } }) }),
      JSON.stringify({ custom_id: 'mode', method: 'POST', url: '/v1/chat/completions', body: body({ type: 'json_object' }) }),
    ]);
    const job = await submitJob({ store, provider, inputPath: input });
    const { job: done } = await untilTerminal(store, job, provider, () => emu.clock.tick(1));
    assert.equal((await downloadResults(store, done, provider)).summary.quality?.invalid_json, 2);

    const env = { BATCHWISE_HOME: home, OPENAI_API_KEY: 'k', OPENAI_BASE_URL: `${emu.url}/v1`, BATCHWISE_RETRY_BASE_MS: '1' };
    const json = await runCliCaptured(['retry', done.id, '--only', 'invalid_json', '--enforce-schema', '--json'], { env });
    assert.equal(json.code, 0, json.err);
    const out = JSON.parse(json.out) as { job: string; requests: number; schema: unknown };
    assert.equal(out.requests, 2);
    assert.deepEqual(out.schema, { enforced: 1, asIs: [{ reason: 'response_format json_object has no schema to enforce', lines: 1 }] });
    const { job: retried } = await untilTerminal(store, (await store.get(out.job))!, provider, () => emu.clock.tick(1));
    // The strict one is whole now; JSON mode without a schema has nothing to constrain it and breaks again.
    assert.deepEqual((await downloadResults(store, retried, provider)).summary.quality, { ok: 1, truncated: 0, empty: 0, refused: 0, invalid_json: 1, schema_mismatch: 0 });
  });
});
