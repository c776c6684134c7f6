import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured } from '../support/cli';

const cli = (...argv: string[]) => runCliCaptured(['validate', ...argv]);

const sample = (name: string) => join(__dirname, '..', '..', 'samples', name);

test('a valid file exits 0 with a one-line summary', async () => {
  const r = await cli(sample('openai-valid.jsonl'));
  assert.equal(r.code, 0);
  assert.equal(r.out, 'No problems · 12 requests · openai /v1/chat/completions · gpt-4o-mini · 4.8 KB\n');
  assert.equal(r.err, '');
});

test('every valid sample exits 0 and every broken sample exits 1', async () => {
  for (const p of ['openai', 'anthropic', 'gemini']) {
    assert.equal((await cli(sample(`${p}-valid.jsonl`))).code, 0, p);
    assert.equal((await cli(sample(`${p}-broken.jsonl`))).code, 1, p);
  }
});

test('errors print compiler-style file:line:col: severity code: message, then the summary', async () => {
  const file = sample('openai-broken.jsonl');
  const r = await cli(file);
  assert.equal(r.code, 1);
  const lines = r.out.trimEnd().split('\n');
  assert.match(lines[0]!, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: error duplicate-custom-id: `));
  assert.ok(lines.some((l) => /:4:\d+: error invalid-url: .*Did you mean "\/v1\/chat\/completions"/.test(l)));
  assert.ok(lines.some((l) => /:5:\d+: error invalid-json: /.test(l)));
  assert.ok(lines.some((l) => /:6:1: error missing-custom-id: /.test(l)));
  assert.ok(lines.some((l) => /:7:\d+: error invalid-max-tokens: /.test(l)));
  assert.match(lines.at(-1)!, /^7 errors, 1 warning · 10 requests · openai \/v1\/chat\/completions/);
});

test('--json prints exactly the documented document', async () => {
  const r = await cli(sample('anthropic-broken.jsonl'), '--json');
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.out) as Record<string, unknown> & { diagnostics: Record<string, unknown>[] };
  assert.deepEqual(Object.keys(doc), ['file', 'provider', 'endpoint', 'model', 'lines', 'requests', 'bytes', 'diagnostics']);
  assert.equal(doc.provider, 'anthropic');
  assert.equal(doc.requests, 7);
  for (const d of doc.diagnostics) assert.deepEqual(Object.keys(d), ['line', 'column', 'severity', 'code', 'message']);
  assert.deepEqual(doc.diagnostics[0], {
    line: 2,
    column: 15,
    severity: 'error',
    code: 'invalid-custom-id',
    message: doc.diagnostics[0]!.message,
  });
  const ok = await cli(sample('gemini-valid.jsonl'), '--json');
  assert.equal(ok.code, 0);
  assert.deepEqual(JSON.parse(ok.out).diagnostics, []);
});

test('--provider overrides detection and rejects unknown values with exit 2', async () => {
  const forced = await cli(sample('openai-valid.jsonl'), '--provider', 'anthropic', '--json');
  assert.equal(forced.code, 1);
  assert.equal(JSON.parse(forced.out).provider, 'anthropic');
  const bad = await cli(sample('openai-valid.jsonl'), '--provider', 'mistral');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--provider must be one of/);
});

test('usage and I/O problems exit 2 with a clear message, never a stack trace', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-cli-'));
  const bin = join(dir, 'image.jsonl');
  await writeFile(bin, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]));
  const utf16 = join(dir, 'utf16.jsonl');
  await writeFile(utf16, Buffer.from('\uFEFF{"custom_id":"a"}\n', 'utf16le'));
  const sub = join(dir, 'folder.jsonl');
  await mkdir(sub);
  const cases: [string[], RegExp][] = [
    [[], /give one input file/],
    [['a.jsonl', 'b.jsonl'], /give one input file/],
    [[join(dir, 'missing.jsonl')], /missing\.jsonl: no such file/],
    [[sub], /is a directory/],
    [[bin], /looks like a binary file/],
    [[utf16], /UTF-16 encoded/],
    [[sample('openai-valid.jsonl'), '--frobnicate'], /frobnicate/],
  ];
  for (const [argv, msg] of cases) {
    const r = await cli(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, msg);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
    assert.equal(r.out, '');
  }
});
