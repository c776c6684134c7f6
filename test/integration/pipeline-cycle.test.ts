import { test } from 'node:test';
import OpenAI from 'openai';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import { parsePipeline } from '../../src/core/pipeline/load';
import { readPipelineState } from '../../src/core/pipeline/state';
import { runPipelineCycle, type CycleDeps } from '../../src/jobs/pipeline/cycle';
import { createProvider, defaultProfile } from '../../src/providers';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Database } from 'node-sqlite3-wasm';
import { newWebhookSecret, verifyWebhook } from '../../src/core/webhooks/standardWebhooks';

const chat = (id: string, text = `hi ${id}`) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }], max_tokens: 50 } });

interface Setup {
  emu: Emulator;
  dir: string;
  store: JobStore;
  deps: (extra?: Partial<CycleDeps>) => CycleDeps;
  close(): Promise<void>;
}

/** A pipeline folder, a job store, and the emulator on a manual clock: each wait of the cycle moves the clock a tick. */
async function setup(): Promise<Setup> {
  const emu = await startEmulator({ manualClock: true });
  const dir = await mkdtemp(join(tmpdir(), 'bw-pipe-'));
  const store = new JobStore(join(dir, 'home'));
  const provider = () => createProvider(defaultProfile('openai', `${emu.url}/v1`), 'test-key', { retry: { baseDelayMs: 1 } });
  return {
    emu,
    dir,
    store,
    deps: (extra = {}) => ({
      store,
      env: { PATH: process.env.PATH },
      providerFor: provider,
      providerForJob: provider,
      pause: async () => void emu.clock.tick(1),
      ...extra,
    }),
    close: async () => {
      await emu.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function pipelineFile(s: Setup, yaml: string, name = 'nightly.batchwise.yaml') {
  return parsePipeline(join(s.dir, name), yaml.replaceAll('EMU', `${s.emu.url}/v1`));
}

test('a cycle submits, follows, retries a line that failed once, writes the outputs and runs the hook with the counts', async () => {
  const s = await setup();
  try {
    await writeFile(join(s.dir, 'requests.jsonl'), [chat('a'), chat('b', 'x [[fail-once]]'), chat('c', 'y [[fail]]')].join('\n') + '\n');
    const loaded = pipelineFile(
      s,
      `name: nightly
input: {file: requests.jsonl}
provider: openai
baseUrl: EMU
retries: 2
outputs: [out/results.csv, out/results.jsonl]
onComplete:
  command: 'printf "%s %s %s %s" "$BATCHWISE_STATUS" "$BATCHWISE_SUCCEEDED" "$BATCHWISE_FAILED" "$BATCHWISE_JOB" > hook.txt'
`,
    );
    const report = await runPipelineCycle(loaded, s.deps(), { wait: true });
    assert.equal(report.status, 'failed', JSON.stringify(report));
    assert.equal(report.succeeded, 2);
    assert.equal(report.failed, 1);
    // The first job, one retry that fixed [[fail-once]], one more that [[fail]] failed again: retries 2.
    assert.equal(report.jobs.length, 3);
    assert.deepEqual(report.hook, { ran: true, exitCode: 0 });
    assert.equal(await readFile(join(s.dir, 'hook.txt'), 'utf8'), `failed 2 1 ${report.job}`);
    const csv = await readFile(join(s.dir, 'out/results.csv'), 'utf8');
    assert.match(csv, /^custom_id,/);
    assert.equal(csv.trim().split('\n').length, 4);
    const jsonl = (await readFile(join(s.dir, 'out/results.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string });
    assert.deepEqual(jsonl.map((r) => r.custom_id).sort(), ['a', 'b', 'c']);
    const jobs = await Promise.all(report.jobs.map((id) => s.store.get(id)));
    assert.deepEqual(jobs.map((j) => j?.attempt), [1, 2, 3]);
    assert.ok(jobs.every((j) => j?.pipeline?.cycle === report.cycle));
    assert.equal(jobs[1]!.parentId, jobs[0]!.id);
    assert.equal(s.emu.stats.requests['POST /v1/batches'], 3);
  } finally {
    await s.close();
  }
});

test('without --wait a cycle stops while its job runs; the next call continues it (no second submission), and a completed cycle exits clean', async () => {
  const s = await setup();
  try {
    await writeFile(join(s.dir, 'requests.jsonl'), [chat('a'), chat('b')].join('\n') + '\n');
    const loaded = pipelineFile(s, `name: hourly\ninput: {file: requests.jsonl}\nprovider: openai\nbaseUrl: EMU\n`);
    const first = await runPipelineCycle(loaded, s.deps(), { wait: false });
    assert.equal(first.status, 'running');
    assert.equal(first.step, 'running');
    s.emu.clock.tick(20);
    const second = await runPipelineCycle(loaded, s.deps(), { wait: false });
    assert.equal(second.cycle, first.cycle);
    assert.equal(second.status, 'completed');
    assert.equal(second.succeeded, 2);
    assert.equal(s.emu.stats.requests['POST /v1/batches'], 1);
    // The next call is a new cycle.
    const third = await runPipelineCycle(loaded, s.deps(), { wait: false });
    assert.notEqual(third.cycle, first.cycle);
    const state = await readPipelineState(s.store.home, loaded.file, 'hourly');
    assert.equal(state.cycles.length, 2);
  } finally {
    await s.close();
  }
});

test('budgetUsd refuses a cycle whose estimate exceeds it before anything is sent, and the hook still says so', async () => {
  const s = await setup();
  try {
    const many = Array.from({ length: 200 }, (_, i) => JSON.stringify({ custom_id: `r${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'word '.repeat(2000) }], max_tokens: 4000 } }));
    await writeFile(join(s.dir, 'requests.jsonl'), many.join('\n') + '\n');
    const loaded = pipelineFile(s, `name: pricey\ninput: {file: requests.jsonl}\nprovider: openai\nbaseUrl: EMU\nbudgetUsd: 0.5\nonComplete: {command: 'echo "$BATCHWISE_STATUS" > hook.txt'}\n`);
    const report = await runPipelineCycle(loaded, s.deps(), { wait: true });
    assert.equal(report.status, 'refused');
    assert.match(report.message ?? '', /the estimate is \$[\d.]+ at the batch rate, more than budgetUsd \$0\.50*: nothing was submitted/);
    assert.equal(s.emu.stats.requests['POST /v1/batches'] ?? 0, 0);
    assert.equal(s.emu.stats.requests['POST /v1/files'] ?? 0, 0);
    assert.equal((await readFile(join(s.dir, 'hook.txt'), 'utf8')).trim(), 'refused');
  } finally {
    await s.close();
  }
});

test('an input command writes the requests to $BATCHWISE_INPUT or stdout; one that fails refuses the cycle with its stderr', async () => {
  const s = await setup();
  try {
    await writeFile(join(s.dir, 'requests.src'), [chat('a'), chat('b')].join('\n') + '\n');
    const viaStdout = pipelineFile(s, `name: gen\ninput: {command: "cat requests.src"}\nprovider: openai\nbaseUrl: EMU\n`, 'gen.batchwise.yaml');
    const r1 = await runPipelineCycle(viaStdout, s.deps(), { wait: true });
    assert.equal(r1.status, 'completed', r1.message);
    assert.equal(r1.succeeded, 2);
    const viaFile = pipelineFile(s, `name: gen2\ninput: {command: 'cp requests.src "$BATCHWISE_INPUT"'}\nprovider: openai\nbaseUrl: EMU\n`, 'gen2.batchwise.yaml');
    const r2 = await runPipelineCycle(viaFile, s.deps(), { wait: true });
    assert.equal(r2.status, 'completed', r2.message);
    assert.equal(r2.succeeded, 2);
    const failing = pipelineFile(s, `name: bad\ninput: {command: "echo no database >&2; exit 3"}\nprovider: openai\nbaseUrl: EMU\n`, 'bad.batchwise.yaml');
    const r3 = await runPipelineCycle(failing, s.deps(), { wait: true });
    assert.equal(r3.status, 'refused');
    assert.match(r3.message ?? '', /exited with 3: no database; nothing was submitted/);
  } finally {
    await s.close();
  }
});

test('a cycle killed after its submit created the job continues with that job: it is found by its cycle id, never sent twice', async () => {
  const s = await setup();
  try {
    await writeFile(join(s.dir, 'requests.jsonl'), [chat('a')].join('\n') + '\n');
    const loaded = pipelineFile(s, `name: crashy\ninput: {file: requests.jsonl}\nprovider: openai\nbaseUrl: EMU\n`);
    // The process "dies" right after the job is in the store, before the cycle records it: its step is still "submitting".
    const dying = s.deps({
      onEvent: (e) => {
        if (e.event === 'submitted') throw new Error('killed');
      },
    });
    await assert.rejects(runPipelineCycle(loaded, dying, { wait: false }), /killed/);
    const state = await readPipelineState(s.store.home, loaded.file, 'crashy');
    assert.equal(state.cycles[0]!.step, 'submitting');
    const saved = (await s.store.list()).jobs[0];
    assert.ok(saved, 'the job is in the store');
    const report = await runPipelineCycle(loaded, s.deps(), { wait: true });
    assert.equal(report.status, 'completed');
    assert.equal(report.job, saved.id);
    assert.equal(s.emu.stats.requests['POST /v1/batches'], 1);
  } finally {
    await s.close();
  }
});

test('a table with a template becomes the requests; results go to SQLite with the source rows; the signed cycle webhook arrives once', async () => {
  const s = await setup();
  const secret = newWebhookSecret();
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  try {
    await writeFile(join(s.dir, 'products.csv'), 'sku,name\nA1,Red kettle\nB2,Blue mug\n');
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const loaded = pipelineFile(
      s,
      `name: describe
input:
  data: products.csv
  template: {model: gpt-4o-mini, user: "Describe {{name}}", id_column: sku, max_tokens: 60}
provider: openai
baseUrl: EMU
outputs: [out/describe.sqlite]
onComplete: {webhook: {url: "${url}", secretEnv: HOOK_SECRET}}
`,
    );
    const report = await runPipelineCycle(loaded, s.deps({ env: { PATH: process.env.PATH, HOOK_SECRET: secret } }), { wait: true });
    assert.equal(report.status, 'completed', report.message);
    assert.equal(report.succeeded, 2);
    const db = new Database(join(s.dir, 'out/describe.sqlite'), { readOnly: true });
    try {
      const rows = db.all('SELECT * FROM results ORDER BY custom_id') as Record<string, unknown>[];
      assert.deepEqual(rows.map((r) => r.custom_id), ['A1', 'B2']);
      assert.ok(Object.values(rows[0]!).includes('Red kettle'), 'the source row is beside its result');
    } finally {
      db.close();
    }
    assert.equal(received.length, 1);
    const v = verifyWebhook([secret], received[0]!.headers, received[0]!.body);
    assert.ok(v.ok, JSON.stringify(v));
    const event = JSON.parse(received[0]!.body) as { type: string; data: { pipeline: string; succeeded: number; job: string } };
    assert.equal(event.type, 'batchwise.cycle.completed');
    assert.deepEqual([event.data.pipeline, event.data.succeeded, event.data.job], ['describe', 2, report.job]);
  } finally {
    receiver.close();
    await s.close();
  }
});

test('a retries policy by quality (issue 20): a truncated answer goes again with its token limit doubled and comes back whole', async () => {
  const s = await setup();
  try {
    await writeFile(join(s.dir, 'requests.jsonl'), [chat('a'), chat('long', 'write a lot [[truncate]]')].join('\n') + '\n');
    const loaded = pipelineFile(s, `name: q\ninput: {file: requests.jsonl}\nprovider: openai\nbaseUrl: EMU\nretries: {max: 1, only: [failed, truncated]}\noutputs: [out.jsonl]\n`);
    const report = await runPipelineCycle(loaded, s.deps(), { wait: true });
    assert.equal(report.status, 'completed', report.message);
    assert.equal(report.jobs.length, 2, 'one retry, for the truncated line');
    const retry = (await s.store.get(report.jobs[1]!))!;
    assert.equal(retry.requests, 1);
    const sent = JSON.parse((await readFile(retry.inputPath, 'utf8')).trim()) as { custom_id: string; body: { max_tokens: number } };
    assert.deepEqual([sent.custom_id, sent.body.max_tokens], ['long', 100]);
    // The merged results take the retry's whole answer for that line.
    const rows = (await readFile(join(s.dir, 'out.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; outcome: string; quality: string; attempt: number });
    assert.deepEqual(rows.map((r) => [r.custom_id, r.outcome, r.quality, r.attempt]), [['a', 'succeeded', 'ok', 1], ['long', 'succeeded', 'ok', 2]]);
  } finally {
    await s.close();
  }
});

test('with deleteInputFiles a cycle deletes its input files at the provider once the results are kept (the results stay)', async () => {
  const s = await setup();
  try {
    await writeFile(join(s.dir, 'requests.jsonl'), [chat('a'), chat('b')].join('\n') + '\n');
    const loaded = pipelineFile(s, `name: tidy\ninput: {file: requests.jsonl}\nprovider: openai\nbaseUrl: EMU\noutputs: [out.jsonl]\n`);
    const client = new OpenAI({ apiKey: 'k', baseURL: `${s.emu.url}/v1` });
    const report = await runPipelineCycle(loaded, s.deps({ deleteInputFiles: true }), { wait: true });
    assert.equal(report.status, 'completed', report.message);
    const job = (await s.store.get(report.job!))!;
    assert.ok(job.parts[0]!.inputFileDeletedAt, 'the deletion is recorded on the part');
    assert.deepEqual((await client.files.list({ purpose: 'batch' })).data.map((f) => f.id), []);
    assert.equal((await readFile(join(s.dir, 'out.jsonl'), 'utf8')).trim().split('\n').length, 2);
  } finally {
    await s.close();
  }
});
