// The user journeys of issue 7, in real VS Code (code-server) driven through its UI by Playwright.
// They run in order in one window: journey 3's job is the one 4 and 5 open and resubmit, 6 reloads the window.
// Started by test/e2e/run.mjs (`npm run test:e2e`); E2E_SCREENSHOTS says where screenshots go.
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO } from './setup.mjs';
import { collectLogs, startEnvironment } from './lib/harness.mjs';
import { launchBrowser, Workbench } from './lib/workbench.mjs';
import { chooseFilter as chooseFilterIn, countOf, headerText } from './lib/results.mjs';

const SHOTS = resolve(process.env.E2E_SCREENSHOTS || join(REPO, 'test/e2e/.screenshots'));
const TICK_MS = Number(process.env.E2E_TICK_MS || 2500); // emulator batches end after 8 ticks: 20 s
const JOB_TIMEOUT = 8 * TICK_MS + 60000;

const RUNNING = /validating|in[ _]progress|finalizing|queued|running|submitted|pending/i;

/** @type {Awaited<ReturnType<typeof startEnvironment>>} */ let env;
/** @type {import('playwright-core').Browser} */ let browser;
/** @type {Workbench} */ let wb;
let stopping = false;

async function stopAll() {
  if (stopping) return;
  stopping = true;
  await browser?.close().catch(() => {});
  await env?.stop();
}
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => void stopAll().then(() => process.exit(130)));

let startError;
before(async () => {
  try {
    await start();
  } catch (e) {
    startError = e; // reported in full by the first journey, in one line by the others
  }
});

async function start() {
  env = await startEnvironment({ tickMs: TICK_MS });
  browser = await launchBrowser(env.setup.chromium, env.setup.home);
  wb = await Workbench.open(browser, { url: env.url, shotsDir: SHOTS });
  // Extensions activate a few seconds after the workbench shows: wait for Batchwise's icon before journey 1.
  await wb.expectVisible(wb.activityIcon(), 'the Batchwise icon in the activity bar (extension installed and activated)', 60000);
  await wb.shot('workbench ready');
}

after(async () => {
  if (wb?.pageErrors.length) console.error(`[e2e] page errors:\n  ${wb.pageErrors.slice(0, 20).join('\n  ')}`);
  await stopAll();
});

/** A journey: on failure a screenshot and the extension host logs are saved and named in the error. */
function journey(name, fn, opts = {}) {
  test(name, { timeout: opts.timeout ?? 240000 }, async () => {
    if (startError) {
      const first = !startError.reported;
      startError.reported = true;
      if (first) throw startError;
      throw new Error(`not run: the environment did not start (${startError.message.split('\n')[0]})`);
    }
    try {
      await fn();
    } catch (e) {
      if (e.name === 'TimeoutError') e.message = e.message.split('\n')[0]; // Playwright's call log is long; the screenshot says more
      const shot = wb ? await wb.shot(`FAILED ${name}`) : '(no browser)';
      const logs = env ? collectLogs(env.dirs.ud, join(SHOTS, 'logs'), [join(env.runDir, 'emulator.log'), join(env.runDir, 'code-server.log')]) : [];
      e.message = `${name}: ${e.message}\n  failure screenshot: ${shot}\n  logs: ${logs.length ? join(SHOTS, 'logs') : '(none found)'}`;
      throw e;
    } finally {
      await wb?.resetUi().catch(() => {});
    }
  });
}

async function waitForStatus(file, re, expected, timeout = JOB_TIMEOUT, onText = () => {}) {
  await wb.openBatchesView();
  return wb.waitUntil(async () => {
    const text = await wb.treeRowText(file);
    onText(text);
    if (!re.test(text)) throw new Error(`row says "${text}"`);
    return text;
  }, expected, { timeout, interval: 400 });
}

/** Submit the active file from the palette, pass the profile pick if any and confirm the cost dialog. */
async function submitActiveFile(provider) {
  await wb.runCommand('Batchwise: Submit JSONL as Batch');
  await wb.pickIfAsked(provider, 3000);
  const dialog = await wb.waitForDialog('a cost confirmation dialog after "Submit JSONL as Batch"', 30000);
  const shot = await wb.shot(`submit ${provider} confirm`);
  for (const [re, what] of [[/standard/i, 'the standard price'], [/batch/i, 'the batch price'], [/\$\s?\d/, 'prices in dollars']]) {
    if (!re.test(dialog)) await wb.fail(`the submit confirmation to show ${what}`, `dialog: ${dialog.replace(/\s+/g, ' ')}`);
  }
  await wb.clickDialogButton(/Submit/i);
  return { dialog, shot };
}

