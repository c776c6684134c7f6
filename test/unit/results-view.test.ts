import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RowQuery } from '../../src/core/results/rowQuery';
import { mergeChain } from '../../src/core/results/merge';
import { joinResults } from '../../src/core/results/join';
import type { ProviderResult } from '../../src/core/results/record';
import type { Job } from '../../src/core/jobs/job';
import { conversationOf } from '../../src/core/results/conversation';
import { checkJsonSchema, parseJsonOutput } from '../../src/core/results/schemaCheck';
import { rowsFromResultsFile } from '../../src/core/results/standalone';
import { rowDetail } from '../../src/core/results/detail';

/** A small job on disk: its input and its results.jsonl, as joinResults writes them, merged into rows. */
async function smallJob(outputs: { outcome: 'succeeded' | 'errored' | 'missing' | 'expired'; out?: string; tokens?: number; input?: string }[]) {
  const dir = await mkdtemp(join(tmpdir(), 'bw-view-'));
  const inputPath = join(dir, 'in.jsonl');
  await writeFile(inputPath, outputs.map((o, i) => JSON.stringify({ custom_id: `id-${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: o.input ?? `input ${i}` }] } })).join('\n') + '\n');
  const results: ProviderResult[] = outputs.flatMap((o, i): ProviderResult[] =>
    o.outcome === 'missing' ? [] : [{ customId: `id-${i}`, outcome: o.outcome, raw: { said: o.out ?? 'nothing' }, ...(o.outcome === 'succeeded' ? { outputText: o.out } : { errorCode: 'e', errorMessage: `failed ${i}` }), ...(o.tokens !== undefined ? { usage: { inputTokens: o.tokens, outputTokens: 0 } } : {}) }],
  );
  const resultsPath = join(dir, 'results.jsonl');
  await joinResults({ inputPath, outPath: resultsPath, results, jobId: 'j', attempt: 1 });
  const t = new Date().toISOString();
  const job: Job = { version: 1, id: 'j', name: 'n', provider: 'openai', profile: 'openai', endpoint: null, model: 'm', inputPath, inputSha256: 'x', inputLines: 0, requests: 0, parts: [], attempt: 1, status: 'completed', createdAt: t, updatedAt: t, resultsPath };
  return { inputPath, chain: await mergeChain(job, [job]) };
}

test('row query: filter failed, search over id and text, sort, pages', async () => {
  const { inputPath, chain } = await smallJob([{ outcome: 'succeeded', out: 'Bonjour', tokens: 5 }, { outcome: 'errored' }, { outcome: 'succeeded', out: 'Hello world', tokens: 9 }, { outcome: 'missing' }, { outcome: 'expired' }]);
  const q = new RowQuery(chain.rows, inputPath);
  const base = { filter: 'all' as const, search: '', sort: { key: 'line' as const, dir: 'asc' as const } };
  assert.deepEqual([...(await q.indices({ ...base, filter: 'failed' }))], [1, 3, 4]);
  assert.deepEqual([...(await q.indices({ ...base, search: 'WORLD' }))], [2]);
  assert.deepEqual([...(await q.indices({ ...base, search: 'id-3' }))], [3]);
  assert.deepEqual([...(await q.indices({ ...base, search: 'o w' }))], [2], 'spaces and case are matched literally');
  assert.deepEqual([...(await q.indices({ ...base, search: '(.*' }))], [], 'regex characters are plain text');
  assert.deepEqual([...(await q.indices({ ...base, search: 'failed 4' }))], [4], 'error messages are searched');
  assert.deepEqual([...(await q.indices({ ...base, search: 'said' }))], [], 'field names and raw responses are not text');
  assert.deepEqual([...(await q.indices({ ...base, sort: { key: 'tokens', dir: 'desc' } }))].slice(0, 2), [2, 0]);
  assert.deepEqual([...(await q.indices({ ...base, sort: { key: 'line', dir: 'desc' } }))], [4, 3, 2, 1, 0]);
  const page = await q.page(base, 1, 2);
  assert.equal(page.total, 5);
  assert.deepEqual(page.rows.map((r) => r.index), [1, 2]);
  assert.equal(page.rows[1]!.output, 'Hello world');
  assert.equal(page.rows[1]!.input, 'input 2');
});

test('search covers the whole input and output text, not a prefix (issue 13: 41,628 of 46,943 found)', async () => {
  const long = 'lorem ipsum '.repeat(100);
  const { inputPath, chain } = await smallJob([
    { outcome: 'succeeded', out: `${long} needle-in-output`, input: 'short' },
    { outcome: 'succeeded', out: 'short', input: `${long} needle-in-input` },
    // JSON escapes in the file: a newline and an é written as \u00e9 still match their text.
    { outcome: 'succeeded', out: 'line one\ncafé au lait', input: 'plain' },
    { outcome: 'succeeded', out: 'nothing here', input: 'nothing' },
  ]);
  const q = new RowQuery(chain.rows, inputPath);
  const base = { filter: 'all' as const, sort: { key: 'line' as const, dir: 'asc' as const } };
  assert.deepEqual([...(await q.indices({ ...base, search: 'needle-in-output' }))], [0]);
  assert.deepEqual([...(await q.indices({ ...base, search: 'NEEDLE-IN-INPUT' }))], [1]);
  assert.deepEqual([...(await q.indices({ ...base, search: 'one\ncafé' }))], [2]);
  assert.deepEqual([...(await q.indices({ ...base, search: 'needle' }))], [0, 1]);
});

test('conversation: OpenAI chat with system, tool calls and a JSON schema', () => {
  const c = conversationOf(JSON.stringify({
    custom_id: 'a', method: 'POST', url: '/v1/chat/completions',
    body: {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Extract.' },
        { role: 'user', content: [{ type: 'text', text: 'first' }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'lookup', arguments: '{}' } }] },
        { role: 'user', content: 'Alice is 30' },
      ],
      response_format: { type: 'json_schema', json_schema: { name: 'p', schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } },
    },
  }));
  assert.deepEqual(c.turns.map((t) => t.role), ['system', 'user', 'assistant', 'user']);
  assert.match(c.turns[2]!.toolCalls![0]!, /lookup/);
  assert.equal(c.lastUserText, 'Alice is 30');
  assert.deepEqual(c.jsonSchema, { type: 'object', required: ['name'], properties: { name: { type: 'string' } } });
  const g = conversationOf(JSON.stringify({ key: 'k', request: { systemInstruction: { parts: [{ text: 'Be brief' }] }, contents: [{ role: 'user', parts: [{ text: 'Hi' }] }, { role: 'model', parts: [{ text: 'Yo' }] }] } }));
  assert.deepEqual(g.turns.map((t) => [t.role, t.text]), [['system', 'Be brief'], ['user', 'Hi'], ['assistant', 'Yo']]);
  const a = conversationOf(JSON.stringify({ custom_id: 'x', params: { model: 'claude', max_tokens: 5, system: 'S', messages: [{ role: 'user', content: 'Q' }] } }));
  assert.deepEqual(a.turns.map((t) => [t.role, t.text]), [['system', 'S'], ['user', 'Q']]);
});

test('schema check: type, required, enum, items, additionalProperties', () => {
  const schema = { type: 'object', required: ['name', 'tags'], additionalProperties: false, properties: { name: { type: 'string' }, kind: { enum: ['a', 'b'] }, tags: { type: 'array', items: { type: 'string' } } } };
  assert.deepEqual(checkJsonSchema({ name: 'x', tags: ['t'], kind: 'a' }, schema), []);
  const errs = checkJsonSchema({ name: 3, kind: 'c', tags: [1], extra: true }, schema);
  assert.equal(errs.length, 4, errs.join('\n'));
  assert.ok(errs.some((e) => e.includes('$.name: expected string')));
  assert.ok(errs.some((e) => e.includes('$.tags[0]')));
  assert.ok(errs.some((e) => e.includes('unexpected property "extra"')));
  assert.ok(checkJsonSchema({}, schema).some((e) => e.includes('missing required property "name"')));
  assert.deepEqual(parseJsonOutput('```json\n{"a":1}\n```'), { value: { a: 1 } });
  assert.equal(parseJsonOutput('plain text'), undefined);
});

test('a vLLM run-batch output file opens on its own: rows in file order, errors kept, detail from the raw line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-vllm-'));
  const path = join(dir, 'vllm-out.jsonl');
  await writeFile(path, [
    JSON.stringify({ id: 'vllm-1', custom_id: 'q2', response: { status_code: 200, request_id: 'r', body: { choices: [{ index: 0, message: { role: 'assistant', content: '{"name":"Bo"}' } }], usage: { prompt_tokens: 7, completion_tokens: 3 } } }, error: null }),
    JSON.stringify({ id: 'vllm-2', custom_id: 'q1', response: { status_code: 400, request_id: 'r', body: { object: 'error', message: 'bad url', type: 'BadRequestError', code: 400 } }, error: null }),
    'not json',
  ].join('\n') + '\n');
  const { rows, summary, skipped } = await rowsFromResultsFile(path);
  assert.equal(skipped, 1);
  assert.deepEqual([...rows].map((r) => [r.customId, r.outcome]), [['q2', 'succeeded'], ['q1', 'errored']]);
  assert.equal((await rowDetail(rows.at(1)!, 1, undefined)).error, '400: bad url');
  assert.deepEqual(rows.at(0)!.usage, { inputTokens: 7, outputTokens: 3 });
  assert.equal(summary.counts.errored, 1);
  const d = await rowDetail(rows.at(0)!, 0, undefined);
  assert.equal(d.outputJson, JSON.stringify({ name: 'Bo' }, null, 2));
  assert.match(d.raw!, /vllm-1/);
  assert.equal(d.schemaErrors, null);
});
