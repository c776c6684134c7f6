import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { estimateFile, formatEstimate } from '../../src/core/estimate';
import { formatMoney } from '../../src/core/format';
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
