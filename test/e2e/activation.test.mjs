// Start-up cost in real VS Code (issues 13 and 14): the activation time VS Code itself reports for Batchwise
// ("Developer: Show Running Extensions": code loading + activate call) stays under 200 ms on this machine, and the
// extension host log has no error from Batchwise at activation (PendingMigrationError: navigator is now a global).
// Its own window; run by test/e2e/run.mjs, or alone: node --test test/e2e/activation.test.mjs (after npm run package).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO } from './setup.mjs';
import { collectLogs, extensionHostLogs, startEnvironment } from './lib/harness.mjs';
import { launchBrowser, Workbench } from './lib/workbench.mjs';

const SHOTS = resolve(process.env.E2E_SCREENSHOTS || join(REPO, 'test/e2e/.screenshots'));
const MAX_ACTIVATION_MS = 200;

/** @type {Awaited<ReturnType<typeof startEnvironment>>} */ let env;
/** @type {import('playwright-core').Browser} */ let browser;
/** @type {Workbench} */ let wb;

before(async () => {
  env = await startEnvironment({ fixtures: false });
  browser = await launchBrowser(env.setup.chromium, env.setup.home);
  wb = await Workbench.open(browser, { url: env.url, shotsDir: SHOTS });
  await wb.expectVisible(wb.activityIcon(), 'the Batchwise icon in the activity bar', 60000);
});

after(async () => {
  await browser?.close().catch(() => {});
  await env?.stop();
});

async function failWithLogs(name, fn) {
  try {
    await fn();
  } catch (e) {
    const shot = wb ? await wb.shot(`FAILED ${name}`) : '(no browser)';
    const logs = env ? collectLogs(env.dirs.ud, join(SHOTS, 'logs')) : [];
    e.message = `${name}: ${e.message}\n  failure screenshot: ${shot}\n  logs: ${logs.length ? join(SHOTS, 'logs') : '(none found)'}`;
    throw e;
  }
}

/** The Running Extensions row of Batchwise: "Activation: 34ms" (or "Startup Activation: ..."). */
async function reportedActivationMs() {
  await wb.runCommand('Developer: Show Running Extensions');
  const row = wb.page.locator('.monaco-list-row', { has: wb.page.locator('.name', { hasText: /^Batchwise$/ }) }).first();
  await wb.expectVisible(row, 'a Batchwise row in Running Extensions', 20000);
  const text = await wb.waitUntil(
    async () => {
      const t = (await row.locator('.activation-time').innerText()).trim();
      if (!/Activation: \d+ms/.test(t)) throw new Error(`activation time says "${t}"`);
      return t;
    },
    'an activation time on the Batchwise row',
    { timeout: 20000 },
  );
  await wb.shot('activation running extensions');
  // Running Extensions opens as a modal editor over the workbench: close it so the next step can use the editor.
  await wb.page.keyboard.press('Escape');
  await wb.runCommand('View: Close All Editors');
  return { text, ms: Number(/(\d+)ms/.exec(text)[1]) };
}

test(`Batchwise activates in under ${MAX_ACTIVATION_MS} ms as VS Code measures it`, { timeout: 180000 }, async () => {
  await failWithLogs('activation time', async () => {
    const { text, ms } = await reportedActivationMs();
    console.error(`[e2e] Running Extensions: Batchwise "${text}"`);
    assert.ok(ms < MAX_ACTIVATION_MS, `VS Code reports "${text}" for Batchwise; the target is under ${MAX_ACTIVATION_MS} ms`);
  });
});

test('the extension host log has no PendingMigrationError (navigator) or other error from Batchwise', { timeout: 90000 }, async () => {
  await failWithLogs('extension host log', async () => {
    // Validating a file runs the code that probed navigator (zod's first object parse): after it, the log is complete.
    await wb.closeQuickInput();
    await wb.openFile('openai-valid.jsonl');
    await wb.statusBarText(/12 requests/, 30000);
    await wb.shot('activation validated a file');
    const logs = extensionHostLogs(env.dirs.ud);
    assert.ok(logs.length > 0, `an extension host log under ${env.dirs.ud}/logs`);
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
