import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, mkdir, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured } from '../support/cli';

const cli = (argv: string[], env: NodeJS.ProcessEnv = {}) => runCliCaptured(argv, { env });

const chat = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `hi ${id}` }] } });

let dir: string;
let env: NodeJS.ProcessEnv;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bw-robust-in-'));
  env = { BATCHWISE_HOME: join(dir, 'home'), OPENAI_API_KEY: 'k' };
});
after(() => rm(dir, { recursive: true, force: true }));

test('every file command refuses a directory, a binary file and UTF-16 (with or without BOM) with exit 2 and a fix', async () => {
  const folder = join(dir, 'folder.jsonl');
  await mkdir(folder);
  const bin = join(dir, 'bin.jsonl');
  await writeFile(bin, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x1a, 0x0a, 0x00, 0x10]));
  const bom16 = join(dir, 'bom16.jsonl');
  await writeFile(bom16, Buffer.from('\uFEFF' + chat('a') + '\n', 'utf16le'));
  const nobom16 = join(dir, 'nobom16.jsonl');
  await writeFile(nobom16, Buffer.from(chat('a') + '\n' + chat('b') + '\n', 'utf16le'));
  const commands: ((f: string) => string[])[] = [
    (f) => ['validate', f, '--json'],
    (f) => ['estimate', f, '--json'],
    (f) => ['split', f, '--out-dir', join(dir, 'parts'), '--json'],
    (f) => ['convert', f, '--to', 'anthropic', '--out', join(dir, 'converted.jsonl'), '--json'],
    (f) => ['submit', f, '--base-url', 'http://127.0.0.1:9/v1', '--json'],
    (f) => ['run', f, '--base-url', 'http://127.0.0.1:9/v1', '--out', join(dir, 'run.out.jsonl'), '--json'],
  ];
  const cases: [string, RegExp][] = [
    [join(dir, 'missing.jsonl'), /missing\.jsonl: no such file/],
    [folder, /is a directory: give a \.jsonl file/],
    [bin, /looks like a binary file .*give a UTF-8 \.jsonl file/],
    [bom16, /is UTF-16 encoded.*Save it as UTF-8/],
    [nobom16, /is UTF-16 encoded.*Save it as UTF-8/],
  ];
  for (const argv of commands) {
    for (const [file, message] of cases) {
      const r = await cli(argv(file), env);
      const what = argv(file).slice(0, 1).join(' ') + ' ' + file;
      assert.equal(r.code, 2, what);
      assert.match(r.err, message, what);
      assert.equal(r.out, '', `${what}: --json prints nothing on stdout when there is no result`);
      assert.doesNotMatch(r.err, /EISDIR|ENOENT|\n\s+at /, what);
    }
  }
});

test('submit of an empty file or a file of broken lines shows the line errors (exit 1), not "pass --provider"', async () => {
  const empty = join(dir, 'empty.jsonl');
  await writeFile(empty, '');
  const junk = join(dir, 'junk.jsonl');
  await writeFile(junk, 'not json at all\n{"still": broken\n');
  const e = await cli(['submit', empty, '--base-url', 'http://127.0.0.1:9/v1', '--json'], env);
  assert.equal(e.code, 1);
  assert.equal(e.out, '');
  assert.match(e.err, /empty\.jsonl:1:1: error empty-file: .*Add at least one request/);
  assert.doesNotMatch(e.err, /--provider/);
  const j = await cli(['submit', junk, '--base-url', 'http://127.0.0.1:9/v1'], env);
  assert.equal(j.code, 1);
  assert.match(j.err, /junk\.jsonl:1:1: error invalid-json: /);
  assert.match(j.err, /junk\.jsonl:2:\d+: error invalid-json: /);
  assert.match(j.err, /nothing was submitted/);
});

test('output paths that cannot work are refused before any work: --out a directory, --out-dir a file, run --out the input', async () => {
  const input = join(dir, 'ok.jsonl');
  await writeFile(input, chat('a') + '\n' + chat('b') + '\n');
  const folder = join(dir, 'outdir');
  await mkdir(folder);
  const conv = await cli(['convert', input, '--to', 'anthropic', '--out', folder], env);
  assert.equal(conv.code, 2);
  assert.match(conv.err, /--out .*outdir is a directory: give a file path/);
  const split = await cli(['split', input, '--out-dir', input], env);
  assert.equal(split.code, 2);
  assert.match(split.err, /--out-dir .*ok\.jsonl is a file, not a directory/);
  const run = await cli(['run', input, '--base-url', 'http://127.0.0.1:9/v1', '--out', input], env);
  assert.equal(run.code, 2);
  assert.match(run.err, /--out must differ from the input file/);
  assert.equal(await readFile(input, 'utf8'), chat('a') + '\n' + chat('b') + '\n', 'the input is untouched');
  const runDir = await cli(['run', input, '--base-url', 'http://127.0.0.1:9/v1', '--out', folder], env);
  assert.equal(runDir.code, 2);
  assert.match(runDir.err, /is a directory: give a file path/);
});

test('split and convert still handle CRLF input', async () => {
  const crlf = join(dir, 'crlf.jsonl');
  await writeFile(crlf, [chat('a'), chat('b'), chat('c')].join('\r\n') + '\r\n');
  const s = await cli(['split', crlf, '--max-requests', '2', '--out-dir', join(dir, 'crlf-parts'), '--json'], env);
  assert.equal(s.code, 0, s.err);
  assert.equal((JSON.parse(s.out) as { parts: unknown[] }).parts.length, 2);
  const c = await cli(['convert', crlf, '--to', 'anthropic', '--out', join(dir, 'crlf.anthropic.jsonl'), '--json'], env);
  assert.equal(c.code, 0, c.err);
  assert.equal((JSON.parse(c.out) as { converted: number }).converted, 3);
});

test('split and convert of an empty file exit 1 with a message and write nothing (an existing --out is kept)', async () => {
  const empty = join(dir, 'nothing.jsonl');
  await writeFile(empty, '\n\n');
  const s = await cli(['split', empty, '--out-dir', join(dir, 'nothing-parts'), '--json'], env);
  assert.equal(s.code, 1);
  assert.equal(s.out, '');
  assert.match(s.err, /has no requests, nothing to split/);
  const keep = join(dir, 'keep.jsonl');
  await writeFile(keep, 'precious\n');
  const c = await cli(['convert', empty, '--to', 'gemini', '--out', keep, '--json'], env);
  assert.equal(c.code, 1);
  assert.equal(c.out, '');
  assert.match(c.err, /has no requests, nothing to convert/);
  assert.equal(await readFile(keep, 'utf8'), 'precious\n');
});
