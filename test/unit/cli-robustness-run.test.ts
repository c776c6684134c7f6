import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../../src/emulator';
import { runCliCaptured } from '../support/cli';
import { RunUnreachableError, runBatch } from '../../src/runner/runner';

const chat = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `hi ${id}` }] } });

test('run: when every request fails, stderr says why (the first error) and what to check, once per milestone', async () => {
  const emu = await startEmulator({});
  const dir = await mkdtemp(join(tmpdir(), 'bw-robust-run-'));
  try {
    emu.faults.add({ path: '/v1/chat/completions', status: 400, body: { error: { message: 'model "gpt-4o-mini" is not served here', type: 'invalid_request_error' } } });
    const file = join(dir, 'in.jsonl');
    await writeFile(file, [chat('a'), chat('b')].join('\n') + '\n');
    const { code, out, err } = await runCliCaptured(['run', file, '--base-url', `${emu.url}/v1`, '--out', join(dir, 'out.jsonl')], { env: { BATCHWISE_LOCAL_API_KEY: 'k', BATCHWISE_HOME: join(dir, 'home') } });
    assert.equal(code, 1);
    assert.match(out, /Done: 0 succeeded, 2 failed/);
    assert.match(err, /every request failed; the first error: .*not served here.*Check that the server at http:\/\/127\.0\.0\.1:\d+\/v1 is running and serves the model/);
    assert.equal(err.match(/100% 2\/2/g)?.length, 1, err);
  } finally {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
});

/** A port nothing listens on: taken from the OS, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

test('run against a server that is not running stops after a few refusals (exit 2), writes no failures, and resumes later', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-robust-run-'));
  const emu = await startEmulator({});
  try {
    const file = join(dir, 'in.jsonl');
    await writeFile(file, Array.from({ length: 500 }, (_, i) => chat(`r${i}`)).join('\n') + '\n');
    const out = join(dir, 'out.jsonl');
    const env = { BATCHWISE_LOCAL_API_KEY: 'k', BATCHWISE_HOME: join(dir, 'home') };
    const port = await closedPort();
    const down = await runCliCaptured(['run', file, '--base-url', `http://127.0.0.1:${port}/v1`, '--out', out, '--concurrency', '2'], { env });
    assert.equal(down.code, 2, down.err);
    assert.match(down.err, new RegExp(`the server at http://127\\.0\\.0\\.1:${port}/v1 is not reachable \\(connection refused\\): start it .*run the same command again to resume`));
    // Not a failed result per line: nothing was answered, so nothing is written and a resume sends everything.
    assert.equal(await readFile(out, 'utf8').catch(() => ''), '');

    const up = await runCliCaptured(['run', file, '--base-url', `${emu.url}/v1`, '--out', out], { env });
    assert.equal(up.code, 0, up.err);
    assert.match(up.out, /Done: 500 succeeded, 0 failed/);
  } finally {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a run whose server stops answering midway stops too, keeps what was answered, and writes no failure for the outage', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-robust-run-'));
  try {
    const file = join(dir, 'in.jsonl');
    await writeFile(file, Array.from({ length: 40 }, (_, i) => chat(`r${i}`)).join('\n') + '\n');
    const out = join(dir, 'out.jsonl');
    const emu = await startEmulator({});
    let closed = false;
    await assert.rejects(
      runBatch({
        inputPath: file, outPath: out, baseUrl: `${emu.url}/v1`, apiKey: 'k', concurrency: 1, sleep: async () => {},
        // After 10 answers the server goes away (and its port stays closed).
        onProgress: (p) => { if (p.done === 10 && !closed) { closed = true; void emu.close(); } },
      }),
      (e: unknown) => e instanceof RunUnreachableError && /not reachable any more/.test(e.message),
    );
    const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { error: unknown });
    assert.ok(lines.length >= 10 && lines.length < 40, `${lines.length} lines`);
    assert.ok(lines.every((l) => l.error === null), 'no request_failed lines for the outage');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