async function openResultsOf(file) {
  await wb.openBatchesView();
  const row = await wb.expectVisible(wb.treeRow(file), `a "${file}" job in the Batches view`);
  await row.click({ button: 'right' });
  const labels = await wb.menuLabels();
  if (!labels.includes('Open Results')) await wb.fail(`"Open Results" in the context menu of the "${file}" job`, `menu: ${labels.join(', ')}`);
  await wb.clickMenuItem('Open Results');
  return wb.webviewFrame('body', `the results panel of ${file} (a webview listing the rows req-1 ... req-6)`, { text: /req-\d/, timeout: 30000 });
}

const frameText = async (frame) => (await frame.locator('body').innerText()).replace(/\s+/g, ' ');
const chooseFilter = (frame, label) => chooseFilterIn(wb, frame, label);

journey('0. Batchwise is installed and active: activity bar icon, Batches view, palette command', async () => {
  await wb.openBatchesView();
  await wb.shot('j0 batchwise view');
  await wb.findCommand('Batchwise: Validate JSONL File');
  await wb.shot('j0 palette validate command');
  await wb.closeQuickInput();
  // The getting-started walkthrough is offered where VS Code lists walkthroughs.
  await wb.runCommand('Welcome: Open Walkthrough...');
  await wb.expectVisible(wb.quickRow('Get started with Batchwise'), 'the Batchwise walkthrough in "Welcome: Open Walkthrough..."', 15000);
  await wb.shot('j0 walkthrough listed');
  await wb.closeQuickInput();
});

journey('1. a JSONL file with mistakes: Problems, quick fix for a duplicate custom_id, status bar', async () => {
  await wb.openFile('e2e-broken.jsonl');
  const rows = await wb.waitUntil(async () => {
    const r = await wb.problems();
    if (!r.some((t) => /Ln 3\b/.test(t)) || !r.some((t) => /Ln 4\b/.test(t))) throw new Error(`Problems: ${r.join(' | ') || '(empty)'}`);
    return r;
  }, 'Problems to list e2e-broken.jsonl errors on line 3 (duplicate custom_id) and line 4 (not JSON)', { timeout: 30000 });
  await wb.shot('j1 problems panel');
  assert.ok(rows.some((t) => /Ln 3\b/.test(t) && /custom_id/i.test(t)), `line 3's problem names custom_id: ${rows.join(' | ')}`);
  assert.ok(!rows.some((t) => /Ln [25]\b/.test(t)), `lines 2 and 5 are valid, yet Problems lists: ${rows.join(' | ')}`);

  const summary = /(\d+) errors?\s*·\s*(\d+) requests?\s*·\s*openai\s+\/v1\/chat\/completions/;
  const before = await wb.statusBarText(summary);
  const errorsBefore = Number(summary.exec(before)[1]);
  assert.ok(errorsBefore >= 2, `status bar counts the errors: "${before}"`);

  // Click the problem (puts the cursor on the duplicate), then Ctrl+.; on a cold window the first code-action
  // request can outlast the menu, so a person presses again, as this does.
  const fix = await wb.waitUntil(async () => {
    await wb.page.keyboard.press('Escape');
    await wb.problemRow(3, /custom_id/i).first().click();
    await wb.page.keyboard.press('Control+.');
    const action = wb.codeAction(/custom_id|unique|rename/i).first();
    await action.waitFor({ state: 'visible', timeout: 4000 });
    return action;
  }, 'a quick fix (Ctrl+.) for the duplicate custom_id on line 3', { timeout: 40000, interval: 500 });
  await wb.shot('j1 quick fix menu');
  await fix.click();

  await wb.waitUntil(async () => {
    const r = await wb.problems();
    if (r.some((t) => /Ln 3\b/.test(t) && /custom_id/i.test(t))) throw new Error(`still: ${r.join(' | ')}`);
    return true;
  }, 'the duplicate custom_id problem on line 3 gone after the quick fix', { timeout: 15000 });
  const afterText = await wb.statusBarText(new RegExp(`${errorsBefore - 1} errors?\\s*·`), 15000);
  assert.match(afterText, summary);
  await wb.shot('j1 after quick fix');
});

journey('2. explorer context menu of a .jsonl file: Validate and Submit; Validate reports', async () => {
  const txt = await wb.explorerContextMenu('notes.txt');
  await wb.page.keyboard.press('Escape');
  assert.ok(!txt.includes('Validate JSONL File'), `Validate must not be offered on notes.txt: ${txt.join(', ')}`);

  const labels = await wb.explorerContextMenu('e2e-broken.jsonl');
  await wb.shot('j2 explorer context menu');
  for (const want of ['Validate JSONL File', 'Submit JSONL as Batch']) {
    if (!labels.includes(want)) await wb.fail(`"${want}" in the explorer context menu of e2e-broken.jsonl`, `menu: ${labels.join(', ')}`);
  }
  await wb.clearNotifications();
  await wb.clickMenuItem('Validate JSONL File');
  const report = await wb.waitForNotification(/error/i, 20000);
  await wb.shot('j2 validate report');
  assert.match(report, /\d+ errors?|error/i);
});

