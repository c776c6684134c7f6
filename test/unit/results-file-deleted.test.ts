import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured } from '../support/cli';
import type { Job } from '../../src/core/jobs/job';

/**
 * A job whose kept results.jsonl was deleted from its folder (by hand, a cleanup script): `results` downloads them
 * again instead of reading every line as missing and offering to resend all of them.
 */
test('a deleted results file is downloaded again, not read as every line missing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-deleted-'));
  try {
    const home = join(dir, 'home');
    const input = join(dir, 'in.jsonl');
    const line = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: id }] } });
    await writeFile(input, [line('a'), line('b')].join('\n') + '\n');
    // A finished self-hosted run: its output file is the provider's copy of the results.
    const runDir = join(home, 'runs', 'local-x');
    await mkdir(runDir, { recursive: true });
    const now = new Date().toISOString();
    await writeFile(join(runDir, 'run.json'), JSON.stringify({ id: 'local-x', baseUrl: 'http://127.0.0.1:9/v1', concurrency: 1, total: 2, endpoint: '/v1/chat/completions', model: 'm', state: 'completed', createdAt: now, endedAt: now }));
    const out = (id: string) => JSON.stringify({ id: `r-${id}`, custom_id: id, response: { status_code: 200, request_id: 'q', body: { choices: [{ message: { role: 'assistant', content: `answer ${id}` } }] } }, error: null });
    await writeFile(join(runDir, 'output.jsonl'), [out('b'), out('a')].join('\n') + '\n');
    const counts = { total: 2, succeeded: 2, failed: 0, processing: 0, expired: 0, canceled: 0 };
    const id = 'bw-20261203-delres';
    const job: Job = {
      version: 1, id, name: 'in.jsonl', provider: 'local', profile: 'local', baseUrl: 'http://127.0.0.1:9/v1', endpoint: '/v1/chat/completions', model: 'm',
      inputPath: input, inputSha256: 'x', inputLines: 2, requests: 2, attempt: 1, status: 'completed', createdAt: now, updatedAt: now, finishedAt: now,
      parts: [{ index: 0, remoteId: 'local-x', status: 'completed', lineStart: 1, lineEnd: 2, requests: 2, counts, errors: [] }],
      resultsPath: join(home, 'jobs', id, 'results.jsonl'),
    };
    await mkdir(join(home, 'jobs', id), { recursive: true });
    await writeFile(join(home, 'jobs', id, 'job.json'), JSON.stringify(job));

    const r = await runCliCaptured(['results', id], { env: { BATCHWISE_HOME: home } });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /2 of 2 lines succeeded/);
    assert.doesNotMatch(r.out, /missing|retry/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
