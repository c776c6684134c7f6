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
