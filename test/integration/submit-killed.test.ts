import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmulator } from '../../src/emulator';
import { runCliCaptured } from '../support/cli';

const chat = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `hi ${id}` }] } });

/**
 * The real CLI in its own process, killed with SIGKILL while the emulator holds its upload (POST /v1/files, the step
 * before the create): the moment is exact (the emulator says when the request is held), no sleep guesses it.
 */
test('a submit killed during the upload: its job is "not submitted" at once and the same file can be submitted again', async () => {
  const emu = await startEmulator({ tickMs: 20 });
  const dir = await mkdtemp(join(tmpdir(), 'bw-killed-'));
  try {
    const input = join(dir, 'in.jsonl');
    await writeFile(input, ['a', 'b', 'c'].map(chat).join('\n') + '\n');
    const env = { ...process.env, BATCHWISE_HOME: join(dir, 'home'), OPENAI_API_KEY: 'k', BATCHWISE_RETRY_BASE_MS: '1' };
    const cli = (...argv: string[]) => runCliCaptured(argv, { env });
    emu.faults.add({ method: 'POST', path: '/v1/files', hold: true, times: 1 });

    const child = spawn(process.execPath, [resolve('dist/cli.js'), 'submit', input, '--base-url', `${emu.url}/v1`], { stdio: 'ignore', env });
    const exited = new Promise((r) => child.once('exit', r));
    await emu.faults.whenHeld();

    // While the submit is alive and uploading, its job waits for the batch id.
    const during = JSON.parse((await cli('list', '--json')).out) as { jobs: { id: string; status: string }[] };
    assert.equal(during.jobs.length, 1);
    const id = during.jobs[0]!.id;
    const waiting = await cli('status', id, '--json');
    assert.equal(JSON.parse(waiting.out).status, 'validating', waiting.err);

    child.kill('SIGKILL');
    await exited;
    emu.faults.release();

    const after = await cli('status', id);
    assert.equal(after.code, 1, after.err);
    assert.match(after.out, /status\s+not submitted/);
    assert.match(after.out, /not_submitted: Not submitted: the submit stopped before this part was sent \(nothing was created or billed\)/);
    assert.match(after.out, /requests\s+3: 0 succeeded, 3 errored, 0 expired, 0 canceled, 0 pending/);

    const again = await cli('submit', input, '--base-url', `${emu.url}/v1`, '--json');
    assert.equal(again.code, 0, again.err);
    assert.notEqual(JSON.parse(again.out).job, id);
    // Exactly one batch exists: the killed submit never reached the create.
    assert.equal(emu.stats.requests['POST /v1/batches'] ?? 0, 1);
  } finally {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('two processes at once: a second submit of the same file and a second run on the same --out are refused while the first is mid-way', async () => {
  const emu = await startEmulator({ tickMs: 20 });
  const dir = await mkdtemp(join(tmpdir(), 'bw-twice-'));
  try {
    const input = join(dir, 'in.jsonl');
    await writeFile(input, ['a', 'b'].map(chat).join('\n') + '\n');
    const env = { ...process.env, BATCHWISE_HOME: join(dir, 'home'), OPENAI_API_KEY: 'k', BATCHWISE_LOCAL_API_KEY: 'k', BATCHWISE_RETRY_BASE_MS: '1' };
    const cli = (...argv: string[]) => runCliCaptured(argv, { env });

    // The first submit, in its own process, is held in its upload; the second (this process) asks at that moment.
    emu.faults.add({ method: 'POST', path: '/v1/files', hold: true, times: 1 });
    const first = spawn(process.execPath, [resolve('dist/cli.js'), 'submit', input, '--base-url', `${emu.url}/v1`], { stdio: 'ignore', env });
    const firstExit = new Promise<number | null>((r) => first.once('exit', r));
    await emu.faults.whenHeld();
    const second = await cli('submit', input, '--base-url', `${emu.url}/v1`);
    assert.equal(second.code, 1);
    assert.match(second.err, /being submitted right now by process \d+/);
    emu.faults.release();
    assert.equal(await firstExit, 0);
    assert.equal(emu.stats.requests['POST /v1/batches'], 1, 'one batch, not two');

    // The same for `run`: the first is held on its first request, the second refuses the same --out.
    const out = join(dir, 'out.jsonl');
    emu.faults.add({ method: 'POST', path: '/v1/chat/completions', hold: true, times: 1 });
    const run1 = spawn(process.execPath, [resolve('dist/cli.js'), 'run', input, '--base-url', `${emu.url}/v1`, '--out', out, '--concurrency', '1'], { stdio: 'ignore', env });
    const run1Exit = new Promise<number | null>((r) => run1.once('exit', r));
    await emu.faults.whenHeld();
    const run2 = await cli('run', input, '--base-url', `${emu.url}/v1`, '--out', out);
    assert.equal(run2.code, 2);
    assert.match(run2.err, /another batchwise run is writing .*out\.jsonl \(process \d+.*Running both would send every request twice/);
    emu.faults.release();
    assert.equal(await run1Exit, 0);
    assert.equal(emu.stats.requests['POST /v1/chat/completions'], 2, 'each line sent once');
  } finally {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
});
