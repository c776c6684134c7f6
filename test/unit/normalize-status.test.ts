import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicCounts, normalizeAnthropicStatus, normalizeGeminiState, normalizeOpenAIStatus, openAICounts } from '../../src/providers/normalize';
import { aggregateJobStatus } from '../../src/jobs/refresh';
import { parseOpenAIOutputLine } from '../../src/providers/openai';
import { anthropicResult } from '../../src/providers/anthropic';
import { createProvider, defaultProfile, profileForJob } from '../../src/providers';
import type { JobPart } from '../../src/core/jobs/job';
import type { JobStatus } from '../../src/core/status';

describe('normalize: provider states -> Batchwise statuses', () => {
  it('OpenAI statuses map one to one; anything else is unknown, never in_progress', () => {
    for (const s of ['validating', 'in_progress', 'finalizing', 'completed', 'failed', 'expired', 'cancelling', 'cancelled']) assert.equal(normalizeOpenAIStatus(s), s);
    for (const s of ['paused', 'queued', '', undefined, null, 'toString', '__proto__']) assert.equal(normalizeOpenAIStatus(s as string), 'unknown');
  });

  it('OpenAI counts: the rest is processing while running, expired / canceled once ended so', () => {
    const rc = { total: 10, completed: 6, failed: 1 };
    assert.deepEqual(openAICounts(rc, 'in_progress'), { total: 10, succeeded: 6, failed: 1, processing: 3, expired: 0, canceled: 0 });
    assert.deepEqual(openAICounts(rc, 'expired'), { total: 10, succeeded: 6, failed: 1, processing: 0, expired: 3, canceled: 0 });
    assert.deepEqual(openAICounts(rc, 'cancelled'), { total: 10, succeeded: 6, failed: 1, processing: 0, expired: 0, canceled: 3 });
    assert.deepEqual(openAICounts(undefined, 'validating'), { total: 0, succeeded: 0, failed: 0, processing: 0, expired: 0, canceled: 0 });
  });

  it('Anthropic ended -> cancelled / expired / completed by the counts', () => {
    const c = (x: Partial<Record<'processing' | 'succeeded' | 'errored' | 'canceled' | 'expired', number>>) => ({ processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0, ...x });
    assert.equal(normalizeAnthropicStatus('in_progress', c({ processing: 3 })), 'in_progress');
    assert.equal(normalizeAnthropicStatus('canceling', c({ processing: 3 })), 'cancelling');
    assert.equal(normalizeAnthropicStatus('ended', c({ succeeded: 3 })), 'completed');
    assert.equal(normalizeAnthropicStatus('ended', c({ errored: 3 })), 'completed');
    assert.equal(normalizeAnthropicStatus('ended', c({ canceled: 3 })), 'cancelled');
    assert.equal(normalizeAnthropicStatus('ended', c({ succeeded: 2, canceled: 1 })), 'cancelled');
    assert.equal(normalizeAnthropicStatus('ended', c({ expired: 3 })), 'expired');
    assert.equal(normalizeAnthropicStatus('ended', c({ succeeded: 5, expired: 1 })), 'expired');
    assert.equal(normalizeAnthropicStatus('ended', c({ canceled: 1, expired: 1 })), 'cancelled');
    assert.equal(normalizeAnthropicStatus('archived', c({ succeeded: 1 })), 'unknown');
    assert.deepEqual(anthropicCounts(c({ processing: 1, succeeded: 2, errored: 3, canceled: 4, expired: 5 })), { total: 15, succeeded: 2, failed: 3, processing: 1, expired: 5, canceled: 4 });
  });

  it('Gemini: every JOB_STATE_* has a status; unknown values stay unknown', () => {
    const expected: Record<string, JobStatus> = {
      JOB_STATE_UNSPECIFIED: 'unknown',
      JOB_STATE_QUEUED: 'validating',
      JOB_STATE_PENDING: 'validating',
      JOB_STATE_RUNNING: 'in_progress',
      JOB_STATE_UPDATING: 'in_progress',
      JOB_STATE_PAUSED: 'in_progress',
      JOB_STATE_SUCCEEDED: 'completed',
      JOB_STATE_PARTIALLY_SUCCEEDED: 'completed',
      JOB_STATE_FAILED: 'failed',
      JOB_STATE_CANCELLING: 'cancelling',
      JOB_STATE_CANCELLED: 'cancelled',
      JOB_STATE_EXPIRED: 'expired',
      BATCH_STATE_SOMETHING_NEW: 'unknown',
    };
    for (const [raw, status] of Object.entries(expected)) assert.equal(normalizeGeminiState(raw), status, raw);
  });
});