journey('3. submit from the palette: cost confirmation, Batches view follows the job to completed, notification', async () => {
  await wb.openFile('e2e-batch.jsonl');
  await wb.clearNotifications();
  await submitActiveFile('openai');

  await wb.openBatchesView();
  await wb.expectVisible(wb.treeRow('e2e-batch.jsonl'), 'the submitted job "e2e-batch.jsonl" in the Batches view', 30000);
  await wb.shot('j3 job in batches view');
  const seen = new Set();
  let notified = false;
  let shotRunning = false;
  const final = await waitForStatus('e2e-batch.jsonl', /completed/i, 'the job to reach "completed" by itself (background polling)', JOB_TIMEOUT, (t) => {
    seen.add(t);
    if (!shotRunning && RUNNING.test(t)) {
      shotRunning = true;
      void wb.shot('j3 job running');
    }
  });
  // The completion toast may already be up; look for it while it lasts.
  notified = await wb.notification(/complete/i).first().isVisible().catch(() => false);
  if (!notified) await wb.waitForNotification(/complete/i, 15000);
  await wb.shot('j3 completed + notification');
  const statuses = [...seen].filter((t) => RUNNING.test(t));
  assert.ok(statuses.length > 0, `the row showed a running status before completed; it showed: ${[...seen].join(' -> ')} (final "${final}")`);
});

journey('4. results panel: counts, rows, failed filter, diff of a row', async () => {
  const frame = await openResultsOf('e2e-batch.jsonl');
  const text = await frameText(frame);
  const counts = await headerText(frame);
  await wb.shot('j4 results panel');
  for (let i = 1; i <= 6; i++) assert.ok(text.includes(`req-${i}`), `row req-${i} in the results panel: ${text.slice(0, 400)}`);
  assert.equal(countOf(counts, 'succeeded'), 4, `4 succeeded in the counts: ${counts.slice(0, 400)}`);
  assert.equal(countOf(counts, 'errored|failed'), 2, `2 errored in the counts ([[fail-once]] lines 2 and 5): ${counts.slice(0, 400)}`);

  await chooseFilter(frame, 'Failed');
  const rows = frame.locator('[role="row"]');
  await wb.waitUntil(async () => {
    const t = (await rows.allInnerTexts()).join(' | ');
    if (!/\breq-2\b/.test(t) || !/\breq-5\b/.test(t) || /\breq-[1346]\b/.test(t)) throw new Error(t.slice(0, 300));
    return t;
  }, 'the "Failed" filter to show only the rows req-2 and req-5', { timeout: 10000 });
  await wb.shot('j4 failed filter');

  // The diff (input vs output) of a succeeded row; hasText sees textContent, where cells run together (no \b).
  await chooseFilter(frame, 'Succeeded');
  await wb.waitUntil(async () => ((await rows.filter({ hasText: 'req-1' }).count()) > 0 ? true : Promise.reject(new Error('no req-1 row'))), 'the "Succeeded" filter to show req-1');
  await rows.filter({ hasText: 'req-1' }).first().click();
  const diff = frame.locator('[class*="diff"]:not(button):not(vscode-button), [data-diff]').filter({ hasText: /\S/ });
  const diffText = await (await wb.expectVisible(diff, 'the diff of the selected row (req-1) in the results panel', 10000)).innerText();
  assert.match(diffText, /colour/i, `the diff shows req-1's text: ${diffText}`);
  await wb.shot('j4 diff of a row');
  await chooseFilter(frame, 'All outcomes');
});

