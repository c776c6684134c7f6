import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { RateLimitError, toFile } from 'openai';
import { approxTokens, startEmulator, type Emulator } from '../../src/emulator';

// OpenAI's batch quotas (issue 18): the input tokens of the batches in flight are limited per model, and a batch over
// the limit is created, then fails with BatchError {code: 'token_limit_exceeded', line: null, param: null} and the
// service's message (quoted in openai/openai-python#2084); batch creation is limited per hour ("2,000 batches per
// hour", OpenAI batch guide). The emulator enforces both only when started with them.
const prompt = (n: number) => 'x'.repeat(n * 4);
const line = (id: string, tokens: number, model = 'gpt-4o-mini') => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model, messages: [{ role: 'user', content: prompt(tokens) }] } });

describe('emulator: OpenAI enqueued-token limit and batch creation rate (manual clock)', () => {
  let emu: Emulator;
  let client: OpenAI;
  const submit = async (lines: string[]) => {
    const file = await client.files.create({ file: await toFile(Buffer.from(lines.join('\n') + '\n'), 'in.jsonl'), purpose: 'batch' });
    return client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
  };
  before(async () => {
    emu = await startEmulator({ manualClock: true, limits: { enqueuedTokenLimit: 100, batchesPerHour: 5 } });
    client = new OpenAI({ apiKey: 'k', baseURL: `${emu.url}/v1`, maxRetries: 0 });
  });
  after(() => emu.close());

  it('a batch that would take the model past the limit fails with token_limit_exceeded; another model and a later batch are not held back', async () => {
    assert.equal(approxTokens(prompt(30)), 30);
    const first = await submit([line('a', 30), line('b', 30)]);
    const over = await submit([line('c', 50)]);
    const other = await submit([line('d', 90, 'gpt-4.1-mini')]);
    emu.clock.tick(1);
    assert.equal((await client.batches.retrieve(first.id)).status, 'in_progress');
    const failed = await client.batches.retrieve(over.id);
    assert.equal(failed.status, 'failed');
    assert.deepEqual(failed.errors?.data, [
      { code: 'token_limit_exceeded', line: null, param: null, message: 'Enqueued token limit reached for gpt-4o-mini in organization org-emulator. Limit: 100 enqueued tokens. Please try again once some in_progress batches have been completed.' },
    ]);
    assert.equal((await client.batches.retrieve(other.id)).status, 'in_progress', 'the limit is per model');
    // A batch that fits next to the first one is admitted.
    const fits = await submit([line('e', 40)]);
    emu.clock.tick(10);
    assert.equal((await client.batches.retrieve(first.id)).status, 'completed');
    assert.equal((await client.batches.retrieve(fits.id)).status, 'completed');
    assert.deepEqual(emu.stats.enqueuedTokensPeak, { 'gpt-4o-mini': 100, 'gpt-4.1-mini': 90 });
    // Once the first batches ended, their tokens are free again.
    const later = await submit([line('f', 50)]);
    emu.clock.tick(1);
    assert.equal((await client.batches.retrieve(later.id)).status, 'in_progress');
  });

  it('the create beyond the hourly limit is refused with a 429, and allowed again an hour later', async () => {
    // The first test made 5 creates within this hour of the emulator's clock.
    const refused = await submit([line('g', 1)]).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(refused instanceof RateLimitError, `expected a 429, got ${String(refused)}`);
    assert.equal(refused.status, 429);
    assert.equal(refused.code, 'rate_limit_exceeded');
    assert.match(refused.message, /limit 5 batches per hour/);
    emu.clock.advance(3_600_000);
    assert.equal((await submit([line('h', 1)])).status, 'validating');
  });
});
