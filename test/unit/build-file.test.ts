import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFile, BuildSummarySchema, defaultBuildOutPath, NothingToBuild, previewRequests, SourceRowLineSchema, type RequestTemplate } from '../../src/core/build';
import { validateFile } from '../../src/core/validate';

const MODELS = { openai: 'gpt-4o-mini', anthropic: 'claude-haiku-4-5', gemini: 'gemini-2.5-flash' } as const;
const SCHEMA = { type: 'object', properties: { label: { type: 'string', enum: ['pos', 'neg'] } }, required: ['label'], additionalProperties: false };

async function data(name: string, content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-build-file-'));
  const p = join(dir, name);
  await writeFile(p, content);
  return p;
}

const jsonl = async (p: string) => (await readFile(p, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const tpl = (to: RequestTemplate['to'], t: Partial<RequestTemplate> = {}): RequestTemplate => ({ to, model: MODELS[to], system: 'You label reviews.', user: 'Review: {{review}}', max_tokens: 256, ...t });
const CSV = 'id,review\n1,"Great, ""really"" good"\n2,"meh\nnot great"\n3,日本語\n';

for (const to of ['openai', 'anthropic', 'gemini'] as const) {
  test(`${to}: the built file validates clean, with the schema where ${to} takes it, and the sidecar matches line for line`, async () => {
    const p = await data('reviews.csv', CSV);
    const s = await buildFile(p, tpl(to, { schema: SCHEMA }));
    BuildSummarySchema.parse(s);
    assert.equal(s.out, join(p, '..', 'reviews.jsonl'));
    assert.equal(s.rowsOut, join(p, '..', 'reviews.rows.jsonl'));
    assert.equal(s.requests, 3);
    assert.deepEqual(s.warnings, []);
    const v = await validateFile(s.out, { provider: to });
    assert.deepEqual(v.diagnostics, [], JSON.stringify(v.diagnostics));
    assert.equal(v.provider, to);

    const lines = await jsonl(s.out);
    const first = lines[0]!;
    if (to === 'openai') {
      const body = first.body as Record<string, unknown>;
      assert.deepEqual(body.response_format, { type: 'json_schema', json_schema: { name: 'response', schema: SCHEMA, strict: true } });
      assert.deepEqual(body.messages, [{ role: 'system', content: 'You label reviews.' }, { role: 'user', content: 'Review: Great, "really" good' }]);
    } else if (to === 'anthropic') {
      const params = first.params as Record<string, unknown>;
      assert.deepEqual(params.output_config, { format: { type: 'json_schema', schema: SCHEMA } });
      assert.equal(params.system, 'You label reviews.');
    } else {
      const request = first.request as Record<string, unknown>;
      assert.deepEqual(request.generationConfig, { maxOutputTokens: 256, responseMimeType: 'application/json', responseJsonSchema: SCHEMA });
    }

    const rows = (await jsonl(s.rowsOut)).map((r) => SourceRowLineSchema.parse(r));
    const ids = lines.map((l) => (to === 'gemini' ? l.key : l.custom_id));
    assert.deepEqual(rows.map((r) => r.custom_id), ids);
    assert.deepEqual(rows.map((r) => r.row), [1, 2, 3]);
    assert.deepEqual(rows[1]!.values, { id: '2', review: 'meh\nnot great' });
  });
}

test('hashed ids: stable across runs and row order, unique with a suffix for repeated rows, valid for Anthropic', async () => {
  const p = await data('d.csv', 'review\nA\nB\nA\nA\n');
  const s1 = await buildFile(p, tpl('anthropic'), { out: join(p, '..', 'one.jsonl') });
  const s2 = await buildFile(p, tpl('anthropic'), { out: join(p, '..', 'two.jsonl') });
  const ids1 = (await jsonl(s1.out)).map((l) => l.custom_id as string);
  const ids2 = (await jsonl(s2.out)).map((l) => l.custom_id as string);
  assert.deepEqual(ids1, ids2);
  assert.equal(new Set(ids1).size, 4);
  for (const id of ids1) assert.match(id, /^[a-zA-Z0-9_-]{1,64}$/);
  assert.equal(ids1[2], `${ids1[0]}-2`);
  assert.equal(ids1[3], `${ids1[0]}-3`);
  assert.deepEqual(s1.warnings, ['2 rows repeat an earlier row exactly: their ids have a -2, -3, ... suffix']);
  const reordered = await data('r.csv', 'review\nB\nA\n');
  const ids3 = (await jsonl((await buildFile(reordered, tpl('anthropic'))).out)).map((l) => l.custom_id);
  assert.deepEqual(ids3, [ids1[1], ids1[0]]);
});

test('--id-column: values become ids; an empty, repeated or (for Anthropic) invalid one skips the row with why', async () => {
  const p = await data('d.jsonl', ['{"k":"a-1","review":"x"}', '{"k":"","review":"y"}', '{"k":"a-1","review":"z"}', '{"k":"b c","review":"w"}', '{"k":7,"review":"v"}'].join('\n'));
  const s = await buildFile(p, tpl('anthropic', { id_column: 'k' }));
  assert.deepEqual((await jsonl(s.out)).map((l) => l.custom_id), ['a-1', '7']);
  assert.deepEqual(s.skipped, [
    { row: 2, reason: 'the id column "k" is empty' },
    { row: 3, reason: 'id "a-1" (column "k") was already used by row 1: ids must be unique (pick another --id-column, or leave it out to use row hashes)' },
    { row: 4, reason: 'id "b c" (column "k") is not a valid Anthropic custom_id: letters, digits, _ and -, 1 to 64 characters' },
  ]);
  assert.equal(s.skippedCount, 3);
  // OpenAI takes any non-empty custom_id.
  const o = await buildFile(p, tpl('openai', { id_column: 'k' }), { out: join(p, '..', 'o.jsonl') });
  assert.deepEqual((await jsonl(o.out)).map((l) => l.custom_id), ['a-1', 'b c', '7']);
});

test('rows that cannot render are skipped; if every row is, nothing is written and the error says why', async () => {
  const p = await data('d.csv', 'review\nok\n\n""\n');
  const s = await buildFile(p, tpl('openai', { user: '{{review}}' }));
  assert.equal(s.requests, 1);
  assert.deepEqual(s.skipped, [{ row: 2, reason: 'the user message is empty for this row (its placeholders are empty cells)' }]);

  const dir = join(p, '..');
  const before = await readdir(dir);
  await assert.rejects(buildFile(p, tpl('openai', { user: '{{text}}' }), { out: join(dir, 'none.jsonl') }), (e: Error) => e instanceof NothingToBuild && /every row of .* was skipped \(2\); nothing was written\. First: row 1: \{\{text\}\} in the user template is not a column \(did you mean "review"\?\)/.test(e.message));
  assert.deepEqual(await readdir(dir), before, 'no output, sidecar or temp file left behind');
  await assert.rejects(buildFile(await data('e.csv', 'review\n'), tpl('openai')), /has no data rows/);
});

test('the skipped list is capped; the count is not', async () => {
  const p = await data('d.csv', 'review\nok\n' + '""\n'.repeat(150));
  const s = await buildFile(p, tpl('openai', { user: '{{review}}' }));
  assert.equal(s.skipped.length, 100);
  assert.equal(s.skippedCount, 150);
});

test('a schema OpenAI strict mode cannot take is sent with strict: false and a warning', async () => {
  const p = await data('d.csv', CSV);
  const s = await buildFile(p, tpl('openai', { schema: { type: 'object', properties: { label: { type: 'string' } } } }));
  assert.match(s.warnings[0]!, /strict: false.*additionalProperties/);
  assert.equal(((((await jsonl(s.out))[0]!.body as Record<string, unknown>).response_format as Record<string, unknown>).json_schema as Record<string, unknown>).strict, false);
});

test('default out names never replace the data file; previewRequests renders the first rows only', async () => {
  assert.equal(defaultBuildOutPath('/d/reviews.csv'), '/d/reviews.jsonl');
  assert.equal(defaultBuildOutPath('/d/reviews.jsonl'), '/d/reviews.requests.jsonl');
  const p = await data('d.csv', 'review\nA\n""\nC\nD\n');
  const items = await previewRequests(p, tpl('gemini', { user: '{{review}}' }), 3);
  assert.equal(items.length, 3);
  assert.ok('request' in items[0]! && (items[0].request.request as { contents: unknown[] }).contents.length === 1);
  assert.deepEqual(items[1], { row: 2, skipped: 'the user message is empty for this row (its placeholders are empty cells)' });
});