journey('5. Resubmit Failed: a retry job under its parent completes; merged view shows them succeeded', async () => {
  const frame = await openResultsOf('e2e-batch.jsonl');
  const button = await firstVisible(frame, [frame.locator('#bw-resubmit'), frame.getByRole('button', { name: /resubmit failed/i }), frame.getByText(/resubmit failed/i)]);
  if (button) {
    await button.click();
  } else {
    await wb.openBatchesView();
    await wb.treeRow('e2e-batch.jsonl').first().click({ button: 'right' });
    await wb.clickMenuItem('Resubmit Failed Lines');
  }
  // A confirmation (cost of the retry) may follow.
  if (await wb.page.locator('.monaco-dialog-box').waitFor({ timeout: 8000 }).then(() => true, () => false)) {
    await wb.shot('j5 resubmit confirm');
    const dialog = await wb.page.locator('.monaco-dialog-box').innerText();
    assert.match(dialog, /Estimated cost: (\$[\d.]+ at the batch rate \(standard \$[\d.]+\)|unknown)/, `the resubmit confirmation shows the retry's cost: ${dialog}`);
    await wb.clickDialogButton(/Submit Now/i);
  }
  await wb.openBatchesView();
  // The child is "<name> (retry N)"; the parent's description may say "6/6 after 1 retry".
  const parent = wb.treeRow('e2e-batch.jsonl').filter({ hasNotText: /\(retry \d+\)/i }).first();
  await wb.expectVisible(parent, 'the parent job "e2e-batch.jsonl" in the Batches view');
  const level = Number(await parent.getAttribute('aria-level'));
  const child = wb.batchesPane().locator(`.monaco-list-row[aria-level="${level + 1}"]`, { hasText: /retry|e2e-batch/i });
  // The parent becomes expandable once the retry job is in the store; expand it then (a person clicks the twistie).
  await wb.waitUntil(async () => {
    if ((await parent.getAttribute('aria-expanded')) === 'false') await parent.locator('.monaco-tl-twistie').click();
    if (!(await child.first().isVisible())) throw new Error(`parent row: "${await wb.treeRowText('e2e-batch.jsonl')}"`);
    return true;
  }, `a retry job nested under "e2e-batch.jsonl" (aria-level ${level + 1})`, { timeout: 30000, interval: 500 });
  await wb.shot('j5 retry job under parent');
  // When the chain ends, the parent moves to another status group and shows collapsed again: a person re-expands it.
  await wb.waitUntil(async () => {
    if ((await parent.getAttribute('aria-expanded', { timeout: 2000 })) === 'false') await parent.locator('.monaco-tl-twistie').click();
    const t = (await child.first().innerText({ timeout: 2000 })).replace(/\s+/g, ' ');
    if (!/completed/i.test(t)) throw new Error(t);
    return t;
  }, 'the retry job to complete by itself', { timeout: JOB_TIMEOUT, interval: 500 });
  await wb.shot('j5 retry completed');

  const merged = await openResultsOf('e2e-batch.jsonl');
  const text = await wb.waitUntil(async () => {
    const t = await headerText(merged);
    if (countOf(t, 'succeeded') !== 6) throw new Error(t.slice(0, 300));
    return t;
  }, 'the merged results of e2e-batch.jsonl to show all 6 lines succeeded (req-2 and req-5 after the retry)', { timeout: 20000 });
  await wb.shot('j5 merged results');
  for (const id of ['req-2', 'req-5']) {
    const row = (await merged.locator('[role="row"]', { hasText: id }).first().innerText()).replace(/\s+/g, ' ');
    assert.match(row, /succeeded/i, `${id} failed once and shows as succeeded after the retry: "${row}"`);
  }
  assert.equal(countOf(text, 'errored|failed|expired|missing'), 0, `no failed lines left in the merged view: ${text.slice(0, 400)}`);
});

journey('6. reload the window: jobs are still listed and a running job is still tracked to completed', async () => {
  await wb.openFile('e2e-running.jsonl');
  await submitActiveFile('anthropic');
  await waitForStatus('e2e-running.jsonl', RUNNING, 'the anthropic job "e2e-running.jsonl" running in the Batches view', 30000);
  await wb.shot('j6 running before reload');

  await wb.reload();
  await wb.expectVisible(wb.activityIcon(), 'the Batchwise icon after the reload', 60000);
  await wb.openBatchesView();
  await wb.expectVisible(wb.treeRow('e2e-batch.jsonl'), 'the completed job "e2e-batch.jsonl" still listed after the reload', 30000);
  await wb.expectVisible(wb.treeRow('e2e-running.jsonl'), 'the running job "e2e-running.jsonl" still listed after the reload', 30000);
  const afterReload = await wb.treeRowText('e2e-running.jsonl');
  await wb.shot('j6 after reload');
  assert.match(afterReload, RUNNING, `the job was still running after the reload (else nothing proves tracking resumed): "${afterReload}"`);
  await waitForStatus('e2e-running.jsonl', /completed/i, 'the job submitted before the reload to reach "completed" without any click', JOB_TIMEOUT);
  await wb.shot('j6 completed after reload');
});

async function firstVisible(_frame, locators) {
  for (const l of locators) {
    if (await l.first().isVisible().catch(() => false)) return l.first();
  }
  return undefined;
}
