/* eslint-disable @typescript-eslint/no-explicit-any -- the assertions dig into converted JSON of three shapes */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertFile, convertLine, defaultOutPath, DEFAULT_ANTHROPIC_MAX_TOKENS } from '../../src/core/convert';

const openai = {
  custom_id: 'req-1',
  method: 'POST',
  url: '/v1/chat/completions',
  body: {
    model: 'gpt-4o',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'developer', content: 'Answer in French.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Salut' },
      { role: 'user', content: [{ type: 'text', text: 'Describe' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
    ],
    max_tokens: 256,
    temperature: 0.3,
    top_p: 0.9,
    stop: ['###'],
  },
};

function ok(r: ReturnType<typeof convertLine>) {
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.value as any;
}

test('OpenAI -> Anthropic: system messages become `system`, parts and settings map', () => {
  const a = ok(convertLine(openai, { to: 'anthropic', model: 'claude-haiku-4-5' }));
  assert.equal(a.custom_id, 'req-1');
  assert.equal(a.params.model, 'claude-haiku-4-5');
  assert.equal(a.params.system, 'Be brief.\n\nAnswer in French.');
  assert.equal(a.params.max_tokens, 256);
  assert.equal(a.params.temperature, 0.3);
  assert.equal(a.params.top_p, 0.9);
  assert.deepEqual(a.params.stop_sequences, ['###']);
  assert.deepEqual(a.params.messages.map((m: any) => m.role), ['user', 'assistant', 'user']);
  assert.deepEqual(a.params.messages[2].content[1], { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } });
  assert.equal(a.params.messages.some((m: any) => m.role === 'system'), false);
});

test('max_tokens is added where Anthropic needs it: from max_completion_tokens, else the default', () => {
  const mct = ok(convertLine({ ...openai, body: { model: 'o3', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 77 } }, { to: 'anthropic' }));
  assert.equal(mct.params.max_tokens, 77);
  const none = ok(convertLine({ ...openai, body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] } }, { to: 'anthropic' }));
  assert.equal(none.params.max_tokens, DEFAULT_ANTHROPIC_MAX_TOKENS);
  const custom = ok(convertLine({ ...openai, body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] } }, { to: 'anthropic', defaultMaxTokens: 50 }));
  assert.equal(custom.params.max_tokens, 50);
});

test('Anthropic -> OpenAI: system becomes the first message; o-series gets max_completion_tokens', () => {
  const line = { custom_id: 'c1', params: { model: 'claude-sonnet-4-5', max_tokens: 100, system: [{ type: 'text', text: 'S1' }], messages: [{ role: 'user', content: 'Q' }], top_k: 5 } };
  const o = ok(convertLine(line, { to: 'openai', model: 'gpt-4.1' }));
  assert.deepEqual(o.body.messages, [{ role: 'system', content: 'S1' }, { role: 'user', content: 'Q' }]);
  assert.equal(o.body.max_tokens, 100);
  assert.equal(o.url, '/v1/chat/completions');
  assert.equal(o.method, 'POST');
  const r = ok(convertLine(line, { to: 'openai', model: 'o4-mini' }));
  assert.equal(r.body.max_completion_tokens, 100);
  assert.equal(r.body.max_tokens, undefined);
});

test('OpenAI -> Gemini: systemInstruction, roles user/model, generationConfig, custom_id -> key', () => {
  const g = ok(convertLine(openai, { to: 'gemini', model: 'gemini-2.5-flash' }));
  assert.equal(g.key, 'req-1');
  assert.equal(g.request.model, 'gemini-2.5-flash');
  assert.deepEqual(g.request.systemInstruction, { parts: [{ text: 'Be brief.\n\nAnswer in French.' }] });
  assert.deepEqual(g.request.contents.map((c: any) => c.role), ['user', 'model', 'user']);
  assert.deepEqual(g.request.contents[2].parts[1], { inlineData: { mimeType: 'image/png', data: 'AAAA' } });
  assert.deepEqual(g.request.generationConfig, { maxOutputTokens: 256, temperature: 0.3, topP: 0.9, stopSequences: ['###'] });
});

