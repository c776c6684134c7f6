// OpenAI-compatible batch hosts through the official openai SDK against the emulator playing each host
// (`startEmulator({as})`, core/hosts.ts): Together (custom_id <= 64, lines without method/url, purpose batch-api,
// `{"job": ...}` create answer, upper-case statuses, model_id on the job) and Novita (upper-case statuses with PROGRESS,
// lines without method/url, the fixed 48h window). Shapes from docs.together.ai/docs/batch-inference,
// docs.together.ai/reference/batch-create and novita.ai/docs/guides/llm-batch-api.
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, TERMINAL_TICK, type Emulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import { createProvider, profileForJob } from '../../src/providers';
import { hostProfile } from '../../src/providers/hostProfile';
import { SubmitRefused, submitJob } from '../../src/jobs/submit';
import type { JobStatus } from '../../src/core/status';
import { collectResults, untilTerminal, writeInput } from './support/providerHarness';
import { captureIO, runCliCaptured } from '../support/cli';
import { runCli } from '../../src/cli/run';

const MODEL = 'meta-llama/Llama-3.3-70B-Instruct-Turbo';

function chat(id: string, text: string) {
  return JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: MODEL, messages: [{ role: 'user', content: text }] } });
}

interface Sent {
  method: string;
  path: string;
  body?: string;
}

