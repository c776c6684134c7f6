import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Module from 'node:module';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import type { Job } from '../../src/core/jobs/job';
import { isTerminal } from '../../src/core/status';
import { createProvider, defaultProfile } from '../../src/providers';
import { submitJob } from '../../src/jobs/submit';
import { refreshJob } from '../../src/jobs/refresh';
import { panelErrorSentence } from '../../src/extension/results/panelError';
import type { HostMessage } from '../../src/shared/resultsProtocol';

/**
 * The results panel's host side with a stand-in for the `vscode` module: what it posts to the webview while it
 * loads (progress), when it cannot (one sentence and Try Again, never a raw provider body, never stuck on
 * "Loading"), and that the actions wait for the data. Issue 13 "Results are kept" / "Results panel at 50,000 rows".
 */
function fakeVscode() {
  const disposable = { dispose() {} };
  const panels: { posted: HostMessage[]; receive: (m: unknown) => void; disposed: boolean }[] = [];
  const executed: string[] = [];
  const uri = (p: string) => ({ fsPath: p, path: p, toString: () => p });
  const vscode = {
    ViewColumn: { Active: -1 },
    TabInputWebview: class {
      constructor(readonly viewType: string) {}
    },
    Uri: { joinPath: (base: { path: string }, ...parts: string[]) => uri([base.path, ...parts].join('/')), file: uri },
    window: {
      createWebviewPanel: () => {
        const rec = { posted: [] as HostMessage[], receive: (_m: unknown) => {}, disposed: false };
        panels.push(rec);
        return {
          webview: {
            html: '',
            cspSource: 'vscode-resource:',
            asWebviewUri: (u: unknown) => u,
            postMessage: async (m: HostMessage) => void rec.posted.push(m),
            onDidReceiveMessage: (fn: (m: unknown) => void) => ((rec.receive = fn), disposable),
          },
          onDidDispose: () => disposable,
          reveal() {},
          dispose() {
            rec.disposed = true;
          },
          title: '',
        };
      },
      setStatusBarMessage: () => disposable,
      tabGroups: { all: [] as { tabs: unknown[] }[], close: async () => true },
    },
    commands: { executeCommand: async (id: string) => void executed.push(id) },
    env: { clipboard: { writeText: async () => undefined } },
  };
  return { vscode, panels, executed };
}

