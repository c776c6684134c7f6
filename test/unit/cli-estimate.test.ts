import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/commands/estimate';
import { UsageError, type CliIO } from '../../src/cli/io';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), env: {}, isTTY: false };
  return { io: value, out: () => out.join(''), err: () => err.join('') };
}

async function sample(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-cli-est-'));
  const p = join(dir, 'in.jsonl');
  const line = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'Classify: good or bad?' }], max_tokens: 5 } });
  await writeFile(p, `${line('a')}\n${line('b')}\n`);
  return p;
}

test('estimate --json prints the contract document', async () => {
  const t = io();
  assert.equal(await run([await sample(), '--json'], t.io), 0);
  const doc = JSON.parse(t.out());
  for (const k of ['requests', 'inputTokens', 'outputTokensMax', 'standardCost', 'batchCost', 'currency', 'model', 'pricingDate']) assert.ok(k in doc, k);
  assert.equal(doc.requests, 2);
  assert.equal(doc.outputTokensMax, 10);
  assert.equal(doc.model, 'gpt-4o');
  assert.equal(doc.currency, 'USD');
  assert.ok(doc.batchCost > 0 && doc.batchCost < doc.standardCost);
});

test('the human table shows standard, batch and the saving', async () => {
  const t = io();
  assert.equal(await run([await sample()], t.io), 0);
  assert.match(t.out(), /standard/);
  assert.match(t.out(), /batch/);
  assert.match(t.out(), /saving .*\(50%\)/);
  assert.match(t.out(), /prices in USD as of \d{4}-\d{2}-\d{2}/);
});

test('--pricing FILE overrides the table; unknown model says why', async () => {
  const p = await sample();
  const pricing = join(p, '..', 'prices.json');
  await writeFile(pricing, JSON.stringify({ 'gpt-4o': { input: 1_000_000, output: 0, batchInput: 0, batchOutput: 0 } }));
  const t = io();
  await run([p, '--json', '--pricing', pricing], t.io);
  const doc = JSON.parse(t.out());
  assert.equal(doc.standardCost, doc.inputTokens);
  assert.equal(doc.batchCost, 0);
  const u = io();
  await run([p, '--json', '--model', 'x', '--provider', 'local'], u.io);
  assert.equal(JSON.parse(u.out()).batchCost, null);
});

test('usage errors: no file, missing file, bad provider', async () => {
  await assert.rejects(run([], io().io), UsageError);
  await assert.rejects(run(['/nonexistent/file.jsonl'], io().io), UsageError);
  await assert.rejects(run([await sample(), '--provider', 'nope'], io().io), UsageError);
});

test('estimate of a file with no requests exits 1 like validate, saying why on stderr (issue 13.12)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-cli-est-'));
  for (const content of ['', '\n  \n']) {
    const p = join(dir, 'empty.jsonl');
    await writeFile(p, content);
    const t = io();
    assert.equal(await run([p], t.io), 1);
    assert.match(t.err(), /has no requests/);
    const j = io();
    assert.equal(await run([p, '--json'], j.io), 1);
    assert.equal(JSON.parse(j.out()).requests, 0, 'the --json document is still printed');
  }
});