describe('aggregateJobStatus: job status from its parts', () => {
  const part = (status: JobStatus, counts: Partial<JobPart['counts']> = {}, rawStatus?: string): JobPart => ({
    index: 0,
    remoteId: 'x',
    status,
    ...(rawStatus ? { rawStatus } : {}),
    lineStart: 1,
    lineEnd: 1,
    requests: 2,
    counts: { total: 2, succeeded: 0, failed: 0, processing: 0, expired: 0, canceled: 0, ...counts },
    errors: [],
  });

  it('running parts decide while any runs', () => {
    assert.equal(aggregateJobStatus([part('validating'), part('validating')]).status, 'validating');
    assert.equal(aggregateJobStatus([part('completed', { succeeded: 2 }), part('validating')]).status, 'in_progress');
    assert.equal(aggregateJobStatus([part('finalizing'), part('completed', { succeeded: 2 })]).status, 'finalizing');
    assert.equal(aggregateJobStatus([part('in_progress'), part('cancelling')]).status, 'cancelling');
    const u = aggregateJobStatus([part('in_progress'), part('unknown', {}, 'weird_state')]);
    assert.deepEqual([u.status, u.rawStatus], ['unknown', 'weird_state']);
  });

  it('ended parts: failed > cancelled > expired > completed; all lines failed is failed', () => {
    assert.equal(aggregateJobStatus([part('completed', { succeeded: 2 }), part('failed')]).status, 'failed');
    assert.equal(aggregateJobStatus([part('completed', { succeeded: 2 }), part('cancelled', { canceled: 2 })]).status, 'cancelled');
    assert.equal(aggregateJobStatus([part('completed', { succeeded: 2 }), part('expired', { succeeded: 1, expired: 1 })]).status, 'expired');
    assert.equal(aggregateJobStatus([part('completed', { succeeded: 1, failed: 1 })]).status, 'completed');
    assert.equal(aggregateJobStatus([part('completed', { failed: 2 }), part('completed', { failed: 2 })]).status, 'failed');
    const { counts } = aggregateJobStatus([part('completed', { succeeded: 2 }), part('completed', { succeeded: 1, failed: 1 })]);
    assert.deepEqual(counts, { total: 4, succeeded: 3, failed: 1, processing: 0, expired: 0, canceled: 0 });
  });
});