describe('OpenAI-compatible hosts through the openai SDK against the emulator playing them', () => {
  let together: Emulator;
  let novita: Emulator;
  let dir: string;
  let store: JobStore;
  let sent: Sent[];

  // What the SDK sends (multipart uploads kept as text, to see the purpose and the converted lines).
  const spy: typeof fetch = async (input, init) => {
    const req = new Request(input, init);
    if (req.url.startsWith('http')) {
      const body = req.method === 'POST' ? await req.clone().text() : undefined;
      sent.push({ method: req.method, path: new URL(req.url).pathname, ...(body ? { body } : {}) });
    }
    return fetch(input, init);
  };
  const provider = (emu: Emulator, host: 'together' | 'novita') => createProvider(hostProfile(host, `${emu.url}/v1`), 'host-test-key', { fetch: spy, retry: { baseDelayMs: 1 } });

  before(async () => {
    together = await startEmulator({ manualClock: true, tickMs: 20, as: 'together' });
    novita = await startEmulator({ manualClock: true, tickMs: 20, as: 'novita' });
  });
  after(async () => {
    await Promise.all([together.close(), novita.close()]);
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bw-hosts-'));
    store = new JobStore(join(dir, 'home'));
    sent = [];
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('Together: submit (lines without method/url, purpose batch-api, model_id, {job} answer), upper-case statuses, results joined', async () => {
    const p = provider(together, 'together');
    const path = await writeInput(dir, 'ok.jsonl', [chat('a', 'Hello'), chat('b', 'World'), chat('bad', 'please [[fail]]')]);
    const job = await submitJob({ store, provider: p, inputPath: path, name: 'together-smoke' });
    assert.equal(job.profile, `together@${new URL(together.url).host}`);
    assert.ok(job.parts[0]!.remoteId?.startsWith('batch_'), 'the batch id was read from inside {"job": ...}');

    const upload = sent.find((s) => s.path === '/v1/files');
    assert.ok(upload?.body);
    assert.match(upload.body, /name="purpose"\r\n\r\nbatch-api\r\n/);
    assert.match(upload.body, /\{"custom_id":"a","body":\{"model":/, 'the uploaded line is custom_id + body');
    assert.doesNotMatch(upload.body, /"method"|"url"/);
    const create = JSON.parse(sent.find((s) => s.path === '/v1/batches')!.body!) as Record<string, unknown>;
    assert.equal(create.model_id, MODEL);
    assert.equal(create.completion_window, '24h');

    const raw = (await (await fetch(`${together.url}/v1/batches/${job.parts[0]!.remoteId}`, { headers: { authorization: 'Bearer k' } })).json()) as { status: string };
    assert.equal(raw.status, 'VALIDATING', 'the emulator speaks Together\'s upper case');
    const { job: done, seen } = await untilTerminal(store, job, p, () => together.clock.tick(1));
    assert.equal(done.status, 'completed');
    assert.ok(seen.includes('in_progress' as JobStatus), `IN_PROGRESS normalized (seen ${seen.join(', ')})`);
    assert.ok(!seen.includes('unknown' as JobStatus));
    const res = await collectResults(p, done);
    assert.deepEqual([...res.keys()].sort(), ['a', 'b', 'bad']);
    assert.equal(res.get('a')?.outcome, 'succeeded');
    assert.equal(res.get('bad')?.outcome, 'errored');
  });

  it('Together: a custom_id over 64 characters is refused before anything is uploaded, naming Together AI', async () => {
    const p = provider(together, 'together');
    const path = await writeInput(dir, 'long.jsonl', [chat('ok', 'Hello'), chat('x'.repeat(65), 'too long an id')]);
    await assert.rejects(
      submitJob({ store, provider: p, inputPath: path }),
      (err: unknown) => err instanceof SubmitRefused && /65 characters; Together AI accepts at most 64/.test(err.message),
    );
    assert.deepEqual(sent, [], 'no request reached the host');
  });

  it('the emulator playing Together fails such a batch itself when a client skips validation', async () => {
    const p = provider(together, 'together');
    const upload = await (p as unknown as { client: import('openai').default }).client.files.create({ file: new File([chat('y'.repeat(70), 'hi') + '\n'], 'in.jsonl'), purpose: 'batch-api' as 'batch' });
    const created = (await (p as unknown as { client: import('openai').default }).client.batches.create({ input_file_id: upload.id, endpoint: '/v1/chat/completions', completion_window: '24h' })) as unknown as { job: { id: string } };
    together.clock.tick(1);
    const batch = await p.retrieve(created.job.id);
    assert.equal(batch.status, 'failed');
    assert.equal(batch.errors[0]?.code, 'invalid_custom_id');
    assert.equal(batch.errors[0]?.line, 1);
  });

  it('Novita: PROGRESS and the other upper-case statuses normalized, 48h window, lines without method/url, results joined', async () => {
    const p = provider(novita, 'novita');
    const path = await writeInput(dir, 'novita.jsonl', [chat('n1', 'Hello'), chat('n2', 'World [[fail]]')]);
    const job = await submitJob({ store, provider: p, inputPath: path });
    const create = JSON.parse(sent.find((s) => s.path === '/v1/batches')!.body!) as Record<string, unknown>;
    assert.equal(create.completion_window, '48h');
    assert.equal(create.model_id, undefined, 'Novita takes the model from the lines only');
    assert.doesNotMatch(sent.find((s) => s.path === '/v1/files')!.body!, /"method"/);
    novita.clock.tick(2);
    const raw = (await (await fetch(`${novita.url}/v1/batches/${job.parts[0]!.remoteId}`, { headers: { authorization: 'Bearer k' } })).json()) as { status: string };
    assert.equal(raw.status, 'PROGRESS');
    const running = await p.retrieve(job.parts[0]!.remoteId!);
    assert.equal(running.status, 'in_progress');
    assert.equal(running.rawStatus, 'PROGRESS');
    const { job: done } = await untilTerminal(store, job, p, () => novita.clock.tick(1));
    assert.equal(done.status, 'completed');
    const res = await collectResults(p, done);
    assert.equal(res.get('n1')?.outcome, 'succeeded');
    assert.equal(res.get('n2')?.outcome, 'errored');
  });

  it('a host job finds its host again from its recorded profile name, also on the emulator\'s URL', () => {
    const job = { provider: 'openai' as const, profile: 'together@127.0.0.1:9', baseUrl: 'http://127.0.0.1:9/v1' };
    assert.equal(profileForJob(job, []).host, 'together');
    assert.equal(profileForJob({ provider: 'openai', profile: 'openai@api.groq.com', baseUrl: 'https://api.groq.com/openai/v1' }, []).host, 'groq');
  });

  it('CLI: submit --host together (TOGETHER_API_KEY), status and results; --base-url alone on the real host picks the profile', async () => {
    const env = { BATCHWISE_HOME: join(dir, 'cli-home'), TOGETHER_API_KEY: 'k', BATCHWISE_RETRY_BASE_MS: '1' };
    const path = await writeInput(dir, 'cli.jsonl', [chat('a', 'Hello'), chat('b', '[[fail]] this one')]);
    const sub = await runCliCaptured(['submit', path, '--base-url', `${together.url}/v1`, '--host', 'together', '--json'], { env });
    assert.equal(sub.code, 0, sub.err);
    const jobId = (JSON.parse(sub.out) as { job: string }).job;
    together.clock.tick(TERMINAL_TICK);
    const st = await runCliCaptured(['status', jobId, '--json'], { env });
    assert.equal(st.code, 0, st.err);
    assert.deepEqual(JSON.parse(st.out), { job: jobId, status: 'completed', counts: { total: 2, succeeded: 1, failed: 1 } });
    const out = join(dir, 'cli.results.jsonl');
    const res = await runCliCaptured(['results', jobId, '--out', out, '--json'], { env });
    assert.equal(res.code, 0, res.err);
    assert.match(await readFile(out, 'utf8'), /"custom_id":"a"/);

    const noKey = await runCliCaptured(['submit', path, '--base-url', `${together.url}/v1`, '--host', 'together'], { env: { BATCHWISE_HOME: env.BATCHWISE_HOME } });
    assert.equal(noKey.code, 2);
    assert.match(noKey.err, /TOGETHER_API_KEY is not set.*OPENAI_API_KEY works too/);
    const fallback = await runCliCaptured(['submit', path, '--base-url', `${together.url}/v1`, '--host', 'together', '--json'], { env: { BATCHWISE_HOME: env.BATCHWISE_HOME, OPENAI_API_KEY: 'k', BATCHWISE_RETRY_BASE_MS: '1' } });
    assert.equal(fallback.code, 0, fallback.err);
    const badHost = await runCliCaptured(['submit', path, '--host', 'nowhere'], { env });
    assert.equal(badHost.code, 2);
    assert.match(badHost.err, /--host must be one of together, groq/);
    const validate = await runCliCaptured(['validate', path, '--host', 'doubleword', '--json'], { env });
    assert.equal(validate.code, 0, validate.err);
    const longIds = await writeInput(dir, 'long-cli.jsonl', [chat('q'.repeat(65), 'hi')]);
    const refused = await runCliCaptured(['validate', longIds, '--host', 'doubleword', '--json'], { env });
    assert.equal(refused.code, 1);
    const doc = JSON.parse(refused.out) as { provider: string; diagnostics: { code: string; message: string }[] };
    assert.equal(doc.provider, 'openai');
    assert.match(doc.diagnostics.find((d) => d.code === 'custom-id-too-long')!.message, /Doubleword accepts at most 64/);
    const plainOpenAI = await runCliCaptured(['validate', longIds, '--json'], { env });
    assert.equal(plainOpenAI.code, 0, 'OpenAI itself has no such cap');
    const notYet = await runCliCaptured(['submit', path, '--base-url', 'https://api.mistral.ai/v1'], { env: { ...env, MISTRAL_API_KEY: 'k' } });
    assert.equal(notYet.code, 2);
    assert.match(notYet.err, /cannot submit to Mistral yet/);
  });

  it('CLI: batchwise emulator --as novita plays Novita (upper-case statuses); an unknown --as is a usage error', async () => {
    const bad = await runCliCaptured(['emulator', '--as', 'nowhere']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--as must be one of together, groq/);

    const stop = new AbortController();
    const c = captureIO({ signal: stop.signal });
    let listening!: (url: string) => void;
    const started = new Promise<string>((resolve) => (listening = resolve));
    const print = c.io.out;
    c.io.out = (t) => {
      print(t);
      const m = /listening on (http:\/\/[\d.:]+)/.exec(t);
      if (m) listening(m[1]!);
    };
    const running = runCli(['emulator', '--as', 'novita', '--port', '0'], c.io);
    const url = await started;
    assert.match(c.out(), /playing Novita AI/);
    const file = await fetch(`${url}/v1/files`, { method: 'POST', headers: { authorization: 'Bearer k' }, body: multipart(chat('c1', 'hi')) });
    const { id } = (await file.json()) as { id: string };
    const created = await fetch(`${url}/v1/batches`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: JSON.stringify({ input_file_id: id, endpoint: '/v1/chat/completions', completion_window: '24h' }) });
    assert.equal(created.status, 400, 'Novita\'s window is a fixed 48h');
    const ok = await fetch(`${url}/v1/batches`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: JSON.stringify({ input_file_id: id, endpoint: '/v1/chat/completions', completion_window: '48h' }) });
    assert.equal(((await ok.json()) as { status: string }).status, 'VALIDATING');
    stop.abort();
    assert.equal(await running, 0);
  });
});

/** A multipart upload of one JSONL line with purpose batch, as a client sends it. */
function multipart(jsonl: string): FormData {
  const form = new FormData();
  form.append('purpose', 'batch');
  form.append('file', new Blob([jsonl + '\n']), 'in.jsonl');
  return form;
}
