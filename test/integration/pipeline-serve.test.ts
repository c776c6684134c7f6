import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import { readPipelineState, setPaused } from '../../src/core/pipeline/state';
import { PipelineService, type ServiceLog } from '../../src/serve/service';
import { startServeHttp } from '../../src/serve/http';
import { createProvider, defaultProfile } from '../../src/providers';
import { newWebhookSecret, signWebhook } from '../../src/core/webhooks/standardWebhooks';
import { runPipelineCycle } from '../../src/jobs/pipeline/cycle';
import { loadPipeline } from '../../src/core/pipeline/load';

const chat = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `hi ${id}` }], max_tokens: 20 } });

/** A folder with one pipeline, a store, a service on a clock the test sets, and the emulator on a manual clock. */
async function setup(yaml: string, emuOpts: Parameters<typeof startEmulator>[0] = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'bw-serve-'));
  const emu: Emulator = await startEmulator({ manualClock: true, ...emuOpts });
  await writeFile(join(dir, 'requests.jsonl'), [chat('a'), chat('b')].join('\n') + '\n');
  const file = join(dir, 'nightly.batchwise.yaml');
  await writeFile(file, yaml.replaceAll('EMU', `${emu.url}/v1`));
  const store = new JobStore(join(dir, 'home'));
  const provider = () => createProvider(defaultProfile('openai', `${emu.url}/v1`), 'k', { retry: { baseDelayMs: 1 } });
  const logs: ServiceLog[] = [];
  let now = new Date('2026-03-28T00:00:00Z');
  const deps = { store, env: { PATH: process.env.PATH }, providerFor: provider, providerForJob: provider, pause: async () => void emu.clock.tick(1) };
  const service = () => new PipelineService({ dir, deps, log: (e) => logs.push(e), now: () => now, pollMs: 0 });
  return {
    dir,
    emu,
    store,
    file,
    logs,
    deps,
    service,
    setNow: (iso: string) => void (now = new Date(iso)),
    state: () => readPipelineState(store.home, file, 'nightly'),
    /** A service sees the pipeline for the first time: its schedule counts from now. */
    firstSight: async () => {
      const svc = service();
      await svc.tick();
      await svc.idle();
    },
    close: async () => {
      await emu.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const NIGHTLY = `name: nightly
input: {file: requests.jsonl}
provider: openai
baseUrl: EMU
schedule: {cron: "0 2 * * *", timezone: Europe/Berlin, catchUp: CATCHUP}
`;

test('serve starts a cycle at its scheduled time (02:00 Berlin), follows it to the end, and does not start it twice', async () => {
  const s = await setup(NIGHTLY.replace('CATCHUP', 'skip'));
  try {
    const svc = s.service();
    s.setNow('2026-03-28T00:00:00Z'); // 01:00 in Berlin: first sight, nothing due
    await svc.tick();
    await svc.idle();
    assert.equal((await s.state()).scheduleSince, '2026-03-28T00:00:00.000Z');
    s.setNow('2026-03-28T00:59:59Z');
    await svc.tick();
    await svc.idle();
    assert.equal((await s.state()).cycles.length, 0);
    s.setNow('2026-03-28T01:00:20Z'); // 02:00:20 in Berlin
    await svc.tick();
    await svc.idle();
    let state = await s.state();
    assert.equal(state.cycles.length, 1);
    assert.equal(state.cycles[0]!.trigger, 'schedule');
    assert.equal(state.cycles[0]!.scheduledFor, '2026-03-28T01:00:00.000Z');
    assert.equal(state.cycles[0]!.status, 'running');
    // The next ticks poll the job until the cycle ends; the same slot never starts a second cycle.
    for (let i = 0; i < 12 && (await s.state()).cycles[0]!.status === 'running'; i++) {
      s.emu.clock.tick(2);
      await svc.tick();
      await svc.idle();
    }
    state = await s.state();
    assert.equal(state.cycles.length, 1);
    assert.equal(state.cycles[0]!.status, 'completed');
    assert.equal(state.cycles[0]!.succeeded, 2);
    assert.equal(s.emu.stats.requests['POST /v1/batches'], 1);
    assert.ok(s.logs.some((l) => l.event === 'cycle_ended' && l.status === 'completed'));
  } finally {
    await s.close();
  }
});

test('a paused pipeline skips its slot; a service started after a restart continues the open cycle instead of starting one', async () => {
  const s = await setup(NIGHTLY.replace('CATCHUP', 'skip'));
  try {
    s.setNow('2026-03-28T00:00:00Z');
    await s.firstSight();
    await setPaused(s.store.home, s.file, 'nightly', true);
    s.setNow('2026-03-28T01:00:10Z');
    const paused = s.service();
    await paused.tick();
    await paused.idle();
    let state = await s.state();
    assert.equal(state.cycles.length, 0);
    assert.equal(state.skippedSlots, 1);
    assert.ok(s.logs.some((l) => l.event === 'slots_skipped' && l.reason === 'paused'));

    await setPaused(s.store.home, s.file, 'nightly', false);
    s.setNow('2026-03-29T01:00:10Z');
    const first = s.service();
    await first.tick();
    await first.idle();
    assert.equal((await s.state()).cycles[0]?.status, 'running');
    // "Restart": a new service with nothing in memory.
    s.emu.clock.tick(20);
    s.setNow('2026-03-29T01:02:00Z');
    const second = s.service();
    await second.tick();
    await second.idle();
    state = await s.state();
    assert.equal(state.cycles.length, 1);
    assert.equal(state.cycles[0]!.status, 'completed');
    assert.equal(s.emu.stats.requests['POST /v1/batches'], 1);
  } finally {
    await s.close();
  }
});

test('missed nights with catchUp once: one catch-up cycle for all of them; with skip: none', async () => {
  for (const policy of ['once', 'skip'] as const) {
    const s = await setup(NIGHTLY.replace('CATCHUP', policy));
    try {
      s.setNow('2026-03-01T00:00:00Z');
      await s.firstSight();
      s.setNow('2026-03-04T12:00:00Z'); // down from March 1st, 01:00 Berlin: the 02:00 runs of the 1st to the 4th were missed
      const svc = s.service();
      await svc.tick();
      await svc.idle();
      const state = await s.state();
      assert.equal(state.cycles.length, policy === 'once' ? 1 : 0, policy);
      assert.equal(state.skippedSlots, policy === 'once' ? 3 : 4, policy);
      if (policy === 'once') {
        assert.equal(state.cycles[0]!.trigger, 'catch-up');
        assert.equal(state.cycles[0]!.scheduledFor, '2026-03-04T01:00:00.000Z');
      }
      // Later the same day nothing more is due.
      s.setNow('2026-03-04T13:00:00Z');
      await svc.tick();
      await svc.idle();
      assert.equal((await s.state()).cycles.length, policy === 'once' ? 1 : 0);
    } finally {
      await s.close();
    }
  }
});

test("the emulator's signed batch.completed webhook reaches serve, which finishes the cycle at once; a bad signature, a wrong secret and an old timestamp get 401 and change nothing", async () => {
  const secret = newWebhookSecret();
  // serve first (the emulator needs its URL), then the emulator, which signs with the same secret.
  const dir = await mkdtemp(join(tmpdir(), 'bw-hook-'));
  const store = new JobStore(join(dir, 'home'));
  let emu: Emulator | undefined;
  const provider = () => createProvider(defaultProfile('openai', `${emu!.url}/v1`), 'k', { retry: { baseDelayMs: 1 } });
  const logs: ServiceLog[] = [];
  const deps = { store, env: { PATH: process.env.PATH }, providerFor: provider, providerForJob: provider };
  const service = new PipelineService({ dir, deps, log: (e) => logs.push(e), pollMs: 3_600_000 });
  const http = await startServeHttp({ host: '127.0.0.1', port: 0, service, secrets: { openai: [secret], gemini: [secret] }, log: (e) => logs.push(e), startedAt: new Date() });
  try {
    emu = await startEmulator({ manualClock: true, webhook: { url: `${http.url}/webhooks/openai`, secret, sleep: async () => undefined } });
    await writeFile(join(dir, 'requests.jsonl'), [chat('a'), chat('b')].join('\n') + '\n');
    const file = join(dir, 'hooked.batchwise.yaml');
    await writeFile(file, `name: hooked\ninput: {file: requests.jsonl}\nprovider: openai\nbaseUrl: ${emu.url}/v1\n`);
    const started = await runPipelineCycle(await loadPipeline(file), deps, { wait: false });
    assert.equal(started.status, 'running');
    await service.tick(); // serve knows the pipeline; its next poll is an hour away
    await service.idle();
    const batchId = (await store.get(started.job!))!.parts[0]!.remoteId!;

    // Forged deliveries first: none of them may touch the job.
    const body = JSON.stringify({ id: 'evt_1', object: 'event', created_at: Math.floor(Date.now() / 1000), type: 'batch.completed', data: { id: batchId } });
    const post = (headers: Record<string, string>, b = body) => fetch(`${http.url}/webhooks/openai`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: b });
    const good = signWebhook(secret, { id: 'msg_1', timestamp: new Date(), body });
    assert.equal((await post(good, body.replace('completed', 'cancelled'))).status, 401, 'tampered body');
    assert.equal((await post(signWebhook(newWebhookSecret(), { id: 'msg_2', timestamp: new Date(), body }))).status, 401, 'wrong secret');
    assert.equal((await post(signWebhook(secret, { id: 'msg_3', timestamp: new Date(Date.now() - 6 * 60_000), body }))).status, 401, 'six minutes old');
    assert.equal((await post({})).status, 401, 'no signature');
    await service.idle();
    assert.equal((await store.get(started.job!))!.status, 'validating');
    assert.equal((await readPipelineState(store.home, file, 'hooked')).cycles[0]!.status, 'running');

    // The real thing: the batch ends at the emulator, its webhook arrives, serve refreshes the job and ends the cycle.
    emu.clock.tick(20);
    await emu.webhooksSettled();
    await service.idle();
    assert.equal(emu.stats.webhooksSent.filter((w) => w.batchId === batchId && w.delivered).length, 1);
    const cycle = (await readPipelineState(store.home, file, 'hooked')).cycles[0]!;
    assert.equal(cycle.status, 'completed');
    assert.equal(cycle.succeeded, 2);
    assert.ok(logs.some((l) => l.event === 'webhook_job_refreshed' && l.batch === batchId));
    assert.deepEqual(logs.filter((l) => l.event === 'webhook_refused').map((l) => l.reason), ['bad_signature', 'bad_signature', 'too_old', 'missing_headers']);

    const health = (await (await fetch(`${http.url}/healthz`)).json()) as { ok: boolean; pipelines: number };
    assert.deepEqual([health.ok, health.pipelines], [true, 1]);
  } finally {
    await http.close();
    await emu?.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("Gemini's signed batch.succeeded webhook (its own event shape) reaches POST /webhooks/gemini and ends the cycle", async () => {
  const secret = newWebhookSecret();
  const dir = await mkdtemp(join(tmpdir(), 'bw-ghook-'));
  const store = new JobStore(join(dir, 'home'));
  let emu: Emulator | undefined;
  const provider = () => createProvider(defaultProfile('gemini', emu!.url), 'k', { retry: { baseDelayMs: 1 } });
  const logs: ServiceLog[] = [];
  const deps = { store, env: { PATH: process.env.PATH }, providerFor: provider, providerForJob: provider };
  const service = new PipelineService({ dir, deps, log: (e) => logs.push(e), pollMs: 3_600_000 });
  const http = await startServeHttp({ host: '127.0.0.1', port: 0, service, secrets: { openai: [], gemini: [secret] }, log: (e) => logs.push(e), startedAt: new Date() });
  try {
    emu = await startEmulator({ manualClock: true, webhook: { url: `${http.url}/webhooks/gemini`, secret, sleep: async () => undefined } });
    const line = (key: string) => JSON.stringify({ key, request: { contents: [{ role: 'user', parts: [{ text: `hi ${key}` }] }] } });
    await writeFile(join(dir, 'requests.jsonl'), [line('a'), line('b')].join('\n') + '\n');
    const file = join(dir, 'g.batchwise.yaml');
    await writeFile(file, `name: g\ninput: {file: requests.jsonl}\nprovider: gemini\nmodel: gemini-2.5-flash\nbaseUrl: ${emu.url}\n`);
    const started = await runPipelineCycle(await loadPipeline(file), deps, { wait: false });
    assert.equal(started.status, 'running', started.message);
    await service.tick();
    await service.idle();
    emu.clock.tick(20);
    await emu.webhooksSettled();
    await service.idle();
    const sent = emu.stats.webhooksSent.filter((w) => w.provider === 'gemini');
    assert.deepEqual(sent.map((w) => [w.type, w.delivered]), [['batch.succeeded', true]]);
    const cycle = (await readPipelineState(store.home, file, 'g')).cycles[0]!;
    assert.equal(cycle.status, 'completed');
    assert.equal(cycle.succeeded, 2);
    assert.ok(logs.some((l) => l.event === 'webhook_job_refreshed' && l.provider === 'gemini'));
  } finally {
    await http.close();
    await emu?.close();
    await rm(dir, { recursive: true, force: true });
  }
});
