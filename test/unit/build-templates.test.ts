import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileTemplate, loadTemplateFile, renderRequest, resolveTemplate, TemplateError, type RequestTemplate } from '../../src/core/build';

const base = (t: Partial<RequestTemplate> = {}): RequestTemplate => ({ to: 'openai', model: 'gpt-4o-mini', user: '{{text}}', ...t });
const render = (values: Record<string, unknown>, t: Partial<RequestTemplate> = {}) => renderRequest(values, compileTemplate(base(t)), 'id-1');
const userText = (r: ReturnType<typeof render>) => {
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return ((r.line.body as { messages: { content: string }[] }).messages.at(-1)!).content;
};

test('placeholders: dotted paths into nested fields, a flat "a.b" CSV header, objects as JSON, numbers as text', () => {
  assert.equal(userText(render({ user: { name: 'Ada', langs: ['en', 'fr'] }, n: 3 }, { user: '{{user.name}} speaks {{user.langs}} ({{n}})' })), 'Ada speaks ["en","fr"] (3)');
  assert.equal(userText(render({ 'user.name': 'Bo' }, { user: 'hi {{user.name}}' })), 'hi Bo');
});

test('no HTML escaping: <, >, & and quotes reach the prompt as written, with {{x}} and {{{x}}} alike', () => {
  const text = `<b>Tom & "Jerry"</b> it's`;
  assert.equal(userText(render({ text }, { user: '{{text}}|{{{text}}}|{{& text}}' })), `${text}|${text}|${text}`);
});

test('a missing column is an error naming it, a near column and the columns the row has', () => {
  const r = render({ review: 'ok', stars: '5' }, { user: 'Review: {{reviw}}' });
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.reason, '{{reviw}} in the user template is not a column (did you mean "review"?); the row has review, stars');
  const sys = render({ text: 'x' }, { system: 'You label {{domain}}' });
  assert.match(!sys.ok ? sys.reason : '', /^\{\{domain\}\} in the system template is not a column/);
  // An empty cell is a value (it renders empty), and a null is too.
  assert.equal(userText(render({ text: 'x', note: '' }, { user: '{{text}}{{note}}' })), 'x');
});

test('a user message that renders empty is skipped with why; sections are logic-less Mustache', () => {
  const r = render({ text: '  ' });
  assert.equal(!r.ok && r.reason, 'the user message is empty for this row (its placeholders are empty cells)');
  assert.equal(userText(render({ text: 'x', tags: ['a', 'b'] }, { user: '{{text}}:{{#tags}} {{.}}{{/tags}}' })), 'x: a b');
});

test('template syntax errors and partials are TemplateErrors naming the field', () => {
  assert.throws(() => compileTemplate(base({ user: 'hi {{name' })), (e: Error) => e instanceof TemplateError && /the user template: Unclosed tag/.test(e.message));
  assert.throws(() => compileTemplate(base({ body: { metadata: { x: '{{> part}}' } } })), /body\.metadata\.x template uses a partial/);
});

test('body fields are merged into the request and their strings are templates too', () => {
  const r = renderRequest({ text: 'x', uid: 'u7' }, compileTemplate(base({ to: 'anthropic', model: 'claude-haiku-4-5', body: { metadata: { user_id: '{{uid}}' }, temperature: 0.2 } })), 'id-1');
  assert.ok(r.ok);
  const params = r.line.params as Record<string, unknown>;
  assert.deepEqual(params.metadata, { user_id: 'u7' });
  assert.equal(params.temperature, 0.2);
  assert.equal(params.max_tokens, 1024);
});

test('--template YAML or JSON: validated field by field; unknown fields are named with a suggestion', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-build-tpl-'));
  const yamlPath = join(dir, 't.yaml');
  await writeFile(yamlPath, 'to: gemini\nmodel: gemini-2.5-flash\nsystem: |\n  You label reviews.\nuser: "Review: {{text}}"\nmax_tokens: 64\nschema:\n  type: object\n  properties: {label: {type: string}}\n');
  const t = resolveTemplate(await loadTemplateFile(yamlPath), { model: 'gemini-2.5-pro' });
  assert.equal(t.to, 'gemini');
  assert.equal(t.model, 'gemini-2.5-pro');
  assert.equal(t.system, 'You label reviews.\n');
  assert.deepEqual(t.schema, { type: 'object', properties: { label: { type: 'string' } } });
  const jsonPath = join(dir, 't.json');
  await writeFile(jsonPath, JSON.stringify({ model: 'm', usr: 'x', max_tokens: -1 }));
  await assert.rejects(loadTemplateFile(jsonPath), (e: Error) => e instanceof TemplateError && /unknown field "usr" \(did you mean "user"\?\)/.test(e.message) && /max_tokens: /.test(e.message));
  await writeFile(yamlPath, 'user: [unclosed');
  await assert.rejects(loadTemplateFile(yamlPath), /t\.yaml is not valid YAML/);
  assert.throws(() => resolveTemplate({ model: 'm' }), /no user message: give --user/);
  assert.throws(() => resolveTemplate({ user: 'x' }), /no model: give --model/);
});
