import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator';
import { runBatch, RunAuthError } from '../../src/runner/runner';

let emu: Emulator;
before(async () => {
  emu = await startEmulator({ port: 0, tickMs: 10 });
});
after(async () => {
  await emu.close();
});

function chatLine(id: string, text: string): string {
  return JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'llama-3.1-8b', messages: [{ role: 'user', content: text }], max_tokens: 50 } });
}

async function inputFile(n: number, text = (i: number) => `Translate to French: line ${i}`): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-run-'));
  const path = join(dir, 'in.jsonl');
  await writeFile(path, Array.from({ length: n }, (_, i) => chatLine(`req-${i + 1}`, text(i + 1))).join('\n') + '\n');
  return path;
}

async function outputIds(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { custom_id: string }).custom_id);
}

test('every line is answered once, in the OpenAI batch output format', async () => {
  const input = await inputFile(30);
  const out = input.replace('in.jsonl', 'out.jsonl');
  const summary = await runBatch({ inputPath: input, outPath: out, baseUrl: `${emu.url}/v1`, apiKey: 'k', concurrency: 4, sleep: async () => {} });
  assert.equal(summary.succeeded, 30);
  assert.equal(summary.failed, 0);
  const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.custom_id).sort(), Array.from({ length: 30 }, (_, i) => `req-${i + 1}`).sort());
  for (const l of lines) {
    assert.equal(l.response.status_code, 200);
    assert.equal(l.error, null);
    assert.match(l.id, /^batch_req_/);
    assert.equal(typeof l.response.body.choices[0].message.content, 'string');
  }
});

test('the concurrency bound is respected (the emulator counts requests in flight)', async () => {
  const slow = await startEmulator({ port: 0, tickMs: 10, latencyMs: 30 });
  try {
    const input = await inputFile(24);
    await runBatch({ inputPath: input, outPath: input + '.out', baseUrl: `${slow.url}/v1`, apiKey: 'k', concurrency: 3 });
    assert.equal(slow.stats.maxConcurrent, 3);
  } finally {
    await slow.close();
  }
});

test('429 and 500 are retried, then answered', async () => {
  emu.faults.add({ path: '/v1/chat/completions', status: 429, retryAfterSeconds: 0, times: 2 });
  emu.faults.add({ path: '/v1/chat/completions', status: 500, times: 1 });
  const input = await inputFile(5);
  const out = input + '.out';
  const sleeps: number[] = [];
  const summary = await runBatch({ inputPath: input, outPath: out, baseUrl: `${emu.url}/v1`, apiKey: 'k', concurrency: 1, sleep: async (ms) => void sleeps.push(ms) });
  emu.faults.clear();
  assert.equal(summary.succeeded, 5);
  assert.equal(sleeps.length, 3, 'two 429s and one 500 were each followed by a backoff');
  assert.equal((await outputIds(out)).length, 5);
});

test('a request that keeps failing is written as an error line after its attempts', async () => {
  emu.faults.add({ path: '/v1/chat/completions', status: 503, times: 100 });
  const input = await inputFile(1);
  const out = input + '.out';
  const summary = await runBatch({ inputPath: input, outPath: out, baseUrl: `${emu.url}/v1`, apiKey: 'k', maxAttempts: 3, sleep: async () => {} });
  emu.faults.clear();
  assert.equal(summary.failed, 1);
  const [line] = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(line.response.status_code, 503);
});

test('cancelled and run again, it resumes: nothing lost, nothing written twice', async () => {
  const slow = await startEmulator({ port: 0, tickMs: 10, latencyMs: 20 });
  try {
    const input = await inputFile(40);
    const out = input + '.out';
    const ac = new AbortController();
    const first = runBatch({ inputPath: input, outPath: out, baseUrl: `${slow.url}/v1`, apiKey: 'k', concurrency: 2, signal: ac.signal, onProgress: (p) => p.done >= 10 && ac.abort() });
    const s1 = await first;
    assert.ok(s1.cancelled);
    assert.ok(s1.done < 40);
    const s2 = await runBatch({ inputPath: input, outPath: out, baseUrl: `${slow.url}/v1`, apiKey: 'k', concurrency: 4 });
    assert.equal(s2.skipped, s1.done);
    const ids = await outputIds(out);
    assert.equal(ids.length, 40);
    assert.equal(new Set(ids).size, 40);
  } finally {
    await slow.close();
  }
});

test('killed with SIGKILL mid-run and run again, the CLI resumes without loss or duplicates', async () => {
  const slow = await startEmulator({ port: 0, tickMs: 10, latencyMs: 15 });
  try {
    const input = await inputFile(60);
    const out = input + '.out';
    const cli = resolve('dist/cli.js');
    const args = [cli, 'run', input, '--base-url', `${slow.url}/v1`, '--concurrency', '4', '--out', out];
    const env = { ...process.env, BATCHWISE_LOCAL_API_KEY: 'k' };
    const child = spawn(process.execPath, args, { stdio: 'ignore', env });
    // Kill once some (but not all) lines are written.
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setTimeout(r, 25));
      const n = await readFile(out, 'utf8').then((t) => t.split('\n').length - 1, () => 0);
      if (n >= 10) break;
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const before = await outputIds(out).catch(() => [] as string[]);
    assert.ok(before.length < 60, 'the kill happened before the end');
    const second = spawn(process.execPath, args, { stdio: 'ignore', env });
    const code = await new Promise((r) => second.once('exit', r));
    assert.equal(code, 0);
    const ids = await outputIds(out);
    assert.equal(ids.length, 60);
    assert.equal(new Set(ids).size, 60);
  } finally {
    await slow.close();
  }
});

