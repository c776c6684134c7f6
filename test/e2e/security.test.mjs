// Issue 12 in real VS Code: untrusted text (a file name, a provider's error message, a provider's batch name) is
// shown as plain text in notifications, tree tooltips and the Import Batches quick pick: no working
// `command:` link and no `$(icon)` rendered from it. Without Batchwise's sanitizer each check below fails: VS Code
// turns `[label](command:...)` in a notification into <a href="command:...">, and `$(zap)` into a codicon span.
// Its own window; run by test/e2e/run.mjs, or alone: node --test test/e2e/security.test.mjs (after npm run package).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { REPO } from './setup.mjs';
import { windowSuite } from './lib/suite.mjs';

const SHOTS = resolve(process.env.E2E_SCREENSHOTS || join(REPO, 'test/e2e/.screenshots'));
const TICK_MS = 300; // emulator batches end after 8 ticks
const LINK = '[Details](command:workbench.action.openSettings)';
const HOSTILE_FILE = `${LINK} $(zap).jsonl`;
const PROVIDER_ERROR = `Quota exceeded: [Fix it](command:workbench.action.openSettings) $(zap) or see command:workbench.action.openSettings`;
const IMPORTED_NAME = `[Imported](command:workbench.action.openSettings) $(zap) nightly`;
const LINES = [1, 2].map((i) => JSON.stringify({ custom_id: `sec-${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: `Say ${i}.` }] } }));

const win = windowSuite({ shotsDir: SHOTS, environment: { fixtures: false, tickMs: TICK_MS }, prepare: (env) => writeFileSync(join(env.dirs.ws, HOSTILE_FILE), `${LINES.join('\n')}\n`) });

async function emulator(path, init = {}) {
  const res = await fetch(`${win.env.emulatorUrl}${path}`, { ...init, headers: { authorization: 'Bearer sandbox', ...init.headers } });
  const body = await res.json();
  if (!res.ok) throw new Error(`emulator ${init.method ?? 'GET'} ${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** What an element renders from hostile text: links VS Code made of it and codicons it drew. */
async function rendered(locator) {
  return locator.evaluate((el) => ({
    text: el.innerText ?? '',
    links: [...el.querySelectorAll("a[href], a[data-href]")].map((a) => `${a.textContent} -> ${a.getAttribute('href') ?? a.dataset.href ?? ''}`),
    zaps: el.querySelectorAll('.codicon-zap').length,
  }));
}

function assertPlain(what, r, mustShow) {
  assert.deepEqual(r.links, [], `${what}: no link made of untrusted text (text: ${JSON.stringify(r.text)})`);
  assert.equal(r.zaps, 0, `${what}: no $(zap) icon drawn from untrusted text (text: ${JSON.stringify(r.text)})`);
  // The text is still there for a person to read (zero-width spaces break the syntax, not the words).
  const visible = r.text.replace(/\u200B/g, '');
  for (const part of mustShow) assert.ok(visible.includes(part), `${what} shows "${part}" as text: ${JSON.stringify(r.text)}`);
}

async function submitHostileFile() {
  await win.wb.explorerContextMenu(HOSTILE_FILE);
  await win.wb.clickMenuItem('Submit JSONL as Batch');
  await win.wb.pickIfAsked('openai', 3000);
  await win.wb.waitForDialog('the cost confirmation for the hostile file', 30000);
  await win.wb.clickDialogButton(/Submit/i);
}

const centerItem = (re, expected, timeout) => win.wb.centerNotification(re, expected, timeout);
const hideCenter = () => win.wb.hideNotificationCenter();

async function addFault(fault) {
  await emulator('/_emulator/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
}

test('a provider error and a file name with command links and $(zap) are plain text in the submit notifications', { timeout: 240000 }, async () => {
  await win.check('submit notifications', async () => {
    // The upload is held (until released below, however long the checks take) so the "submitting ..." progress
    // notification stays up to be read; then the provider (or a proxy) answers the batch create with a message
    // carrying link and icon syntax.
    await addFault({ method: 'POST', path: '/v1/files', hold: true, times: 1 });
    await addFault({ method: 'POST', path: '/v1/batches', status: 400, times: 1, body: { error: { message: PROVIDER_ERROR, type: 'invalid_request_error', param: null, code: null } } });
    await win.wb.clearNotifications();
    await submitHostileFile();
    const progress = await centerItem(/submitting .* to openai/, 'the "submitting ... to openai" progress notification', 20000);
    await win.wb.shot('security submitting progress');
    assertPlain('the submit progress notification', await rendered(progress), ['[Details]', 'zap']);
    await emulator('/_emulator/faults/release', { method: 'POST' });
    const failed = await centerItem(/Quota exceeded/, 'a notification that the submit failed, quoting the provider');
    await win.wb.shot('security failed submit notification');
    assertPlain('the "submit failed" notification', await rendered(failed), ['Quota exceeded', '[Fix it]', 'zap', '[Details]']);
    await hideCenter();

    await submitHostileFile();
    const submitted = await centerItem(/Submitted/, 'a "Submitted ..." notification');
    await win.wb.shot('security submitted notification');
    assertPlain('the "Submitted" notification', await rendered(submitted), ['[Details]', 'zap']);
    const done = await centerItem(/complete/i, 'the completion notification of the hostile-named job', 90000);
    await win.wb.shot('security completed notification');
    assertPlain('the completion notification', await rendered(done), ['[Details]', 'zap']);
    await hideCenter();
  });
});

test('the tooltip of the hostile-named job in the Batches view draws no icon and no link from its name', { timeout: 90000 }, async () => {
  await win.check('tree tooltip', async () => {
    await win.wb.clearNotifications();
    await win.wb.openBatchesView();
    const row = await win.wb.expectVisible(win.wb.treeRow('Details'), 'the hostile-named job in the Batches view', 30000);
    const label = await rendered(row);
    assertPlain('the tree row', label, ['[Details]', 'zap']);
    const hover = win.wb.page.locator('.workbench-hover, .monaco-hover').filter({ hasText: /Details/ });
    await win.wb.waitUntil(async () => {
      await win.wb.page.mouse.move(0, 0);
      await row.locator('.label-name, .monaco-icon-label').first().hover();
      await hover.first().waitFor({ state: 'visible', timeout: 4000 });
      return true;
    }, 'a tooltip on hovering the hostile-named job', { timeout: 30000, interval: 300 });
    await win.wb.shot('security tree tooltip');
    assertPlain('the tree tooltip', await rendered(hover.first()), ['[Details]', 'zap']);
  });
});

test('a provider batch name with link and $(zap) syntax is plain text in the Import Batches quick pick', { timeout: 90000 }, async () => {
  await win.check('import quick pick', async () => {
    // A batch made outside Batchwise (another tool, a colleague) whose name carries the syntax.
    const form = new FormData();
    form.append('purpose', 'batch');
    form.append('file', new Blob([`${LINES[0]}\n`], { type: 'application/jsonl' }), 'other.jsonl');
    const file = await emulator('/v1/files', { method: 'POST', body: form });
    await emulator('/v1/batches', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { name: IMPORTED_NAME } }),
    });
    await win.wb.runCommand('Batchwise: Import Batches from Provider');
    await (await win.wb.expectVisible(win.wb.quickRow('OpenAI'), 'OpenAI in the provider pick of Import Batches')).click();
    // A profile pick follows when more than one profile serves OpenAI (labels are profile names: exact, lower case).
    const profile = win.wb.quickRow('openai');
    if (await profile.first().waitFor({ state: 'visible', timeout: 3000 }).then(() => true, () => false)) await profile.first().click();
    const item = await win.wb.expectVisible(win.wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Imported' }), 'the imported batch in the quick pick', 30000);
    await win.wb.shot('security import quick pick');
    assertPlain('the Import Batches quick pick', await rendered(win.wb.page.locator('.quick-input-list')), ['[Imported]', 'zap']);
    assert.ok((await item.innerText()).includes('nightly'), 'the pick lists the batch by its name');
  });
});
