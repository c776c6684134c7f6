import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareOutputForResume } from '../../src/runner/outputFile';
import { backoffMs, endpointUrl } from '../../src/runner/runner';
import { Throughput } from '../../src/runner/throughput';
import { vllmRunBatchCommand } from '../../src/runner/vllm';

const line = (id: string) => JSON.stringify({ id: `batch_req_${id}`, custom_id: id, response: { status_code: 200, request_id: 'r', body: {} }, error: null });

async function tmpFile(content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-runner-'));
  const path = join(dir, 'out.jsonl');
  await writeFile(path, content);
  return path;
}

test('a missing output file resumes from nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-runner-'));
  const r = await prepareOutputForResume(join(dir, 'none.jsonl'));
  assert.equal(r.answered.size, 0);
});

test('complete lines are kept and their ids reported as answered', async () => {
  const path = await tmpFile(`${line('a')}\n${line('b')}\n`);
  const r = await prepareOutputForResume(path);
  assert.deepEqual([...r.answered].sort(), ['a', 'b']);
  assert.equal(r.repairedBytes, 0);
  assert.equal(await readFile(path, 'utf8'), `${line('a')}\n${line('b')}\n`);
});

test('a torn last line left by a kill is cut off and not counted', async () => {
  const torn = line('c').slice(0, 20);
  const path = await tmpFile(`${line('a')}\n${line('b')}\n${torn}`);
  const r = await prepareOutputForResume(path);
  assert.deepEqual([...r.answered].sort(), ['a', 'b']);
  assert.equal(r.repairedBytes, torn.length);
  assert.equal(await readFile(path, 'utf8'), `${line('a')}\n${line('b')}\n`);
});

test('a file holding only a torn line becomes empty', async () => {
  const path = await tmpFile('{"custom_id":"x","resp');
  const r = await prepareOutputForResume(path);
  assert.equal(r.answered.size, 0);
  assert.equal(await readFile(path, 'utf8'), '');
});

test('a corrupt complete line is dropped on its own: the good answers after it are kept and counted (issue 13.5)', async () => {
  const path = await tmpFile(`${line('a')}\nnot json\n${line('b')}\n{"no_custom_id":1}\n${line('c')}\n`);
  const r = await prepareOutputForResume(path);
  assert.deepEqual([...r.answered].sort(), ['a', 'b', 'c']);
  assert.equal(r.corrupt, 2);
  assert.equal(r.repairedBytes, 'not json\n'.length + '{"no_custom_id":1}\n'.length);
  assert.equal(await readFile(path, 'utf8'), `${line('a')}\n${line('b')}\n${line('c')}\n`);
  // Resuming again finds nothing more to repair.
  const again = await prepareOutputForResume(path);
  assert.equal(again.corrupt, 0);
  assert.equal(again.answered.size, 3);
});

test('backoff grows, stays within its jitter band and honours a longer Retry-After', () => {
  assert.equal(backoffMs(1, null, () => 0), 250);
  assert.equal(backoffMs(1, null, () => 1), 500);
  assert.equal(backoffMs(3, null, () => 1), 2000);
  assert.ok(backoffMs(20, null, () => 1) <= 30_000);
  assert.equal(backoffMs(1, '7', () => 0), 7000);
  assert.equal(backoffMs(4, '0', () => 1), 4000);
});

test('endpoint URLs join a /v1 base and a /v1 line url without doubling', () => {
  assert.equal(endpointUrl('http://h:8000/v1', '/v1/chat/completions'), 'http://h:8000/v1/chat/completions');
  assert.equal(endpointUrl('http://h:8000/v1/', '/v1/embeddings'), 'http://h:8000/v1/embeddings');
  assert.equal(endpointUrl('http://h:8000', '/v1/chat/completions'), 'http://h:8000/v1/chat/completions');
});

test('throughput follows a sliding window and gives an ETA', () => {
  let now = 0;
  const t = new Throughput(10_000, () => now);
  assert.equal(t.etaSeconds(10), null);
  for (let i = 0; i < 20; i++) {
    now += 500;
    t.record(10);
  }
  const r = t.rates();
  assert.ok(Math.abs(r.requestsPerSec - 2.1) < 0.2, `requests/s ${r.requestsPerSec}`);
  assert.ok(Math.abs(r.tokensPerSec - 21) < 2, `tokens/s ${r.tokensPerSec}`);
  assert.equal(t.etaSeconds(21), Math.ceil(21 / r.requestsPerSec));
  now += 60_000;
  assert.equal(t.rates().requestsPerSec, 0);
});

test('the vLLM command quotes paths with spaces', () => {
  assert.equal(vllmRunBatchCommand('/d/in.jsonl', '/d/out.jsonl', 'meta-llama/Llama-3.1-8B'), 'vllm run-batch -i /d/in.jsonl -o /d/out.jsonl --model meta-llama/Llama-3.1-8B');
  assert.equal(vllmRunBatchCommand('/my dir/in.jsonl', '/o.jsonl', 'm'), "vllm run-batch -i '/my dir/in.jsonl' -o /o.jsonl --model m");
});
