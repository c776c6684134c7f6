import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../../src/emulator';
import { runCliCaptured } from '../support/cli';

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
