import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI, { toFile } from 'openai';
import { runCli } from '../../src/cli/run';
import { newWebhookSecret, verifyWebhook } from '../../src/core/webhooks/standardWebhooks';
import { captureIO, runCliCaptured } from '../support/cli';

describe('batchwise emulator --webhook-url: usage errors before anything starts (exit 2)', () => {
  const secret = newWebhookSecret();
  const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
    [['emulator', '--webhook-url', 'http://127.0.0.1:9/hook'], {}, /needs a signing secret: set BATCHWISE_EMULATOR_WEBHOOK_SECRET=whsec_/],
    [['emulator', '--webhook-url', 'http://127.0.0.1:9/hook', '--webhook-secret', 'whsec_abc'], {}, /--webhook-secret is not a usable secret: .*base64/],
    [['emulator', '--webhook-url', 'http://127.0.0.1:9/hook'], { BATCHWISE_EMULATOR_WEBHOOK_SECRET: 'hunter2' }, /BATCHWISE_EMULATOR_WEBHOOK_SECRET is not a usable secret: .*whsec_/],
    [['emulator', '--webhook-url', 'localhost:8787', '--webhook-secret', secret], {}, /--webhook-url must be an http:\/\/ or https:\/\/ URL/],
    [['emulator', '--webhook-secret', secret], {}, /--webhook-secret needs --webhook-url URL/],
  ];
  for (const [argv, env, message] of cases) {
    it(`${argv.slice(1).join(' ')} ${Object.keys(env).join(' ')}`, async () => {
      const run = await runCliCaptured(argv, { env });
      assert.equal(run.code, 2);
      assert.match(run.err, message);
      assert.ok(!run.err.includes('hunter2') && !run.err.includes(secret.slice(6)), 'the error echoes the secret');
    });
  }
});

describe('batchwise emulator --webhook-url with the secret from the environment', () => {
  it('POSTs a signed batch.completed to the URL and logs the delivery', async () => {
    const secret = newWebhookSecret();
    const got: { headers: IncomingHttpHeaders; body: string }[] = [];
    let arrived!: () => void;
    const delivered = new Promise<void>((resolve) => (arrived = resolve));
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
        arrived();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/openai`;

    const stop = new AbortController();
    const c = captureIO({ env: { BATCHWISE_EMULATOR_WEBHOOK_SECRET: secret }, signal: stop.signal });
    // Waits for a line of output as it is printed (no polling, no sleeping).
    const outWaiters: (() => void)[] = [];
    const io = { ...c.io, out: (t: string) => (c.io.out(t), outWaiters.splice(0).forEach((w) => w())) };
    const untilOut = (re: RegExp) => new Promise<RegExpExecArray>((resolve) => {
      const check = () => {
        const m = re.exec(c.out());
        if (m) resolve(m);
        else outWaiters.push(check);
      };
      check();
    });
    // A short tick: the batch ends on the emulator's real clock; the test waits for the delivery, not for a duration.
    const running = runCli(['emulator', '--tick-ms', '5', '--webhook-url', hookUrl], io);
    try {
      const base = (await untilOut(/listening on (http:\/\/\S+)/))[1];
      assert.match(c.out(), new RegExp(`signed webhook is POSTed to ${hookUrl.replace(/[.]/g, '\\.')}`));
      const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'x', maxRetries: 0 });
      const file = await client.files.create({ file: await toFile(Buffer.from(JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } }) + '\n'), 'in.jsonl'), purpose: 'batch' });
      const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
      await delivered;
      assert.equal(got.length, 1);
      assert.equal(verifyWebhook([secret], got[0].headers, got[0].body).ok, true);
      assert.deepEqual((JSON.parse(got[0].body) as { data: unknown }).data, { id: batch.id });
      await untilOut(new RegExp(`webhook batch\\.completed ${batch.id} delivered \\(1 attempt\\)`));
    } finally {
      stop.abort();
      assert.equal(await running, 0);
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
    assert.ok(!c.out().includes(secret.slice(6)), 'the secret was printed');
  });
});
