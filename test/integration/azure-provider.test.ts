// Azure OpenAI batches through the openai SDK's own AzureOpenAI client against the emulator's /openai/... routes.
// Shapes from MicrosoftDocs/azure-ai-docs articles/ai-foundry/openai/includes/batch/batch-rest.md and how-to/batch.md:
// `{endpoint}/openai/files|batches?api-version=...`, the `api-key` header, each line's `model` a deployment name, the
// create's `"endpoint": "/chat/completions"` (no /v1), UTF-8-BOM files refused by the service.
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, TERMINAL_TICK, type Emulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import { createProvider, profileForJob } from '../../src/providers';
import { azureProfile } from '../../src/providers/azureProfile';
import { OpenAIProvider } from '../../src/providers/openai';
import type { ProviderProfile } from '../../src/providers/types';
import { SubmitRefused, submitJob } from '../../src/jobs/submit';
import { cancelJob } from '../../src/jobs/cancel';
import { collectResults, untilTerminal, writeInput } from './support/providerHarness';
import { runCliCaptured } from '../support/cli';

const API_VERSION = '2024-10-21';
const DEPLOYMENT = 'gpt-4o-mini-batch';

function chat(id: string, text: string, model = DEPLOYMENT) {
  return JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model, messages: [{ role: 'user', content: text }] } });
}

interface Sent {
  method: string;
  url: URL;
  headers: Headers;
  json?: string;
}

