// Issue 13.8: a base URL with credentials in it is refused (it would be stored in job files and shown in
// tooltips and logs), and the refusal never repeats the secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseUrlProblem } from '../../src/core/baseUrl';
import { runCliCaptured } from '../support/cli';

test('baseUrlProblem: usable URLs pass; credentials, other schemes and non-URLs are refused', () => {
  for (const ok of ['http://localhost:8000/v1', 'https://api.example.com/v1', ' http://127.0.0.1:4010 ']) assert.equal(baseUrlProblem(ok), undefined, ok);
  for (const bad of ['http://user:s3cr3t@host/v1', 'https://token@host/v1', 'http://:pw@host']) {
    const problem = baseUrlProblem(bad);
    assert.match(problem ?? '', /user name or password/, bad);
    assert.doesNotMatch(problem ?? '', /s3cr3t|token|pw@/, 'the secret is not repeated');
  }
  assert.match(baseUrlProblem('ftp://host/v1') ?? '', /http:\/\/ or https:\/\//);
  assert.match(baseUrlProblem('localhost:8000') ?? '', /http|URL/);
  assert.match(baseUrlProblem('not a url') ?? '', /not a URL/);
});

test('submit and run refuse --base-url with credentials: exit 2, the secret never printed, no job written', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-baseurl-'));
  const file = join(dir, 'in.jsonl');
  await writeFile(file, JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } }) + '\n');
  const home = join(dir, 'home');
  const env = { BATCHWISE_HOME: home, OPENAI_API_KEY: 'k' };
  for (const argv of [['submit', file, '--provider', 'openai', '--base-url', 'http://alice:s3cr3t@127.0.0.1:9/v1'], ['run', file, '--base-url', 'http://alice:s3cr3t@127.0.0.1:9/v1']]) {
    const r = await runCliCaptured(argv, { env });
    assert.equal(r.code, 2, `${argv[0]}: ${r.err}`);
    assert.match(r.err, /--base-url must not carry a user name or password/);
    assert.doesNotMatch(r.out + r.err, /s3cr3t/);
  }
  assert.deepEqual(await readdir(home).catch(() => []), [], 'nothing stored');
});
