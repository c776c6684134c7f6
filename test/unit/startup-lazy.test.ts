// Start-up loads only what a command or feature needs (issue 14): the built bundles keep the provider SDKs and the
// tokenizer encodings in dist/vendor/, and nothing loads them before a provider or an estimate needs them.
// Uses dist/ (npm test builds first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const root = join(__dirname, '..', '..');
const dist = (...p: string[]) => join(root, 'dist', ...p);
const line = (id: string, model: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model, messages: [{ role: 'user', content: 'hi' }] } });

/** Runs the built CLI and returns the dist/vendor files the process loaded. */
async function vendorLoadedBy(args: string[], home: string): Promise<{ vendor: string[]; code: number }> {
  const report = join(home, `report-${args[0]}.json`);
  let code = 0;
  try {
    await exec(process.execPath, ['-r', join(root, 'bench', 'lib', 'exitReport.cjs'), dist('cli.js'), ...args], { env: { ...process.env, BW_EXIT_REPORT: report, BATCHWISE_HOME: home } });
  } catch (err) {
    code = (err as { code?: number }).code ?? -1;
  }
  return { vendor: (JSON.parse(await readFile(report, 'utf8')) as { vendor: string[] }).vendor, code };
}

test('the SDKs and the encodings are separate files in dist/vendor, not parsed with the bundles', async () => {
  for (const f of ['openai.js', 'anthropic.js', 'genai.js', 'o200k_base.js', 'cl100k_base.js']) assert.ok(existsSync(dist('vendor', f)), `dist/vendor/${f}`);
  for (const bundle of ['cli.js', 'extension.js']) {
    const text = await readFile(dist(bundle), 'utf8');
    assert.match(text, /require\("\.\/vendor\/openai\.js"\)/, `${bundle} requires the OpenAI SDK from its own file`);
    assert.match(text, /require\("\.\/vendor\/o200k_base\.js"\)/, `${bundle} requires the o200k encoding from its own file`);
    // zod's ~80 locales were two thirds of its code in the bundles: only English (its default) is kept.
    assert.ok(text.includes('Invalid input') && !text.includes('Entrée invalide'), `${bundle} keeps only zod's English messages`);
  }
});

test('batchwise --help and validate load no SDK and no encoding; estimate loads only the encoding its model uses', async () => {
  const home = await mkdtemp(join(tmpdir(), 'bw-lazy-'));
  try {
    const file = join(home, 'one.jsonl');
    await writeFile(file, line('a', 'gpt-4o-mini') + '\n');
    assert.deepEqual(await vendorLoadedBy(['--help'], home), { vendor: [], code: 0 });
    assert.deepEqual(await vendorLoadedBy(['validate', file], home), { vendor: [], code: 0 });
    assert.deepEqual(await vendorLoadedBy(['estimate', file], home), { vendor: ['o200k_base.js'], code: 0 });
    await writeFile(file, line('a', 'gpt-4') + '\n');
    assert.deepEqual(await vendorLoadedBy(['estimate', file], home), { vendor: ['cl100k_base.js'], code: 0 });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

test('loading dist/extension.js and running activate loads no SDK and no encoding, and every feature starts', async () => {
  const { stdout } = await exec(process.execPath, [join(root, 'bench', 'lib', 'activateChild.cjs')]);
  const r = JSON.parse(stdout) as { vendor: string[]; errors: string[]; commands: number };
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.vendor, []);
  const contributed = (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { contributes: { commands: unknown[] } }).contributes.commands.length;
  assert.ok(r.commands >= contributed, `${r.commands} commands registered, ${contributed} contributed`);
});

// VS Code's extension host logs "PendingMigrationError: navigator is now a global in nodejs" for every read of
// `navigator` by extension code (issue 13): the bundles answer those browser probes at build time.
const NAVIGATOR_TRAP = `const reads = []; Object.defineProperty(globalThis, 'navigator', { configurable: true, get() { reads.push(new Error().stack.split('\\n')[2].trim()); } });`;

test('neither activation nor the split SDKs read navigator (the exthost PendingMigrationError)', async () => {
  const { stdout } = await exec(process.execPath, [join(root, 'bench', 'lib', 'activateChild.cjs')]);
  assert.deepEqual((JSON.parse(stdout) as { navigatorReads: string[] }).navigatorReads, []);
  const script = `${NAVIGATOR_TRAP}
    const v = (f) => require(${JSON.stringify(dist('vendor'))} + '/' + f);
    new (v('openai.js').default)({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1' });
    new (v('anthropic.js').default)({ apiKey: 'k', baseURL: 'http://127.0.0.1:9' });
    new (v('genai.js').GoogleGenAI)({ apiKey: 'k' });
    v('o200k_base.js').countTokens('hello'); v('cl100k_base.js').countTokens('hello');
    process.stdout.write(JSON.stringify(reads));`;
  const sdk = await exec(process.execPath, ['-e', script]);
  assert.deepEqual(JSON.parse(sdk.stdout), []);
});