describe('Azure OpenAI profile through AzureOpenAI against the emulator', () => {
  let emu: Emulator;
  let dir: string;
  let store: JobStore;
  let sent: Sent[];

  const profile = (extra: Partial<NonNullable<ProviderProfile['azure']>> = {}) => azureProfile({ endpoint: emu.url, apiVersion: API_VERSION, ...extra });
  // The requests exactly as the SDK sends them (the emulator's own log never keeps query strings or headers).
  const spy: typeof fetch = async (input, init) => {
    const req = new Request(input, init);
    // The SDK probes fetch with a `data:` URL once; only requests to the service are kept.
    if (req.url.startsWith('http')) {
      const json = req.headers.get('content-type')?.includes('application/json') ? await req.clone().text() : undefined;
      sent.push({ method: req.method, url: new URL(req.url), headers: req.headers, ...(json ? { json } : {}) });
    }
    return fetch(input, init);
  };
  const provider = (p = profile()) => createProvider(p, 'azure-test-key', { fetch: spy, retry: { baseDelayMs: 1 } });

  before(async () => {
    emu = await startEmulator({ manualClock: true, tickMs: 20 });
  });
  after(async () => {
    await emu.close();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bw-azure-'));
    store = new JobStore(join(dir, 'home'));
    sent = [];
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('submits with deployment names as models, follows to completed, joins results; api-version and api-key on every request', async () => {
    const p = provider();
    const path = await writeInput(dir, 'ok.jsonl', [chat('a', 'Hello'), chat('b', 'World'), chat('bad', 'please [[fail]]')]);
    const job = await submitJob({ store, provider: p, inputPath: path, name: 'azure-smoke' });
    assert.equal(job.provider, 'openai');
    assert.equal(job.profile, `azure@${new URL(emu.url).host}`);
    assert.equal(job.baseUrl, emu.url);
    assert.equal(job.model, DEPLOYMENT);

    const { job: done } = await untilTerminal(store, job, p, () => emu.clock.tick(1));
    assert.equal(done.status, 'completed');
    assert.deepEqual({ total: done.parts[0]!.counts.total, succeeded: done.parts[0]!.counts.succeeded, failed: done.parts[0]!.counts.failed }, { total: 3, succeeded: 2, failed: 1 });
    const res = await collectResults(p, done);
    assert.deepEqual([...res.keys()].sort(), ['a', 'b', 'bad']);
    assert.equal(res.get('a')?.outcome, 'succeeded');
    assert.equal(res.get('bad')?.outcome, 'errored');

    const paths = new Set(sent.map((s) => `${s.method} ${s.url.pathname.replace(/(batch_|file-)[\w-]+/g, '$1ID')}`));
    for (const route of ['POST /openai/files', 'POST /openai/batches', 'GET /openai/batches/batch_ID', 'GET /openai/files/file-ID/content']) assert.ok(paths.has(route), `${route} in ${[...paths].join(', ')}`);
    for (const s of sent) {
      assert.equal(s.url.searchParams.get('api-version'), API_VERSION, `${s.method} ${s.url.pathname} carries the api-version`);
      assert.equal(s.headers.get('api-key'), 'azure-test-key', `${s.method} ${s.url.pathname} sends the api-key header`);
      assert.equal(s.headers.get('authorization'), null, 'no bearer token with key auth');
    }
    const create = sent.find((s) => s.method === 'POST' && s.url.pathname === '/openai/batches');
    assert.ok(create?.json, 'the batch was created at /openai/batches, not under /deployments/');
    assert.equal((JSON.parse(create.json) as { endpoint: string }).endpoint, '/chat/completions', 'Azure\'s create names the endpoint without /v1');
  });

  it('Entra ID: a bearer token instead of the api-key header, no API key needed', async () => {
    const entra = profile({ auth: 'entra' });
    assert.doesNotThrow(() => createProvider(entra, undefined, { fetch: spy }), 'no key is asked for');
    let tokens = 0;
    const p = new OpenAIProvider(entra, '', { fetch: spy, azureTokenProvider: async () => `entra-token-${++tokens}` });
    const page = await p.list({ limit: 1 });
    assert.ok(Array.isArray(page.batches));
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.headers.get('authorization'), 'Bearer entra-token-1');
    assert.equal(sent[0]!.headers.get('api-key'), null);
    assert.equal(sent[0]!.url.searchParams.get('api-version'), API_VERSION);
  });

  it('cancels an Azure batch', async () => {
    const p = provider();
    const path = await writeInput(dir, 'cancel.jsonl', [chat('x', 'one'), chat('y', 'two')]);
    const job = await submitJob({ store, provider: p, inputPath: path });
    const cancelled = await cancelJob(store, job, p);
    assert.ok(['cancelling', 'cancelled'].includes(cancelled.status), cancelled.status);
    const { job: done } = await untilTerminal(store, cancelled, p, () => emu.clock.tick(1));
    assert.equal(done.status, 'cancelled');
    assert.ok(sent.some((s) => s.method === 'POST' && /^\/openai\/batches\/batch_[\w-]+\/cancel$/.test(s.url.pathname)));
  });

  it('refuses a UTF-8 BOM file before anything is uploaded', async () => {
    const p = provider();
    const path = join(dir, 'bom.jsonl');
    await writeFile(path, '\uFEFF' + chat('a', 'Hello') + '\n');
    await assert.rejects(
      submitJob({ store, provider: p, inputPath: path }),
      (err: unknown) => err instanceof SubmitRefused && /byte order mark/.test(err.message) && /Azure OpenAI/.test(err.message),
    );
    assert.deepEqual(sent, [], 'no request reached the service');
  });

  it('refuses lines naming another deployment than the profile, before the upload', async () => {
    const p = provider(profile({ deployment: DEPLOYMENT }));
    const path = await writeInput(dir, 'other.jsonl', [chat('a', 'Hello', 'gpt-4o')]);
    await assert.rejects(submitJob({ store, provider: p, inputPath: path }), /deployment "gpt-4o-mini-batch"/);
    assert.equal(sent.filter((s) => s.url.pathname === '/openai/files').length, 0);
  });

  it('the emulator plays Azure: 404 without api-version, 401 without a key, in Azure\'s error shape', async () => {
    const noVersion = await fetch(`${emu.url}/openai/batches`, { headers: { 'api-key': 'k' } });
    assert.equal(noVersion.status, 404);
    assert.deepEqual(await noVersion.json(), { error: { code: '404', message: 'Resource not found' } });
    const noKey = await fetch(`${emu.url}/openai/batches?api-version=${API_VERSION}`);
    assert.equal(noKey.status, 401);
    assert.equal(((await noKey.json()) as { error: { code: string } }).error.code, '401');
    const bearer = await fetch(`${emu.url}/openai/batches?api-version=${API_VERSION}`, { headers: { authorization: 'Bearer entra-token' } });
    assert.equal(bearer.status, 200, 'an Entra ID bearer token is accepted');
  });

  it('a job finds its Azure profile again: by name among the settings, else rebuilt from its endpoint', () => {
    const job = { provider: 'openai' as const, profile: 'azure@res.openai.azure.com', baseUrl: 'https://res.openai.azure.com' };
    const settings: ProviderProfile = { name: 'work', provider: 'openai', azure: { endpoint: 'https://res.openai.azure.com/', apiVersion: '2025-04-01-preview', auth: 'entra' } };
    assert.equal(profileForJob(job, [settings]), settings, 'matched by the settings profile\'s endpoint');
    const rebuilt = profileForJob(job, []);
    assert.deepEqual(rebuilt.azure, { endpoint: 'https://res.openai.azure.com', apiVersion: '2024-10-21', auth: 'key' });
    assert.equal(rebuilt.name, job.profile);
  });

  it('CLI: submit --provider azure from AZURE_OPENAI_* variables, then status and results find the job\'s profile', async () => {
    const env = { BATCHWISE_HOME: join(dir, 'cli-home'), AZURE_OPENAI_ENDPOINT: emu.url, AZURE_OPENAI_API_KEY: 'k', OPENAI_API_VERSION: API_VERSION, BATCHWISE_RETRY_BASE_MS: '1' };
    const path = await writeInput(dir, 'cli.jsonl', [chat('a', 'Hello'), chat('b', '[[fail]] this one')]);
    const sub = await runCliCaptured(['submit', path, '--provider', 'azure', '--json'], { env });
    assert.equal(sub.code, 0, sub.err);
    const jobId = (JSON.parse(sub.out) as { job: string }).job;
    emu.clock.tick(TERMINAL_TICK);
    const st = await runCliCaptured(['status', jobId, '--json'], { env });
    assert.equal(st.code, 0, st.err);
    assert.deepEqual(JSON.parse(st.out), { job: jobId, status: 'completed', counts: { total: 2, succeeded: 1, failed: 1 } });
    const out = join(dir, 'cli.results.jsonl');
    const res = await runCliCaptured(['results', jobId, '--out', out, '--json'], { env });
    assert.equal(res.code, 0, res.err);
    const doc = JSON.parse(res.out) as { succeeded: number; failed: number };
    assert.deepEqual({ succeeded: doc.succeeded, failed: doc.failed }, { succeeded: 1, failed: 1 });
    assert.match(await readFile(out, 'utf8'), /"custom_id":"a"/);

    const noEndpoint = await runCliCaptured(['submit', path, '--provider', 'azure'], { env: { ...env, AZURE_OPENAI_ENDPOINT: '' } });
    assert.equal(noEndpoint.code, 2);
    assert.match(noEndpoint.err, /AZURE_OPENAI_ENDPOINT/);
  });
});