test('a rejected API key stops the run at once instead of writing an error for every line', async () => {
  const input = await inputFile(20);
  const out = input + '.out';
  const before = emu.stats.requests['POST /v1/chat/completions'] ?? 0;
  await assert.rejects(runBatch({ inputPath: input, outPath: out, baseUrl: `${emu.url}/v1`, concurrency: 2, sleep: async () => {} }), (err: unknown) => {
    assert.ok(err instanceof RunAuthError);
    assert.equal(err.status, 401);
    assert.match(err.message, /API key/);
    return true;
  });
  assert.ok((emu.stats.requests['POST /v1/chat/completions'] ?? 0) - before <= 2, 'no more than the requests already in flight were sent');
  assert.deepEqual(await outputIds(out).catch(() => []), []);
  // With the key, the same output file completes.
  const summary = await runBatch({ inputPath: input, outPath: out, baseUrl: `${emu.url}/v1`, apiKey: 'k', concurrency: 2 });
  assert.equal(summary.succeeded, 20);
});

test('lines that only recorded a transient failure are sent again on resume, and written once', async () => {
  const input = await inputFile(10);
  const out = input + '.out';
  emu.faults.add({ path: '/v1/chat/completions', status: 503, times: 1000 });
  try {
    const first = await runBatch({ inputPath: input, outPath: out, baseUrl: `${emu.url}/v1`, apiKey: 'k', concurrency: 2, maxAttempts: 1, sleep: async () => {} });
    assert.equal(first.failed, 10);
  } finally {
    emu.faults.clear();
  }
  const second = await runBatch({ inputPath: input, outPath: out, baseUrl: `${emu.url}/v1`, apiKey: 'k', concurrency: 2 });
  assert.equal(second.skipped, 0);
  assert.equal(second.succeeded, 10);
  const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 10);
  assert.ok(lines.every((l) => l.response.status_code === 200));
});

test('a server that does not answer in time is given up on per request, retried, then reported', async () => {
  const input = await inputFile(2);
  const out = input + '.out';
  emu.faults.add({ path: '/v1/chat/completions', delayMs: 2000, times: 4 });
  try {
    const summary = await runBatch({ inputPath: input, outPath: out, baseUrl: `${emu.url}/v1`, apiKey: 'k', concurrency: 2, timeoutMs: 100, maxAttempts: 2, sleep: async () => {} });
    assert.equal(summary.failed, 2);
  } finally {
    emu.faults.clear();
  }
  const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.every((l) => l.response === null && /timed out/.test(l.error.message)), JSON.stringify(lines));
});

test('a cancel during a long Retry-After backoff stops the run instead of waiting the backoff out', { timeout: 30_000 }, async () => {
  const input = await inputFile(3);
  emu.faults.add({ path: '/v1/chat/completions', status: 429, retryAfterSeconds: 3600, times: 100 });
  const controller = new AbortController();
  const sent = () => emu.stats.requests['POST /v1/chat/completions'] ?? 0;
  const before = sent();
  try {
    const run = runBatch({ inputPath: input, outPath: input + '.out', baseUrl: `${emu.url}/v1`, apiKey: 'k', concurrency: 3, signal: controller.signal });
    // Every request has had its 429 and is waiting out the hour-long Retry-After.
    while (sent() - before < 3) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    const summary = await run;
    assert.equal(summary.cancelled, true);
    assert.deepEqual(await outputIds(input + '.out').catch(() => []), [], 'nothing is written for requests cut short');
  } finally {
    emu.faults.clear();
  }
});

test('resume after a corrupt line keeps every good answer after it and sends only the lost request again (issue 13.5)', async () => {
  const input = await inputFile(6);
  const out = input + '.out';
  await runBatch({ inputPath: input, outPath: out, baseUrl: `${emu.url}/v1`, apiKey: 'k', concurrency: 2 });
  const lines = (await readFile(out, 'utf8')).trim().split('\n');
  const lost = (JSON.parse(lines[1]!) as { custom_id: string }).custom_id;
  lines[1] = '{"custom_id": "' + lost + '", "respo'; // a line garbled in place (an editor, a bad disk), then a newline
  await writeFile(out, lines.join('\n') + '\n');
  const before = emu.stats.totalRequests;
  const second = await runBatch({ inputPath: input, outPath: out, baseUrl: `${emu.url}/v1`, apiKey: 'k', concurrency: 2 });
  assert.equal(second.corruptDropped, 1);
  assert.equal(second.skipped, 5, 'the five good answers are kept, also the four after the corrupt line');
  assert.equal(second.succeeded, 1);
  assert.equal(emu.stats.totalRequests - before, 1, 'only the lost request reaches the server again');
  assert.deepEqual((await outputIds(out)).sort(), ['req-1', 'req-2', 'req-3', 'req-4', 'req-5', 'req-6']);
});
