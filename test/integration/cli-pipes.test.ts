import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The built CLI with its stdout read by a consumer that stops at once (`| head -0`): the pipe closes under it. */
test('validate piped into a reader that goes away: no EPIPE crash, and the exit code is still the result (issue 14)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-pipe-'));
  try {
    const file = join(dir, 'bad.jsonl');
    // Enough errors that the output outgrows the pipe buffer after the reader left.
    await writeFile(file, Array.from({ length: 20_000 }, (_, i) => `{"custom_id": "x${i}", oops}`).join('\n') + '\n');
    const child = spawn(process.execPath, [resolve('dist/cli.js'), 'validate', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    assert.doesNotMatch(err, /EPIPE|Unhandled 'error'/);
    assert.equal(code, 1, 'exit 1: the file has errors');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
