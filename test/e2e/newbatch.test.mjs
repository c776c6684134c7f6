// Issue 15: "New Batch from Data" in real VS Code (code-server): right-click a CSV, write the user template with a
// column chip, see the rendered request in the live preview, write the file, submit it to the emulator, see the job,
// then export its results to SQLite from the results panel: one row per CSV row, with the CSV's columns.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { REPO } from './setup.mjs';
import { existsSync } from 'node:fs';
import sqlite from 'node-sqlite3-wasm';
import { windowSuite } from './lib/suite.mjs';

const SHOTS = resolve(process.env.E2E_SCREENSHOTS || join(REPO, 'test/e2e/.screenshots'));

const suite = windowSuite({
  shotsDir: SHOTS,
  environment: { tickMs: 500 },
  prepare(env) {
    writeFileSync(join(env.dirs.ws, 'reviews.csv'), 'id,text\nr1,great product\nr2,arrived broken\nr3,fine I guess\n');
  },
});

test('New Batch from Data on a CSV: template, live preview, write, submit, the job in the tree', { timeout: 300000 }, async () => {
  const { wb } = suite;
  await suite.check('open the form from the explorer', async () => {
    await wb.explorerContextMenu('reviews.csv');
    await wb.clickMenuItem('New Batch from Data...');
  });
  const frame = await wb.webviewFrame('.bw-chip', 'the form with the column chips', { text: 'text', timeout: 60000 });
  await suite.check('type a template and see the preview', async () => {
    await frame.locator('#bw-user textarea').fill('Classify this review: ');
    await frame.locator('.bw-chip[title="Insert {{text}}"]').click();
    await wb.waitUntil(async () => {
      const shown = await frame.locator('.bw-request').first().innerText().catch(() => '');
      if (!shown.includes('Classify this review: great product')) throw new Error(`preview: ${shown}`);
      return true;
    }, 'the first rendered request in the preview', { timeout: 20000 });
    const estimate = await frame.locator('.bw-estimate').innerText();
    assert.match(estimate, /An estimate/);
    assert.match(estimate, /\$\s?\d/);
    await wb.shot('new batch form');
  });
  await suite.check('write and submit', async () => {
    await frame.locator('#bw-write').click();
    // The save dialog is VS Code's simple file dialog: Enter takes the default name beside the data file.
    await wb.expectVisible(wb.page.locator('.quick-input-widget input'), 'the save dialog', 20000);
    await wb.page.keyboard.press('Enter');
    const toast = await wb.waitForNotification(/wrote 3 requests to reviews\.jsonl/, 30000);
    assert.match(toast, /Submit/);
    await wb.notification(/wrote 3 requests/).locator('.monaco-button', { hasText: 'Submit' }).click();
    await wb.pickIfAsked('openai', 3000);
    await wb.waitForDialog('the cost confirmation after Submit', 30000);
    await wb.clickDialogButton(/Submit/i);
    await wb.openBatchesView();
    await wb.expectVisible(wb.treeRow('reviews.jsonl'), 'the submitted "reviews.jsonl" job in the Batches view', 30000);
  });
  await suite.check('export the results to SQLite from the results panel', async () => {
    const row = wb.treeRow('reviews.jsonl');
    // The sandbox batch ends after 8 ticks of 500 ms: the row says so when the tracker has polled it.
    await wb.waitUntil(async () => /completed/.test(await row.innerText().catch(() => '')), 'the reviews.jsonl job completed in the Batches view', { timeout: 60000 });
    await row.click({ button: 'right' });
    await wb.menuLabels();
    await wb.clickMenuItem('Open Results');
    // The New Batch form is a webview too: the results panel is the one that counts succeeded lines.
    const panel = await wb.webviewFrame('body', 'the results panel of reviews.jsonl', { text: /succeeded/, timeout: 30000 });
    await panel.locator('vscode-button', { hasText: 'Export CSV' }).click();
    const input = await wb.expectVisible(wb.page.locator('.quick-input-widget input'), 'the export save dialog', 20000);
    // The simple file dialog shows the folder first, then the suggested name.
    const suggested = await wb.waitUntil(async () => {
      const v = await input.inputValue();
      if (!/reviews\.results\.csv$/.test(v)) throw new Error(`the dialog shows ${v}`);
      return v;
    }, 'the suggested reviews.results.csv in the save dialog', { timeout: 20000 });
    const target = suggested.replace(/reviews\.results\.csv$/, 'reviews.results.sqlite');
    await input.fill(target);
    await wb.page.keyboard.press('Enter');
    await wb.waitForNotification(/exported 3 rows .* to reviews\.results\.sqlite/, 30000);
    const file = join(suite.env.dirs.ws, 'reviews.results.sqlite');
    assert.ok(existsSync(file), `${file} was written`);
    const db = new sqlite.Database(file, { readOnly: true });
    try {
      const rows = db.all('SELECT custom_id, outcome, text FROM results ORDER BY line');
      assert.deepEqual(rows.map((r) => [r.outcome, r.text]), [['succeeded', 'great product'], ['succeeded', 'arrived broken'], ['succeeded', 'fine I guess']]);
    } finally {
      db.close();
    }
  });
});
