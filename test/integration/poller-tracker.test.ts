import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Module from 'node:module';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import type { Job } from '../../src/core/jobs/job';
import { createProvider, defaultProfile } from '../../src/providers';
import { submitJob } from '../../src/jobs/submit';

/**
 * The tracker's VS Code side (view, badge, status bar, commands, completion notification) driven against the
 * emulator with a minimal stand-in for the `vscode` module: what the real window would be asked to show.
 */

interface Shown {
  kind: 'info' | 'warning' | 'error';
  message: string;
  items: string[];
}

function fakeVscode() {
  const commands = new Map<string, (...args: unknown[]) => unknown>();
  const executed: { id: string; args: unknown[] }[] = [];
  const shown: Shown[] = [];
  const listeners: { event: string; fn: (e: unknown) => void }[] = [];
  const views: Record<string, unknown>[] = [];
  const statusItems: Record<string, unknown>[] = [];
  const progressShown: unknown[] = [];
  const disposable = { dispose() {} };
  const event = (name: string) => (fn: (e: unknown) => void) => {
    listeners.push({ event: name, fn });
    return disposable;
  };
  class EventEmitter<T> {
    private fns: ((e: T) => void)[] = [];
    event = (fn: (e: T) => void) => {
      this.fns.push(fn);
      return disposable;
    };
    fire(e: T) {
      for (const f of this.fns) f(e);
    }
    dispose() {}
  }
  let answer: string | undefined;
  /** Answers to the next QuickPicks, in order: each gets the items and returns the pick. */
  const pickers: ((items: unknown[], opts: unknown) => unknown)[] = [];
  const show = (kind: Shown['kind']) => async (message: string, ...rest: unknown[]) => {
    const items = rest.filter((r): r is string => typeof r === 'string');
    shown.push({ kind, message, items });
    return answer;
  };
  const vscode = {
    EventEmitter,
    TreeItem: class {
      constructor(
        public label: string,
        public collapsibleState: number,
      ) {}
    },
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    ThemeIcon: class {
      constructor(
        public id: string,
        public color?: unknown,
      ) {}
    },
    ThemeColor: class {
      constructor(public id: string) {}
    },
    MarkdownString: class {
      isTrusted = false;
      constructor(
        public value: string,
        public supportThemeIcons?: boolean,
      ) {}
    },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ProgressLocation: { Notification: 15 },
    ConfigurationTarget: { Global: 1 },
    Uri: { file: (p: string) => ({ fsPath: p, scheme: 'file' }), parse: (s: string) => ({ toString: () => s }) },
    window: {
      state: { focused: true },
      createTreeView: (id: string, opts: unknown) => {
        const view = { id, opts, visible: true, selection: [], badge: undefined, description: undefined, message: undefined, onDidChangeVisibility: event('visibility'), onDidExpandElement: event('expand'), onDidCollapseElement: event('collapse'), dispose() {} };
        views.push(view);
        return view;
      },
      createStatusBarItem: (id: string) => {
        const item = { id, text: '', visible: false, show() { item.visible = true; }, hide() { item.visible = false; }, dispose() {} };
        statusItems.push(item);
        return item;
      },
      onDidChangeWindowState: event('windowState'),
      showInformationMessage: show('info'),
      showWarningMessage: show('warning'),
      showErrorMessage: show('error'),
      withProgress: async (o: unknown, task: (p: unknown, t: unknown) => Promise<unknown>) => {
        progressShown.push(o);
        return task({ report() {} }, { isCancellationRequested: false });
      },
      setStatusBarMessage: () => disposable,
      showQuickPick: async (items: unknown, opts: unknown) => {
        const answer = pickers.shift();
        return answer ? answer(await (items as Promise<unknown[]> | unknown[]), opts) : undefined;
      },
      showInputBox: async () => undefined,
    },
    commands: {
      registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
        commands.set(id, fn);
        return { dispose: () => commands.delete(id) };
      },
      executeCommand: async (id: string, ...args: unknown[]) => {
        executed.push({ id, args });
        return commands.get(id)?.(...args);
      },
    },
    env: { clipboard: { text: '', async writeText(t: string) { vscode.env.clipboard.text = t; } }, openExternal: async () => true },
    workspace: { onDidChangeConfiguration: event('config') },
  };
  return { vscode, commands, executed, shown, views, statusItems, pickers, progressShown, setAnswer: (a: string | undefined) => (answer = a) };
}

function openaiLine(id: string, text: string): string {
  return JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] } });
}

