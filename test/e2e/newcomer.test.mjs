// Issue 13's newcomer journey in real VS Code: Open Results on an input file (none yet, then its job's results),
// the results panel keeping its filter and selected row across a tab switch, "Review File First" leaving a
// lasting "Submit as Retry", and a window reload after the provider forgot a finished job (a sandbox that restarted):
// the results are still there, from the copy kept when the job ended. Its own window; run by test/e2e/run.mjs, or
// alone: node --test test/e2e/newcomer.test.mjs (after npm run package).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { REPO } from './setup.mjs';
import { windowSuite } from './lib/suite.mjs';
import { chooseFilter, countOf, headerText } from './lib/results.mjs';

const SHOTS = resolve(process.env.E2E_SCREENSHOTS || join(REPO, 'test/e2e/.screenshots'));
const TICK_MS = 300; // emulator batches end after 8 ticks
const FILE = 'nc-labels.jsonl';
const NEVER = 'nc-never.jsonl';
const QUALITY = 'nc-quality.jsonl';
const line = (id, text) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: text }] } });

const win = windowSuite({
  shotsDir: SHOTS,
  environment: { fixtures: false, tickMs: TICK_MS },
  prepare: (env) => {
    // nc-2 fails once: a failed row to filter, select and resubmit; its retry then succeeds.
    writeFileSync(join(env.dirs.ws, FILE), `${[line('nc-1', 'Say one.'), line('nc-2', 'Say two [[fail-once]].'), line('nc-3', 'Say three.')].join('\n')}\n`);
    writeFileSync(join(env.dirs.ws, NEVER), `${line('x-1', 'Never sent.')}\n`);
    // q-long is cut off at its max_tokens by the emulator until it comes back with a higher one.
    writeFileSync(join(env.dirs.ws, QUALITY), `${[line('q-long', 'Write an essay about otters [[truncate]].'), line('q-short', 'Say hi.')].join('\n')}\n`);
  },
});

const resultsFrame = (expected) => win.wb.webviewFrame('.bw-row', expected, { text: /nc-\d/, timeout: 30000 });

async function rowText(file) {
  await win.wb.openBatchesView();
  return win.wb.treeRowText(file);
}

/** Submit from the explorer's context menu, confirm the cost, and wait for the job's row to say completed. */
async function submitAndWait(file) {
  const { wb } = win;
  await wb.explorerContextMenu(file);
  await wb.clickMenuItem('Submit JSONL as Batch');
  await wb.pickIfAsked('openai', 3000);
  await wb.waitForDialog('the cost confirmation', 30000);
  await wb.clickDialogButton(/Submit/i);
  await wb.waitUntil(async () => {
    const t = await rowText(file);
    if (!/completed/i.test(t)) throw new Error(t);
    return t;
  }, `the job of ${file} to complete`, { timeout: 60000, interval: 400 });
}

test('Open Results on an input file: says there are none yet, then opens the results of its job', { timeout: 240000 }, async () => {
  const { wb } = win;
  await win.check('open results on input', async () => {
    await wb.explorerContextMenu(NEVER);
    await wb.clickMenuItem('Open Results');
    const none = await (await wb.centerNotification(/no batch was submitted from nc-never\.jsonl/, 'a notification that nothing was submitted from nc-never.jsonl')).innerText();
    assert.match(none, /Submit it first/);
    await wb.shot('nc open results none');
    let panels = 0;
    for (const f of wb.page.frames()) panels += await f.locator('.bw-header').count().catch(() => 0);
    assert.equal(panels, 0, 'no (empty) results panel opened');
    await wb.hideNotificationCenter();

    await submitAndWait(FILE);

    await wb.explorerContextMenu(FILE);
    await wb.clickMenuItem('Open Results');
    const frame = await resultsFrame(`the results panel of ${FILE}, opened from the input file`);
    const header = await headerText(frame);
    assert.equal(countOf(header, 'succeeded'), 2, header);
    assert.equal(countOf(header, 'errored'), 1, header);
    await wb.shot('nc open results from input');
  });
});

