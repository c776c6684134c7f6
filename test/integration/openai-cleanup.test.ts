import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import { submitJob } from '../../src/jobs/submit';
import { OpenAIProvider } from '../../src/providers/openai';
import { defaultProfile } from '../../src/providers';
import { writeInput } from './support/providerHarness';

// Issue 18 "Clean-up": the input file uploaded for a part whose batch the service refused to create (here the
// emulator's batch creation limit, a 429 like OpenAI's "2,000 batches per hour") is deleted at the provider, not left
// in the account's file storage (files.list, openai-node resources/files.d.ts).
let emu: Emulator;
let dir: string;
before(async () => {
  emu = await startEmulator({ manualClock: true, limits: { batchesPerHour: 1 } });
  dir = await mkdtemp(join(tmpdir(), 'bw-openai-cleanup-'));
});
after(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

test('a part whose create is refused leaves no uploaded file behind; a created part keeps its input', async () => {
  const store = new JobStore(join(dir, 'home'));
  const provider = new OpenAIProvider(defaultProfile('openai', `${emu.url}/v1`), 'k', { retry: { baseDelayMs: 1, maxDelayMs: 2 } });
  const line = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `Say ${id}` }] } });
  const first = await submitJob({ store, provider, inputPath: await writeInput(dir, 'one.jsonl', [line('a')]) });
  assert.ok(first.parts[0]!.remoteId);
  await assert.rejects(submitJob({ store, provider, inputPath: await writeInput(dir, 'two.jsonl', [line('b')]) }), /Rate limit reached for batch creation/);
  const client = new OpenAI({ apiKey: 'k', baseURL: `${emu.url}/v1`, maxRetries: 0 });
  const files = (await client.files.list()).data.map((f) => f.id);
  assert.deepEqual(files, [first.parts[0]!.inputFileId], 'only the created batch input remains');
  assert.equal(emu.stats.requests['DELETE /v1/files/{id}'], 1, JSON.stringify(emu.stats.requests));
});