async function until(cond: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > limitMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('results panel host: progress, errors as sentences, actions wait for the data', () => {
  const fake = fakeVscode();
  const load = (Module as unknown as { _load: (...a: unknown[]) => unknown })._load;
  let ResultsPanel: { show(deps: unknown, source: unknown): Promise<unknown>; disposeAll(): void };
  let home: string;
  let store: JobStore;
  let emu: Emulator;
  const line = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `hello ${id}` }] } });

  const deps = (provider: () => unknown) => ({
    ctx: { store, log: { info() {}, warn() {}, error() {} }, config: { pricing: {} }, extension: { extensionUri: { path: '/ext' } } },
    docs: { set: () => undefined },
    providerForJob: async () => provider(),
  });

  async function endedJob(name: string, n: number): Promise<Job> {
    const input = join(home, `${name}.jsonl`);
    await writeFile(input, Array.from({ length: n }, (_, i) => line(`${name}-${i}`)).join('\n') + '\n');
    const provider = createProvider(defaultProfile('openai', `${emu.url}/v1`), 'k');
    let job = await submitJob({ store, provider, inputPath: input, name });
    while (!isTerminal(job.status)) job = await refreshJob(store, job, provider);
    return job;
  }

  before(async () => {
    (Module as unknown as { _load: unknown })._load = function (this: unknown, request: string, ...rest: unknown[]) {
      return request === 'vscode' ? fake.vscode : load.call(this, request, ...rest);
    };
    ({ ResultsPanel } = (await import('../../src/extension/results/resultsPanel.js')) as unknown as { ResultsPanel: typeof ResultsPanel });
    home = await mkdtemp(join(tmpdir(), 'bw-panel-'));
    store = new JobStore(home);
    emu = await startEmulator({ tickMs: 20 });
  });
  after(async () => {
    ResultsPanel.disposeAll();
    (Module as unknown as { _load: unknown })._load = load;
    await emu.close().catch(() => undefined);
    await rm(home, { recursive: true, force: true });
  });

  it('shows progress while downloading 3,000 lines, then the header; Export waits for the data', async () => {
    const job = await endedJob('big', 3000);
    const provider = createProvider(defaultProfile('openai', `${emu.url}/v1`), 'k');
    await ResultsPanel.show(deps(() => provider), { kind: 'job', jobId: job.id });
    const p = fake.panels.at(-1)!;
    // Sent right away, before the data: it waits for the load, then runs on the loaded rows.
    p.receive({ type: 'export', format: 'csv' });
    await until(() => p.posted.some((m) => m.type === 'header'), 'the header');
    const types = p.posted.map((m) => m.type);
    assert.equal(types[0], 'progress');
    const progress = p.posted.filter((m): m is Extract<HostMessage, { type: 'progress' }> => m.type === 'progress');
    assert.equal(progress[0]!.message, 'Loading results…');
    assert.ok(progress.some((m) => m.message.startsWith('Downloading the results of big')), progress.map((m) => m.message).join(' | '));
    assert.ok(types.indexOf('header') > types.lastIndexOf('progress'), 'no progress after the data is there');
    await until(() => fake.executed.includes('batchwise.job.downloadResults'), 'the export to run');
    const header = p.posted.find((m): m is Extract<HostMessage, { type: 'header' }> => m.type === 'header')!;
    assert.equal(header.header.total, 3000);
  });

  it('a provider that cannot be reached: one sentence with what to do, and Try Again loads once it is back', async () => {
    const job = await endedJob('gone', 3);
    const port = emu.port;
    await emu.close();
    const provider = createProvider(defaultProfile('openai', `http://127.0.0.1:${port}/v1`), 'k', { retry: { retries: 0, baseDelayMs: 1 } });
    await ResultsPanel.show(deps(() => provider), { kind: 'job', jobId: job.id });
    const p = fake.panels.at(-1)!;
    await until(() => p.posted.some((m) => m.type === 'loadFailed'), 'the load to fail');
    const failed = p.posted.find((m): m is Extract<HostMessage, { type: 'loadFailed' }> => m.type === 'loadFailed')!;
    assert.match(failed.message, new RegExp(`^Batchwise could not reach openai at http://127\\.0\\.0\\.1:${port}/v1: check that it is running .*then click Try Again\\.$`));
    assert.doesNotMatch(failed.message, /[{}]/);
    // A webview that reconnects (tab shown again) gets the sentence, not "Loading".
    p.posted.length = 0;
    p.receive({ type: 'ready' });
    await until(() => p.posted.length > 0, 'an answer to ready');
    assert.deepEqual(p.posted.map((m) => m.type), ['loadFailed']);
    emu = await startEmulator({ tickMs: 20, port });
    p.receive({ type: 'reload' });
    await until(() => p.posted.some((m) => m.type === 'header'), 'the header after Try Again');
  });
});

describe('panel error sentences', () => {
  it('a provider body is never shown raw', () => {
    const raw = Object.assign(new Error('404 {"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND"}}'), { status: 404 });
    assert.equal(panelErrorSentence(raw, { provider: 'gemini' }), 'gemini no longer has this batch or its results (HTTP 404): the lines without a kept result can be sent again with Resubmit Failed.');
    assert.equal(panelErrorSentence(Object.assign(new Error('401 {"type":"error"}'), { status: 401 }), { provider: 'anthropic', profile: 'work' }), 'anthropic refused the API key of profile "work" (HTTP 401): set it again with "Batchwise: Set API Key", then click Try Again.');
    assert.equal(panelErrorSentence(new Error('Unexpected {"a":1} answer')), 'The results could not be loaded: unexpected answer. See the Batchwise log for details.');
  });
});
