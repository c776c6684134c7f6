// Keeps every notification, modal and quick pick going through src/extension/notify.ts (which passes all text
// through core/safeText), and markdown tooltips untrusted (issue 12). A scanner over the source, and a check
// that the scanner itself catches the unsafe forms.
import assert from 'node:assert/strict';
import NodeModule from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..', '..');
const SINK_FILE = 'src/extension/notify.ts';

const RULES: { re: RegExp; why: string; allowed: string[] }[] = [
  { re: /\bshow(?:Information|Warning|Error)Message\s*\(/, why: 'use showInformation/showWarning/showError from extension/notify', allowed: [SINK_FILE] },
  { re: /\b(?:showQuickPick|createQuickPick)\s*[(<]/, why: 'use showPick/showPicks from extension/notify', allowed: [SINK_FILE] },
  { re: /\bwindow\.withProgress\s*[(<]/, why: 'use withProgress from extension/notify (progress titles render links and icons)', allowed: [SINK_FILE] },
  { re: /\bisTrusted\s*=\s*true|isTrusted:\s*true|supportHtml\s*=\s*true/, why: 'markdown with untrusted text is never trusted', allowed: [] },
  { re: /new\s+vscode\.MarkdownString\s*\(/, why: 'tooltips come from core/jobs/treeModel, whose values pass through safeText.markdownText', allowed: ['src/extension/tracker/treeProvider.ts'] },
];

/** The violations in one file's text: `file:line: why`. */
function scan(file: string, text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (/^\s*(\/\/|\*)/.test(line)) return; // comments may name the APIs
    for (const r of RULES) if (r.re.test(line) && !r.allowed.includes(file)) out.push(`${file}:${i + 1}: ${r.why}`);
  });
  return out;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('no notification, modal or quick pick bypasses extension/notify; no trusted markdown', () => {
  const files = sources(join(ROOT, 'src'));
  assert.ok(files.length > 50, `scanned ${files.length} files`);
  const bad = files.flatMap((f) => scan(relative(ROOT, f).split('\\').join('/'), readFileSync(f, 'utf8')));
  assert.deepEqual(bad, []);
});

test('the scanner catches the unsafe forms it guards against', () => {
  const unsafe = [
    'void vscode.window.showInformationMessage(`Submitted ${job.name}`);',
    'const c = await vscode.window.showErrorMessage(`failed: ${err.message}`, "Show Log");',
    'const p = await vscode.window.showQuickPick(items);',
    'const qp = vscode.window.createQuickPick<Item>();',
    'await vscode.window.withProgress({ location, title: `validating ${name}` }, task);',
    'md.isTrusted = true;',
    'const md = new vscode.MarkdownString(text);',
  ];
  for (const line of unsafe) assert.equal(scan('src/extension/x.ts', line).length, 1, line);
  assert.deepEqual(scan('src/extension/x.ts', 'void showInformation(`Submitted ${job.name}`);'), []);
});

test('notify.ts: every message, modal detail and pick item reaches VS Code neutralized, our own icons kept', async () => {
  const calls: { api: string; args: unknown[] }[] = [];
  const record = (api: string) => (...args: unknown[]) => {
    calls.push({ api, args });
    return Promise.resolve(api === 'showQuickPick' ? (args[0] as unknown[])[1] : undefined);
  };
  const reported: unknown[] = [];
  const withProgress = (options: unknown, task: (p: { report: (v: unknown) => void }, t: unknown) => Promise<unknown>) => {
    calls.push({ api: 'progress', args: [(options as { title: string }).title, options] });
    return task({ report: (v) => reported.push(v) }, {});
  };
  const fakeVscode = { window: { showInformationMessage: record('info'), showWarningMessage: record('warning'), showErrorMessage: record('error'), showQuickPick: record('showQuickPick'), withProgress } };
  const Module = NodeModule as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = Module._load;
  Module._load = function (this: unknown, request: string, ...rest: unknown[]) {
    return request === 'vscode' ? fakeVscode : load.call(this, request, ...rest);
  };
  try {
    const notify = (await import('../../src/extension/notify.js')) as typeof import('../../src/extension/notify.js');
    const name = '[Details](command:workbench.action.openSettings) $(zap).jsonl';
    await notify.showInformation(`Submitted ${name} as bw-1`, 'Show in Batches');
    await notify.showWarning(`Cancel "${name}"?`, { modal: true, detail: `provider said [x](command:y) $(check)` }, 'Cancel Batch');
    await notify.showError(`submitting ${name} failed`);
    const items = [{ label: name, description: '$(pass) done', detail: 'see $(error) here' }, { icon: 'add', label: 'Local server…' }];
    const picked = await notify.showPick(items, { placeHolder: `from ${name}` });
    assert.equal(picked, items[1], 'the caller gets its own item back');
    const out = await notify.withProgress({ location: 15, title: `Batchwise: submitting ${name}`, cancellable: true }, async (progress) => {
      progress.report({ increment: 10, message: 'provider said [x](command:y) $(check)' });
      return 42;
    });
    assert.equal(out, 42, 'the task result is passed back');
    assert.deepEqual(reported.map((r) => (r as { increment: number }).increment), [10], 'increments passed on');
    assert.doesNotMatch(JSON.stringify(reported), /\]\(|command:|\$\(check/, 'reported messages are neutralized');

    const link = /\]\(|command:/;
    const icon = /\$\([a-z]/;
    for (const c of calls.filter((c) => c.api !== 'showQuickPick' && c.api !== 'progress')) {
      const [message, ...rest] = c.args as [string, ...unknown[]];
      assert.doesNotMatch(message, link, `${c.api}: ${message}`);
      assert.doesNotMatch(message, icon, `${c.api}: ${message}`);
      for (const r of rest) if (typeof r === 'object') assert.doesNotMatch(JSON.stringify(r), /\]\(|command:|\$\(check/, `${c.api} detail`);
      if (c.api !== 'error') assert.ok(rest.some((r) => typeof r === 'string'), `${c.api}: buttons passed on`);
    }
    assert.deepEqual(calls.map((c) => c.api), ['info', 'warning', 'error', 'showQuickPick', 'progress']);
    assert.doesNotMatch(String(calls[4]!.args[0]), /\]\(|command:|\$\(zap/, `progress title: ${String(calls[4]!.args[0])}`);
    assert.equal((calls[4]!.args[1] as { cancellable: boolean }).cancellable, true, 'other progress options passed on');
    const [shown, options] = calls[3]!.args as [{ label: string; description?: string; detail?: string }[], { placeHolder: string }];
    assert.doesNotMatch(shown[0]!.label, icon);
    assert.doesNotMatch(shown[0]!.description!, icon);
    assert.doesNotMatch(shown[0]!.detail!, icon);
    assert.doesNotMatch(options.placeHolder, icon);
    assert.equal(shown[1]!.label, '$(add) Local server…', 'an icon the code asks for is rendered');
  } finally {
    Module._load = load;
  }
});
