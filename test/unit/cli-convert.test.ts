import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/commands/convert';
import { UsageError, type CliIO } from '../../src/cli/io';

function io() {
  const out: string[] = [];
  const value: CliIO = { out: (t) => out.push(t), err: () => {}, env: {}, isTTY: false };
  return { io: value, out: () => out.join('') };
}

async function input(lines: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-cli-conv-'));
  const p = join(dir, 'data.jsonl');
  await writeFile(p, lines.join('\n') + '\n');
  return p;
}

const chat = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o', messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'U' }] } });

test('convert --to anthropic --json: default out name, every line converted, exit 0', async () => {
  const p = await input([chat('a'), chat('b')]);
  const t = io();
  assert.equal(await run([p, '--to', 'anthropic', '--model', 'claude-haiku-4-5', '--json'], t.io), 0);
  const doc = JSON.parse(t.out());
  assert.equal(doc.out, join(p, '..', 'data.anthropic.jsonl'));
  assert.equal(doc.converted, 2);
  assert.equal(doc.failed, 0);
  const lines = (await readFile(doc.out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines[0].params.system, 'S');
  assert.equal(lines[0].params.max_tokens, 1024);
  assert.equal(lines[1].params.model, 'claude-haiku-4-5');
});

test('lines that cannot convert are listed with their numbers and give exit 1; --out is honoured', async () => {
  const p = await input([chat('a'), '{oops', chat('b')]);
  const out = join(p, '..', 'custom', 'g.jsonl');
  const t = io();
  assert.equal(await run([p, '--to', 'gemini', '--out', out], t.io), 1);
  assert.match(t.out(), /converted 2 of 3 lines/);
  assert.match(t.out(), /line 2: not valid JSON/);
  assert.match(t.out(), /pass --model/);
  const g = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(g.map((l) => l.key), ['a', 'b']);
});

test('usage errors: missing --to, bad --to, --out equal to the input', async () => {
  const p = await input([chat('a')]);
  await assert.rejects(run([p], io().io), UsageError);
  await assert.rejects(run([p, '--to', 'cohere'], io().io), UsageError);
  await assert.rejects(run([p, '--to', 'openai', '--out', p], io().io), UsageError);
});