test('the results panel keeps its filter and selected row when its tab is hidden and shown again', { timeout: 240000 }, async () => {
  const { wb } = win;
  await win.check('panel state', async () => {
    let frame = await resultsFrame('the results panel');
    await chooseFilter(wb, frame, 'Failed');
    await wb.waitUntil(async () => {
      const rows = await frame.locator('.bw-viewport .bw-row').allInnerTexts();
      if (rows.length !== 1 || !/nc-2/.test(rows[0])) throw new Error(JSON.stringify(rows));
      return rows;
    }, 'only the failed row nc-2 after filtering', { timeout: 15000 });
    await frame.locator('.bw-viewport .bw-row', { hasText: 'nc-2' }).click();
    await wb.expectVisible(frame.locator('.bw-detail h2', { hasText: 'nc-2' }), 'the detail of nc-2');
    // Nothing to copy for a failed line: the button says so instead of copying an empty string.
    assert.equal(await frame.locator('.bw-detail vscode-button', { hasText: 'Copy Output' }).getAttribute('disabled'), '', 'Copy Output disabled without output');

    // Another editor in the same group hides the panel (VS Code drops a hidden webview's page), then back.
    await wb.openFile(NEVER);
    await wb.page.locator('.tabs-container .tab', { hasText: /Results:/ }).first().click();
    frame = await resultsFrame('the results panel shown again');
    await wb.waitUntil(async () => {
      const filter = await frame.locator('#bw-filter').evaluate((el) => el.value);
      const rows = await frame.locator('.bw-viewport .bw-row').allInnerTexts();
      const selected = await frame.locator('.bw-viewport .bw-row.bw-selected').allInnerTexts();
      const detail = await frame.locator('.bw-detail h2').allInnerTexts();
      if (filter !== 'failed' || rows.length !== 1 || !/nc-2/.test(selected.join()) || !detail.includes('nc-2')) throw new Error(JSON.stringify({ filter, rows, selected, detail }));
      return true;
    }, 'the filter "Failed", the row nc-2 selected and its detail, as they were before the tab switch', { timeout: 15000 });
    await wb.shot('nc panel state kept');
  });
});

test('"Review File First" leaves a Submit as Retry CodeLens on the retry file, after its toast is gone', { timeout: 240000 }, async () => {
  const { wb } = win;
  await win.check('review file first', async () => {
    const frame = await resultsFrame('the results panel');
    await frame.locator('#bw-resubmit').click();
    const dialog = await wb.waitForDialog('the resubmit confirmation', 30000);
    assert.match(dialog, /Estimated cost: /, dialog);
    await wb.clickDialogButton(/Review File First/);
    await wb.expectVisible(wb.page.locator('.tabs-container .tab.active', { hasText: 'retry-1.jsonl' }), 'the retry file open for review');
    // The toast is gone (cleared, as it would time out): the way to submit stays in the editor.
    await wb.page.locator('.notifications-toasts').waitFor({ state: 'attached', timeout: 10000 }).catch(() => {});
    await wb.runCommand('Notifications: Clear All Notifications');
    const lens = await wb.expectVisible(wb.page.locator('.contentWidgets .codelens-decoration a, .codelens-decoration a', { hasText: /Submit as Retry/ }).first(), 'a "Submit as Retry" CodeLens above the retry file', 20000);
    assert.match(await lens.innerText(), /Submit as Retry: "nc-labels\.jsonl \(retry 1\)", 1 line/);
    await wb.shot('nc retry file codelens');
    await lens.click();
    const confirm = await wb.waitForDialog('the retry confirmation from the CodeLens', 30000);
    assert.match(confirm, /Estimated cost: /, confirm);
    await wb.clickDialogButton(/Submit Now/);
    await wb.expectVisible(wb.page.locator('.codelens-decoration a', { hasText: /Submitted as nc-labels\.jsonl \(retry 1\)/ }).first(), 'the CodeLens saying the file was submitted', 30000);
    await wb.waitUntil(async () => {
      const t = await rowText(FILE);
      if (!/3\/3/.test(t)) throw new Error(t);
      return t;
    }, `the parent row of ${FILE} to show the merged outcome 3/3 after the retry`, { timeout: 60000, interval: 400 });
    await wb.shot('nc retry submitted from codelens');
  });
});

