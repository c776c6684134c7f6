import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { estimateFile, formatEstimate } from '../../src/core/estimate';
import { formatMoney, moneyFormat } from '../../src/core/format';
import { validateFile } from '../../src/core/validate';
import { confirmDetail, confirmMessage, estimateSummary } from '../../src/extension/submit/confirmText';

async function est(model: string) {
  const dir = await mkdtemp(join(tmpdir(), 'bw-confirm-'));
  const p = join(dir, 'x.jsonl');
  const line = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model, messages: [{ role: 'user', content: 'Rate this review from 1 to 5: great value.' }], max_tokens: 3 } });
  await writeFile(p, Array.from({ length: 1000 }, (_, i) => line(`r${i}`)).join('\n'));
  return estimateFile(p);
}

test('the submit confirmation names requests, parts, model, standard and batch cost and the saving', async () => {
  const e = await est('gpt-4o');
  const facts = { fileName: 'x.jsonl', profileName: 'openai', requests: 1000, parts: 2, model: 'gpt-4o', estimate: e };
  assert.equal(confirmMessage(facts), 'Submit x.jsonl to openai?');
  const d = confirmDetail(facts);
  assert.match(d, /1,000 requests in 2 parts/);
  assert.match(d, /Model: gpt-4o/);
  assert.match(d, /standard \$\S+, batch \$\S+/);
  assert.match(d, /You save \$\S+ \(50%\)/);
  assert.match(d, /as of \d{4}-\d{2}-\d{2}/);
  assert.match(estimateSummary('x.jsonl', e), /standard \$\S+ vs batch \$\S+/);
});

test('with an unknown model the confirmation still says standard vs batch, and why it is unknown', async () => {
  const e = await est('mystery-model');
  const d = confirmDetail({ fileName: 'x.jsonl', profileName: 'p', requests: 1000, parts: 1, model: 'mystery-model', estimate: e });
  assert.match(d, /standard vs batch: unknown \(no price known for mystery-model/);
  const none = confirmDetail({ fileName: 'x.jsonl', profileName: 'p', requests: 1, parts: 1, model: null, estimate: null, estimateError: 'EACCES' });
  assert.match(none, /1 request in 1 part\n/);
  assert.match(none, /standard vs batch: unknown \(EACCES\)/);
});

test('dollars keep enough digits for small batches', async () => {
  assert.equal(formatMoney(null), 'n/a');
  assert.equal(formatMoney(0), '$0.00');
  assert.equal(formatMoney(12.345), '$12.35');
  assert.equal(formatMoney(0.04752), '$0.0475');
  assert.equal(formatMoney(0.0000381), '$0.000038');
  assert.equal(formatMoney(0.000126), '$0.00013');
  assert.equal(formatMoney(1.2e-7), '< $0.000001');
  assert.equal(formatMoney(1.5, 'EUR'), '1.50 EUR');
  assert.equal(formatMoney(undefined), 'n/a');
  const table = formatEstimate('x.jsonl', await est('gpt-4o-mini'));
  assert.match(table, /standard/);
  assert.match(table, /saving/);
  assert.doesNotMatch(table, /NaN|undefined/);
});

/** Every `$...` amount of a text. */
const amounts = (text: string) => [...text.matchAll(/\$(\d+\.\d+)/g)].map((m) => m[1]!);
const decimals = (a: string) => a.split('.')[1]!.length;

test('one message, one precision; the saving is standard - batch to the last digit shown', async () => {
  const m = moneyFormat([1.5, 0.75]);
  assert.deepEqual([m.money(1.5), m.money(0.75), m.difference(1.5, 0.75)], ['$1.50', '$0.75', '$0.75']);
  // 0.0123 needs 3 decimals: every figure of the message gets them, and the saving is the rounded difference.
  const n = moneyFormat([2.0004, 0.0123]);
  assert.deepEqual([n.money(2.0004), n.money(0.0123), n.difference(2.0004, 0.0123)], ['$2.000', '$0.012', '$1.988']);
  // Rounding each figure then subtracting, not rounding the exact saving: 0.01235 - 0.006175 would print 0.0062.
  const r = moneyFormat([0.01235, 0.006175]);
  assert.equal(r.difference(0.01235, 0.006175), `$${(Number(r.money(0.01235).slice(1)) - Number(r.money(0.006175).slice(1))).toFixed(4)}`);
  for (const model of ['gpt-4o', 'gpt-4o-mini']) {
    const e = await est(model);
    for (const text of [estimateSummary('x.jsonl', e), confirmDetail({ fileName: 'x.jsonl', profileName: 'p', requests: 1000, parts: 1, model, estimate: e }).split('\n').find((l) => l.startsWith('Estimated cost'))!]) {
      const found = amounts(text);
      assert.ok(found.length >= 2, text);
      assert.equal(new Set(found.map(decimals)).size, 1, `same precision: ${text}`);
    }
    const s = amounts(estimateSummary('x.jsonl', e)).map(Number);
    assert.equal(Math.round((s[0]! - s[1]!) * 1e6), Math.round(s[2]! * 1e6), 'save = standard - batch as printed');
    const table = formatEstimate('x.jsonl', e);
    const saving = /saving\s+\$(\S+)/.exec(table)![1]!;
    const std = /standard\s+\$(\S+)/.exec(table)![1]!;
    const batch = /batch\s+\$(\S+)/.exec(table)![1]!;
    assert.equal(Math.round((Number(std) - Number(batch)) * 1e6), Math.round(Number(saving) * 1e6), table);
  }
});

test('the estimate counts every non-blank line like the status bar, and gives no CLI hint inside VS Code', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-count-'));
  const p = join(dir, 'x.jsonl');
  const ok = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } });
  await writeFile(p, [ok('a'), '{"custom_id": "b", broken', ok('c'), ''].join('\n'));
  const e = await estimateFile(p);
  const v = await validateFile(p);
  assert.equal(v.requests, 3);
  assert.match(estimateSummary('x.jsonl', e), /^x\.jsonl: 3 requests \(1 not valid, not priced\)/);
  const details = formatEstimate(p, e, { validateHint: 'see the Problems panel' });
  assert.match(details, /requests\s+3 \(1 not valid/);
  assert.match(details, /see the Problems panel/);
  assert.doesNotMatch(details, /batchwise validate/);
  assert.match(formatEstimate(p, e), /run batchwise validate/, 'the CLI keeps its hint');
});
