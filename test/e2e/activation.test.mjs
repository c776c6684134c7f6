// Start-up cost in real VS Code (issues 13 and 14): the activation time VS Code itself reports for Batchwise
// ("Developer: Show Running Extensions": code loading + activate call) stays under 200 ms on this machine (the best of
// up to three window loads), and the
// extension host log has no error from Batchwise at activation (PendingMigrationError: navigator is now a global).
// Its own window; run by test/e2e/run.mjs, or alone: node --test test/e2e/activation.test.mjs (after npm run package).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { REPO } from './setup.mjs';
import { extensionHostLogs } from './lib/harness.mjs';
import { windowSuite } from './lib/suite.mjs';

const SHOTS = resolve(process.env.E2E_SCREENSHOTS || join(REPO, 'test/e2e/.screenshots'));
const MAX_ACTIVATION_MS = 200;

const win = windowSuite({ shotsDir: SHOTS, environment: { fixtures: false } });

/** The Running Extensions row of Batchwise: "Activation: 34ms" (or "Startup Activation: ..."). */
async function reportedActivationMs() {
  await win.wb.runCommand('Developer: Show Running Extensions');
  const row = win.wb.page.locator('.monaco-list-row', { has: win.wb.page.locator('.name', { hasText: /^Batchwise$/ }) }).first();
  await win.wb.expectVisible(row, 'a Batchwise row in Running Extensions', 20000);
  const text = await win.wb.waitUntil(
    async () => {
      const t = (await row.locator('.activation-time').innerText()).trim();
      if (!/Activation: \d+ms/.test(t)) throw new Error(`activation time says "${t}"`);
      return t;
    },
    'an activation time on the Batchwise row',
    { timeout: 20000 },
  );
  await win.wb.shot('activation running extensions');
  // Running Extensions opens as a modal editor over the workbench: close it so the next step can use the editor.
  await win.wb.page.keyboard.press('Escape');
  await win.wb.runCommand('View: Close All Editors');
  return { text, ms: Number(/(\d+)ms/.exec(text)[1]) };
}

/** Window loads measured at most: one sample is at the mercy of whatever else the machine does at that moment. */
const SAMPLES = 3;

test(`Batchwise activates in under ${MAX_ACTIVATION_MS} ms as VS Code measures it`, { timeout: 240000 }, async () => {
  await win.check('activation time', async () => {
    // The best of up to three window loads, as the benches take the best of their runs: the cost of Batchwise's
    // start-up, not of a scheduler hiccup beside it. Every sample is printed.
    const samples = [];
    for (let i = 0; i < SAMPLES; i++) {
      if (i > 0) {
        await win.wb.reload();
        await win.wb.expectVisible(win.wb.activityIcon(), 'the Batchwise icon after the reload', 60000);
      }
      const { text, ms } = await reportedActivationMs();
      samples.push(ms);
      console.error(`[e2e] Running Extensions: Batchwise "${text}" (sample ${i + 1})`);
      if (ms < MAX_ACTIVATION_MS) break;
    }
    const best = Math.min(...samples);
    assert.ok(best < MAX_ACTIVATION_MS, `VS Code reports ${samples.map((ms) => `${ms} ms`).join(', ')} for Batchwise; the target is under ${MAX_ACTIVATION_MS} ms`);
  });
});

test('the extension host log has no PendingMigrationError (navigator) or other error from Batchwise', { timeout: 90000 }, async () => {
  await win.check('extension host log', async () => {
    // Validating a file runs the code that probed navigator (zod's first object parse): after it, the log is complete.
    await win.wb.closeQuickInput();
    await win.wb.openFile('openai-valid.jsonl');
    await win.wb.statusBarText(/12 requests/, 30000);
    await win.wb.shot('activation validated a file');
    const logs = extensionHostLogs(win.env.dirs.ud);
    assert.ok(logs.length > 0, `an extension host log under ${win.env.dirs.ud}/logs`);
    const text = logs.map((p) => readFileSync(p, 'utf8')).join('\n');
    assert.match(text, /batchwise/i, 'the log covers Batchwise activation');
    // One entry = a timestamped line and the stack lines under it.
    const entries = text.split(/\n(?=\d{4}-\d\d-\d\d[ T])/);
    const navigator = entries.filter((e) => /PendingMigrationError|navigator is now a global/.test(e));
    assert.deepEqual(navigator, [], 'no "navigator is now a global in nodejs" error in the extension host log');
    const ours = entries.filter((e) => /\[error\]/i.test(e) && /batchwise/i.test(e));
    assert.deepEqual(ours, [], 'no error logged from Batchwise');
  });
});