async function until(cond: () => boolean | Promise<boolean>, what: string, limitMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > limitMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('tracker in a (stand-in) VS Code window against the emulator', () => {
  let emu: Emulator;
  let home: string;
  let store: JobStore;
  const fake = fakeVscode();
  const load = (Module as unknown as { _load: (...a: unknown[]) => unknown })._load;
  let registerTracker: (ctx: unknown) => void;
  const subscriptions: { dispose(): void }[] = [];
  const memento = new Map<string, unknown>();
  const notify: 'all' | 'failures' | 'none' = 'all';

  function ctx() {
    return {
      extension: { subscriptions, workspaceState: { get: (k: string, d?: unknown) => memento.get(k) ?? d, update: async (k: string, v: unknown) => void memento.set(k, v) } },
      config: {
        pollIntervalSeconds: 1,
        maxConcurrentPolls: 4,
        get notifyOnCompletion() {
          return notify;
        },
        groupBy: 'status',
        get profiles() {
          return [{ name: 'emu', provider: 'openai', baseUrl: `${emu.url}/v1` }];
        },
        setGroupBy: async () => undefined,
        onDidChange: () => ({ dispose() {} }),
      },
      log: { info() {}, warn() {}, error() {}, show() {} },
      keys: { get: async () => 'test-key', onDidChange: () => ({ dispose() {} }) },
      store,
      register<T extends { dispose(): void }>(d: T): T {
        subscriptions.push(d);
        return d;
      },
    };
  }

  before(async () => {
    (Module as unknown as { _load: unknown })._load = function (this: unknown, request: string, ...rest: unknown[]) {
      return request === 'vscode' ? fake.vscode : load.call(this, request, ...rest);
    };
    ({ registerTracker } = (await import('../../src/extension/tracker/register.js')) as unknown as { registerTracker: (ctx: unknown) => void });
    emu = await startEmulator({ tickMs: 20 });
    home = await mkdtemp(join(tmpdir(), 'bw-tracker-'));
    store = new JobStore(home);
  });
  after(async () => {
    for (const d of subscriptions.splice(0)) d.dispose();
    (Module as unknown as { _load: unknown })._load = load;
    await emu.close();
    await rm(home, { recursive: true, force: true });
  });

  it('registers every tracker command, follows a job submitted outside the extension and notifies once', async () => {
    registerTracker(ctx());
    for (const id of ['batchwise.refresh', 'batchwise.job.refresh', 'batchwise.job.cancel', 'batchwise.job.openInput', 'batchwise.job.copyBatchId', 'batchwise.job.openConsole', 'batchwise.job.remove', 'batchwise.job.deleteRemote', 'batchwise.importBatches', 'batchwise.groupByStatus', 'batchwise.groupByDay', 'batchwise.filterProvider']) {
      assert.ok(fake.commands.has(id), `${id} registered`);
    }
    const view = fake.views.at(-1)!;
    assert.equal(view.id, 'batchwise.batches');
    // The welcome text ("No batches yet") waits for the store to be read; meanwhile the view shows progress.
    await until(() => fake.executed.some((e) => e.id === 'setContext' && e.args[0] === 'batchwise.jobsLoaded' && e.args[1] === true), 'the loaded context key');
    assert.ok(fake.progressShown.some((o) => (o as { location?: { viewId?: string } }).location?.viewId === 'batchwise.batches'));
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { contributes: { viewsWelcome: { view: string; when?: string }[] } };
    assert.equal(pkg.contributes.viewsWelcome.find((w) => w.view === 'batchwise.batches')?.when, 'batchwise.jobsLoaded');
    assert.deepEqual(view.opts && (view.opts as { showCollapseAll: boolean }).showCollapseAll, true);

    // Submitted as the CLI would: only the store knows about it.
    const input = join(home, 'labels.jsonl');
    await writeFile(input, [openaiLine('a', 'hi'), openaiLine('b', 'x [[fail]]'), openaiLine('c', 'yo')].join('\n') + '\n');
    const provider = createProvider(defaultProfile('openai', `${emu.url}/v1`), 'k');
    const job = await submitJob({ store, provider, inputPath: input, name: 'labels' });
    await fake.commands.get('batchwise.refresh')!();
    const bar = fake.statusItems.at(-1)!;
    assert.equal(bar.text, '$(sync~spin) 1 batch running');
    assert.equal(bar.visible, true);
    assert.deepEqual(view.badge, { value: 1, tooltip: '1 batch running' });

    await until(() => fake.shown.some((s) => s.message.startsWith('Batch "labels"')), 'the completion notification');
    const note = fake.shown.find((s) => s.message.startsWith('Batch "labels"'))!;
    assert.equal(note.message, 'Batch "labels" completed: 2 succeeded, 1 failed');
    assert.deepEqual(note.items, ['Open Results', 'Resubmit Failed']);
    await until(async () => !!(await store.get(job.id))?.notifiedAt, 'notifiedAt in the store');
    // The results were kept in the job's folder before the user was told (issue 13: kept the moment a job ends).
    const kept = (await store.get(job.id))!;
    assert.equal(kept.resultsPath, join(store.jobDir(job.id), 'results.jsonl'));
    assert.deepEqual((await readFile(kept.resultsPath!, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { outcome: string }).outcome), ['succeeded', 'errored', 'succeeded']);
    await until(() => view.badge === undefined, 'the badge to clear');
    assert.equal(bar.visible, false);

    // Copy Batch ID from a job id (as a notification button would pass it).
    await fake.commands.get('batchwise.job.copyBatchId')!(job.id);
    assert.equal(fake.vscode.env.clipboard.text, (await store.get(job.id))!.parts[0]!.remoteId);

    // "Reload the window": a new tracker over the same store does not notify again.
    for (const d of subscriptions.splice(0)) d.dispose();
    const before = fake.shown.length;
    registerTracker(ctx());
    await fake.commands.get('batchwise.refresh')!();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(fake.shown.length, before);
  });

  it('Cancel asks first (modal) and does nothing when the user declines', async () => {
    const input = join(home, 'big.jsonl');
    await writeFile(input, [openaiLine('x1', 'a'), openaiLine('x2', 'b')].join('\n') + '\n');
    const slow = await startEmulator({ tickMs: 5000 });
    try {
      const provider = createProvider(defaultProfile('openai', `${slow.url}/v1`), 'k');
      const job: Job = await submitJob({ store, provider, inputPath: input, name: 'big' });
      fake.setAnswer(undefined);
      await fake.commands.get('batchwise.job.cancel')!(job.id);
      const ask = fake.shown.at(-1)!;
      assert.equal(ask.kind, 'warning');
      assert.match(ask.message, /^Cancel batch "big"\?/);
      assert.equal((await store.get(job.id))!.status === 'cancelling' || (await store.get(job.id))!.status === 'cancelled', false);
      fake.setAnswer('Cancel Batch');
      await fake.commands.get('batchwise.job.cancel')!({ id: `job:${job.id}`, kind: 'job', jobId: job.id });
      const after = (await store.get(job.id))!;
      assert.ok(after.status === 'cancelling' || after.status === 'cancelled', after.status);
      fake.setAnswer(undefined);
    } finally {
      await slow.close();
    }
  });

  it('Import Batches offers the remote batches not tracked yet and tracks the picked ones', async () => {
    const profile = { name: 'emu', provider: 'openai' as const, baseUrl: `${emu.url}/v1` };
    const provider = createProvider(profile, 'k');
    // One batch created outside Batchwise (say, in a notebook), next to the jobs already tracked.
    const outside = await provider.create({ jobId: 'elsewhere', partIndex: 0, sha256: 'x', endpoint: '/v1/chat/completions', model: 'gpt-4o-mini', lines: [openaiLine('o1', 'hi')], bytes: 100 });
    const trackedIds = new Set((await store.list()).jobs.flatMap((j) => j.parts.map((p) => p.remoteId)));
    let offered: { batch: { id: string } }[] = [];
    fake.pickers.push(
      (items) => (items as { value: string }[]).find((i) => i.value === 'openai'),
      (items) => (items as { profile?: { name: string } }[]).find((i) => i.profile?.name === 'emu'),
      (items) => {
        offered = items as { batch: { id: string } }[];
        return offered.filter((i) => i.batch.id === outside.id);
      },
    );
    await fake.commands.get('batchwise.importBatches')!();
    assert.ok(offered.some((i) => i.batch.id === outside.id), 'the outside batch is offered');
    assert.ok(!offered.some((i) => trackedIds.has(i.batch.id)), 'batches already tracked are not offered again');
    const imported = (await store.list()).jobs.filter((j) => j.parts[0]?.remoteId === outside.id);
    assert.equal(imported.length, 1);
    assert.equal(imported[0]!.profile, 'emu');
    assert.equal(imported[0]!.inputPath, '');
    // Asked again: that batch is not offered any more (and if nothing is left, the user is told so).
    offered = [];
    fake.pickers.length = 0;
    fake.pickers.push(
      (items) => (items as { value: string }[]).find((i) => i.value === 'openai'),
      (items) => (items as { profile?: { name: string } }[]).find((i) => i.profile?.name === 'emu'),
      (items) => {
        offered = items as { batch: { id: string } }[];
        return [];
      },
    );
    await fake.commands.get('batchwise.importBatches')!();
    assert.ok(!offered.some((i) => i.batch.id === outside.id), 'an imported batch is not offered again');
    if (offered.length === 0) assert.match(fake.shown.at(-1)!.message, /already in the list/);
  });
});