test('a truncated answer is flagged, filtered, and resubmitted with twice its token limit (issue 20)', { timeout: 240000 }, async () => {
  const { wb } = win;
  await win.check('quality gate', async () => {
    await submitAndWait(QUALITY);
    await wb.explorerContextMenu(QUALITY);
    await wb.clickMenuItem('Open Results');
    const frame = await wb.webviewFrame('.bw-row', 'the results panel of the quality file', { text: /q-long/, timeout: 30000 });
    const header = await headerText(frame);
    assert.equal(countOf(header, 'truncated'), 1, header);
    await chooseFilter(wb, frame, 'Truncated (hit the token limit)');
    await wb.waitUntil(async () => {
      const rows = await frame.locator('.bw-viewport .bw-row').allInnerTexts();
      if (rows.length !== 1 || !/q-long/.test(rows[0]) || !/truncated/.test(rows[0])) throw new Error(JSON.stringify(rows));
      return rows;
    }, 'only the truncated row q-long, marked truncated', { timeout: 15000 });
    await frame.locator('.bw-viewport .bw-row', { hasText: 'q-long' }).click();
    await wb.expectVisible(frame.locator('.bw-flagged', { hasText: /Truncated: the answer stopped at its token limit.*finish_reason: length/ }), 'why the row is flagged, in the detail pane');
    await wb.shot('nc quality truncated filtered');

    await frame.locator('#bw-resubmit').click();
    await wb.pickIfAsked('Truncated or empty answers only, with twice the token limit', 10000);
    const dialog = await wb.waitForDialog('the resubmit confirmation of the truncated line', 30000);
    assert.match(dialog, /2x their token limit/, dialog);
    await wb.clickDialogButton(/Submit Now/);
    await wb.waitUntil(async () => {
      const f = await wb.webviewFrame('.bw-header', 'the results panel of the quality file', { text: /nc-quality/, timeout: 5000 });
      const t = await headerText(f);
      if (countOf(t, 'truncated') !== 0 || countOf(t, 'succeeded') !== 2) throw new Error(t.slice(0, 300));
      return t;
    }, 'the merged results: both lines succeeded and none truncated after the resend with a higher max_tokens', { timeout: 60000, interval: 500 });
    await wb.shot('nc quality resubmitted');
  });
});

test('a window reload after the provider forgot a finished job: listed at once, results open from the kept copy', { timeout: 240000 }, async () => {
  const { wb, env } = win;
  await win.check('reload after the provider forgot', async () => {
    // An empty emulator on the same port: every batch and file is gone, as after a sandbox restart.
    await env.restartEmulator();
    await wb.reload();
    await wb.expectVisible(wb.activityIcon(), 'the Batchwise icon after the reload', 60000);
    await wb.openBatchesView();
    const pane = wb.batchesPane();
    // The welcome text is only for a store with no jobs: never while the store is read.
    assert.equal(await pane.getByText('No batches yet').count(), 0, 'no "No batches yet" over a store with jobs');
    await wb.expectVisible(wb.treeRow(FILE), `the finished job of ${FILE} listed after the reload`, 10000);

    await wb.explorerContextMenu(FILE);
    await wb.clickMenuItem('Open Results');
    // The retry was sent from its own file: from the input file there is one job, whose panel merges the chain.
    const frame = await resultsFrame('the results panel of the job the provider no longer has');
    // The tab restored by the reload and the one just opened are one panel, not two look-alike tabs.
    assert.equal(await wb.page.locator('.tabs-container .tab', { hasText: 'Results: nc-labels.jsonl' }).count(), 1, 'one results tab for the chain');
    const header = await headerText(frame);
    assert.equal(countOf(header, 'succeeded'), 3, `all 3 lines succeeded in the merged results, read from the kept copy: ${header}`);
    const body = (await frame.locator('body').innerText()).replace(/\s+/g, ' ');
    // A word of its own: job ids are random hex ("bw-20261203-20404a" failed CI once on a bare /404/).
    assert.doesNotMatch(body, /Loading results|"error"\s*:\s*\{|\b404\b/, `no raw provider error and no endless loading: ${body.slice(0, 300)}`);
    await wb.shot('nc results after provider forgot');
  });
});
