// "New Batch from Data" host logic without VS Code: form -> template, preview shaping, the extrapolated estimate.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { previewRequests } from '../../src/core/build';
import { DEFAULT_FORM, PREVIEW_SHOWN, countRows, estimateFromSample, extrapolate, fieldOfReason, formToTemplate, rowsFromHead, shapePreview } from '../../src/extension/newBatch/preview';
import { FormSchema, HostMessageSchema, WebviewMessageSchema } from '../../src/shared/newBatchProtocol';

const form = (over: Partial<typeof DEFAULT_FORM>) => ({ ...DEFAULT_FORM, user: 'Review: {{text}}', ...over });

describe('formToTemplate', () => {
  it('builds the template from the fields', () => {
    const r = formToTemplate(form({ system: 'Be brief', maxTokens: '64', idColumn: 'id', schema: '{"type":"object"}' }), ['id', 'text']);
    assert.ok('template' in r);
    assert.deepEqual(r.template, { to: 'openai', model: 'gpt-4o-mini', user: 'Review: {{text}}', system: 'Be brief', max_tokens: 64, id_column: 'id', schema: { type: 'object' } });
  });
  it('names each bad field', () => {
    const r = formToTemplate(form({ user: ' ', model: '', maxTokens: '1.5', idColumn: 'nope', schema: '{bad' }), ['id']);
    assert.ok('errors' in r);
    assert.deepEqual(r.errors.map((e) => e.field).sort(), ['idColumn', 'maxTokens', 'model', 'schema', 'user']);
  });
  it('a schema must be an object; Anthropic needs max tokens', () => {
    const r = formToTemplate(form({ provider: 'anthropic', maxTokens: '', schema: '[1]' }), []);
    assert.ok('errors' in r);
    assert.deepEqual(r.errors.map((e) => e.field), ['maxTokens', 'schema']);
  });
  it('points a render problem at its field', () => {
    assert.equal(fieldOfReason('{{txt}} in the user template is not a column'), 'user');
    assert.equal(fieldOfReason('{{x}} in the system template is not a column'), 'system');
  });
});

describe('row count without reading the file whole', () => {
  it('counts a whole small CSV exactly, header and trailing newline excluded, CRLF too', () => {
    const csv = Buffer.from('a,b\r\n1,2\r\n3,4\r\n\r\n');
    assert.deepEqual(rowsFromHead(csv, csv.length, 'csv'), { rows: 2, exact: true });
    const jsonl = Buffer.from('{"a":1}\n\n{"a":2}');
    assert.deepEqual(rowsFromHead(jsonl, jsonl.length, 'jsonl'), { rows: 2, exact: true });
  });
  it('extrapolates a large file from its first bytes', () => {
    const head = Buffer.from('{"a":1}\n'.repeat(100)); // 8 bytes a line
    assert.deepEqual(rowsFromHead(head, 8000, 'jsonl'), { rows: 1000, exact: false });
  });
  it('reads only the head of a file on disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-nb-'));
    try {
      const p = join(dir, 'big.csv');
      await writeFile(p, 'id,text\n' + Array.from({ length: 60_000 }, (_, i) => `${String(i).padStart(5, '0')},hello\n`).join(''));
      const c = await countRows(p, 'csv');
      assert.equal(c.exact, false);
      assert.ok(Math.abs(c.rows - 60_000) < 600, `${c.rows}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('preview and estimate', () => {
  it('shows the first rendered requests and every skipped row; scales tokens and cost to the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-nb-'));
    try {
      const p = join(dir, 'reviews.csv');
      await writeFile(p, 'id,text\n1,good\n2,\n3,bad\n4,fine\n5,ok\n');
      // Row 2's text is empty: its user message is empty, so the row is skipped with the reason.
      const t = formToTemplate(form({ user: '{{text}}', maxTokens: '100' }), ['id', 'text']);
      assert.ok('template' in t);
      const items = await previewRequests(p, t.template, 50);
      const preview = shapePreview(items, null, []);
      assert.equal(preview.requests.length, PREVIEW_SHOWN);
      assert.equal(preview.requests[0]!.row, 1);
      assert.match(preview.requests[0]!.json, /"content": "good"/);
      assert.deepEqual(preview.skipped.map((s) => s.row), [2]);
      const est = await estimateFromSample(items, t.template, { rows: 50, exact: false });
      // 4 of 5 sampled rows render: 40 requests of 50 rows, each bounded at 100 output tokens.
      assert.equal(est.requests, 40);
      assert.equal(est.outputTokensMax, 4000);
      assert.equal(est.tokenMethod, 'exact');
      assert.ok(est.inputTokens > 0 && est.batchCost !== null && est.standardCost !== null && est.batchCost < est.standardCost);
      assert.ok(HostMessageSchema.safeParse({ type: 'preview', requestId: 1, preview: { ...preview, estimate: est }, errors: [] }).success);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('extrapolate prices batch and standard from the table, or says there is no price', () => {
    const e = extrapolate({ sampled: 10, rendered: 10, inputTokens: 1000, outputTokensMax: 2000 }, { rows: 1000, exact: true }, 'gpt-4o-mini', {}, 'exact');
    assert.deepEqual([e.requests, e.inputTokens, e.outputTokensMax], [1000, 100_000, 200_000]);
    assert.equal(e.standardCost!.toFixed(6), ((100_000 * 0.15 + 200_000 * 0.6) / 1e6).toFixed(6));
    assert.equal(e.batchCost!.toFixed(6), ((100_000 * 0.075 + 200_000 * 0.3) / 1e6).toFixed(6));
    const unknown = extrapolate({ sampled: 1, rendered: 1, inputTokens: 1, outputTokensMax: 1 }, { rows: 1, exact: true }, 'my-llama', {}, 'approx');
    assert.equal(unknown.batchCost, null);
    assert.match(unknown.priceNote, /no price known for my-llama/);
  });
});

describe('protocol', () => {
  it('parses the messages both ways and rejects what does not fit', () => {
    assert.ok(FormSchema.safeParse(DEFAULT_FORM).success);
    assert.ok(WebviewMessageSchema.safeParse({ type: 'change', requestId: 3, form: DEFAULT_FORM }).success);
    assert.equal(WebviewMessageSchema.safeParse({ type: 'change', requestId: 3, form: { ...DEFAULT_FORM, provider: 'mistral' } }).success, false);
    assert.equal(HostMessageSchema.safeParse({ type: 'error', message: 'x', field: 'nope' }).success, false);
  });
});