describe('normalize: result lines -> ProviderResult', () => {
  it('OpenAI output / error file lines', () => {
    const ok = parseOpenAIOutputLine(JSON.stringify({ id: 'r1', custom_id: 'a', response: { status_code: 200, body: { choices: [{ message: { content: 'Bonjour' } }], usage: { prompt_tokens: 5, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 1 } } } }, error: null }));
    assert.deepEqual([ok.customId, ok.outcome, ok.outputText, ok.usage], ['a', 'succeeded', 'Bonjour', { inputTokens: 5, outputTokens: 2, cachedTokens: 1 }]);
    const responses = parseOpenAIOutputLine(JSON.stringify({ custom_id: 'r', response: { status_code: 200, body: { output: [{ type: 'message', content: [{ type: 'output_text', text: 'Hi' }] }], usage: { input_tokens: 3, output_tokens: 1 } } }, error: null }));
    assert.equal(responses.outputText, 'Hi');
    const http = parseOpenAIOutputLine(JSON.stringify({ custom_id: 'b', response: { status_code: 400, body: { error: { message: 'bad model', code: 'model_not_found' } } }, error: null }));
    assert.deepEqual([http.outcome, http.errorCode, http.errorMessage], ['errored', 'model_not_found', 'bad model']);
    const expired = parseOpenAIOutputLine(JSON.stringify({ custom_id: 'c', response: null, error: { code: 'batch_expired', message: 'late' } }));
    assert.equal(expired.outcome, 'expired');
    const cancelled = parseOpenAIOutputLine(JSON.stringify({ custom_id: 'd', response: null, error: { code: 'batch_cancelled', message: 'x' } }));
    assert.equal(cancelled.outcome, 'canceled');
    const vllm = parseOpenAIOutputLine(JSON.stringify({ custom_id: 'e', response: { status_code: 400, body: null }, error: 'URL /v1/x was used' }));
    assert.equal(vllm.outcome, 'errored');
    assert.equal(parseOpenAIOutputLine('{torn').customId, '');
    assert.equal(parseOpenAIOutputLine('{"no":"id"}').outcome, 'errored');
  });

  it('Anthropic results: text blocks joined, error type kept', () => {
    const ok = anthropicResult({ custom_id: 'a', result: { type: 'succeeded', message: { content: [{ type: 'text', text: 'Hel', citations: null }, { type: 'text', text: 'lo', citations: null }], usage: { input_tokens: 4, output_tokens: 2, cache_read_input_tokens: 3, cache_creation_input_tokens: 0 } } } } as never);
    assert.deepEqual([ok.outcome, ok.outputText, ok.usage], ['succeeded', 'Hello', { inputTokens: 7, outputTokens: 2, cachedTokens: 3 }]);
    const err = anthropicResult({ custom_id: 'b', result: { type: 'errored', error: { type: 'error', error: { type: 'overloaded_error', message: 'busy' }, request_id: null } } } as never);
    assert.deepEqual([err.outcome, err.errorCode, err.errorMessage], ['errored', 'overloaded_error', 'busy']);
    assert.equal(anthropicResult({ custom_id: 'c', result: { type: 'expired' } } as never).outcome, 'expired');
    assert.equal(anthropicResult({ custom_id: 'd', result: { type: 'canceled' } } as never).outcome, 'canceled');
  });
});

describe('providers/index: profiles', () => {
  it('defaultProfile names a profile after the provider, or provider@host with a base URL', () => {
    assert.deepEqual(defaultProfile('openai'), { name: 'openai', provider: 'openai' });
    assert.deepEqual(defaultProfile('anthropic', 'http://127.0.0.1:4010'), { name: 'anthropic@127.0.0.1:4010', provider: 'anthropic', baseUrl: 'http://127.0.0.1:4010' });
    const job = { profile: 'work', provider: 'openai', baseUrl: 'https://proxy.example/v1' } as never;
    assert.equal(profileForJob(job, [{ name: 'work', provider: 'openai' }]).name, 'work');
    assert.equal(profileForJob(job, [{ name: 'other', provider: 'openai', baseUrl: 'https://proxy.example/v1/' }]).name, 'other');
    assert.deepEqual(profileForJob(job, []), { name: 'work', provider: 'openai', baseUrl: 'https://proxy.example/v1' });
    // Without a base URL there is nothing to match by URL: an unknown name is not given another profile's key.
    assert.deepEqual(profileForJob({ profile: 'gone', provider: 'openai' }, [{ name: 'team', provider: 'openai' }]), { name: 'gone', provider: 'openai' });
    assert.throws(() => createProvider(defaultProfile('openai'), undefined), /OPENAI_API_KEY/);
    assert.equal(createProvider(defaultProfile('gemini'), 'k').id, 'gemini');
  });
});