test('Gemini -> Anthropic and OpenAI: key -> custom_id, snake_case accepted, model/ prefix dropped', () => {
  const line = { key: 'g-1', request: { model: 'models/gemini-2.5-pro', system_instruction: { parts: [{ text: 'Sys' }] }, contents: [{ role: 'user', parts: [{ text: 'Q' }] }, { role: 'model', parts: [{ text: 'A' }] }], generation_config: { max_output_tokens: 10, stop_sequences: ['x'] } } };
  const a = ok(convertLine(line, { to: 'anthropic' }));
  assert.equal(a.custom_id, 'g-1');
  assert.equal(a.params.model, 'gemini-2.5-pro');
  assert.equal(a.params.system, 'Sys');
  assert.equal(a.params.max_tokens, 10);
  assert.deepEqual(a.params.messages, [{ role: 'user', content: 'Q' }, { role: 'assistant', content: 'A' }]);
  const o = ok(convertLine(line, { to: 'openai', model: 'gpt-4o' }));
  assert.deepEqual(o.body.stop, ['x']);
});

test('round trips keep the request: OpenAI -> Anthropic -> OpenAI and OpenAI -> Gemini -> OpenAI', () => {
  const simple = { custom_id: 'rt', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o', messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'U' }, { role: 'assistant', content: 'A' }, { role: 'user', content: 'U2' }], max_tokens: 12, temperature: 0.5, stop: ['z'] } };
  for (const via of ['anthropic', 'gemini'] as const) {
    const mid = ok(convertLine(simple, { to: via }));
    const back = ok(convertLine(mid, { to: 'openai' }));
    assert.deepEqual(back, simple, via);
  }
  const anth = { custom_id: 'rt2', params: { model: 'claude-haiku-4-5', max_tokens: 9, system: 'S', messages: [{ role: 'user', content: 'hi' }], temperature: 1 } };
  assert.deepEqual(ok(convertLine(ok(convertLine(anth, { to: 'gemini' })), { to: 'anthropic' })), anth);
});

test('unconvertible lines say why', () => {
  const cases: [unknown, RegExp][] = [
    [{ custom_id: 'e', method: 'POST', url: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: 'x' } }, /chat completions/],
    [{ ...openai, body: { ...openai.body, tools: [] } }, /tool/],
    [{ ...openai, body: { model: 'gpt-4o', messages: [{ role: 'tool', content: 'x', tool_call_id: 't' }] } }, /role "tool"/],
    [{ ...openai, custom_id: 'has space' }, /custom_id/],
    [{ hello: 1 }, /not a batch request/],
    [{ ...openai, body: { messages: [{ role: 'user', content: 'x' }] } }, /--model/],
  ];
  for (const [line, why] of cases) {
    const r = convertLine(line, { to: 'anthropic' });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.reason, why);
  }
  const url = convertLine({ ...openai, body: { model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] } }, { to: 'gemini' });
  assert.equal(url.ok, false);
});

test('convertFile streams, reports bad lines with their numbers, keeps going, and writes atomically', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-conv-'));
  const input = join(dir, 'batch.openai.jsonl');
  const good = (id: string) => JSON.stringify({ ...openai, custom_id: id });
  await writeFile(input, [good('a'), '{broken', '', JSON.stringify({ custom_id: 'e', method: 'POST', url: '/v1/embeddings', body: {} }), good('b')].join('\n') + '\n');
  const out = defaultOutPath(input, 'anthropic');
  assert.equal(out, join(dir, 'batch.anthropic.jsonl'));
  const r = await convertFile(input, out, { to: 'anthropic', model: 'claude-haiku-4-5' });
  assert.equal(r.lines, 4);
  assert.equal(r.converted, 2);
  assert.equal(r.failed, 2);
  assert.deepEqual(r.problems.map((p) => p.line), [2, 4]);
  const written = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(written.map((l) => l.custom_id), ['a', 'b']);
  assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.tmp')), []);
});
