import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RowQuery } from '../../src/core/results/rowQuery';
import type { MergedRow } from '../../src/core/results/merge';
import { conversationOf } from '../../src/core/results/conversation';
import { checkJsonSchema, parseJsonOutput } from '../../src/core/results/schemaCheck';
import { rowsFromResultsFile } from '../../src/core/results/standalone';
import { rowDetail } from '../../src/core/results/detail';

const row = (i: number, outcome: MergedRow['outcome'], out?: string, tokens?: number): MergedRow => ({
  line: i + 1, customId: `id-${i}`, outcome, jobId: 'j', attempt: 1, outputText: out, inputText: `input ${i}`, input: { offset: 0, bytes: 0, bom: false },
  ...(tokens !== undefined ? { usage: { inputTokens: tokens, outputTokens: 0 } } : {}),
});

test('row query: filter failed, search over id and text, sort, pages', () => {
  const rows = [row(0, 'succeeded', 'Bonjour', 5), row(1, 'errored'), row(2, 'succeeded', 'Hello world', 9), row(3, 'missing'), row(4, 'expired')];
  const q = new RowQuery(rows);
  const base = { filter: 'all' as const, search: '', sort: { key: 'line' as const, dir: 'asc' as const } };
  assert.deepEqual([...q.indices({ ...base, filter: 'failed' })], [1, 3, 4]);
  assert.deepEqual([...q.indices({ ...base, search: 'WORLD' })], [2]);
  assert.deepEqual([...q.indices({ ...base, search: 'id-3' })], [3]);
  assert.deepEqual([...q.indices({ ...base, search: 'o w' })], [2], 'spaces and case are matched literally');
  assert.deepEqual([...q.indices({ ...base, search: '(.*' })], [], 'regex characters are plain text');
  assert.deepEqual([...q.indices({ ...base, sort: { key: 'tokens', dir: 'desc' } })].slice(0, 2), [2, 0]);
  assert.deepEqual([...q.indices({ ...base, sort: { key: 'line', dir: 'desc' } })], [4, 3, 2, 1, 0]);
  const page = q.page(base, 1, 2);
  assert.equal(page.total, 5);
  assert.deepEqual(page.rows.map((r) => r.index), [1, 2]);
  assert.equal(page.rows[1]!.output, 'Hello world');
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
  assert.deepEqual(rows.map((r) => [r.customId, r.outcome]), [['q2', 'succeeded'], ['q1', 'errored']]);
  assert.equal(rows[1]!.errorMessage, 'bad url');
  assert.deepEqual(rows[0]!.usage, { inputTokens: 7, outputTokens: 3 });
  assert.equal(summary.counts.errored, 1);
  const d = await rowDetail(rows[0]!, 0, undefined);
  assert.equal(d.outputJson, JSON.stringify({ name: 'Bo' }, null, 2));
  assert.match(d.raw!, /vllm-1/);
  assert.equal(d.schemaErrors, null);
});
