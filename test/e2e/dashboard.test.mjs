// Issue 17: the dashboard after several jobs, in real VS Code (code-server): cards, charts with their tables, top
// errors, in the dark and the light theme. The jobs are submitted with the CLI to the emulator before the window opens.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { REPO } from './setup.mjs';
import { windowSuite } from './lib/suite.mjs';

const SHOTS = resolve(process.env.E2E_SCREENSHOTS || join(REPO, 'test/e2e/.screenshots'));

function cli(env, args) {
  const out = execFileSync(process.execPath, [join(REPO, 'dist/cli.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, BATCHWISE_HOME: env.dirs.home, OPENAI_API_KEY: 'sandbox', ANTHROPIC_API_KEY: 'sandbox', GEMINI_API_KEY: 'sandbox' },
  });
  return args.includes('--json') ? JSON.parse(out) : out;
}

const suite = windowSuite({
  shotsDir: SHOTS,
  environment: { tickMs: 500 },
  // Three finished jobs of two providers (the job's base URL is stored with it); the expected figures are `batchwise stats`'s own.
  prepare(env) {
    for (const file of ['openai-valid.jsonl', 'anthropic-valid.jsonl', 'openai-valid.jsonl']) {
      const baseUrl = file.startsWith('openai') ? `${env.emulatorUrl}/v1` : env.emulatorUrl;
      const { job } = cli(env, ['submit', join(REPO, 'samples', file), '--base-url', baseUrl, '--json']);
      cli(env, ['status', job, '--watch', '--interval', '1']);
      cli(env, ['results', job, '--json']);
    }
  },
});

test('the dashboard shows the same figures as `batchwise stats`, with charts and tables, in dark and light themes', { timeout: 300000 }, async () => {
  await suite.check('open the dashboard', async () => {
    const { wb, env } = suite;
    const stats = cli(env, ['stats', '--json']);
    assert.equal(stats.jobs, 3);
    await wb.runCommand('Batchwise: Open Dashboard');
    const frame = await wb.webviewFrame('.bw-card', 'the dashboard cards', { timeout: 60000 });
    const cards = await frame.locator('.bw-card').allInnerTexts();
    assert.ok(cards.some((c) => /^Jobs\s+3\b/.test(c)), `a Jobs card with 3: ${cards.join(' | ')}`);
    assert.ok(cards.some((c) => c.startsWith('Lines') && c.includes(String(stats.requests))), `a Lines card with ${stats.requests}: ${cards.join(' | ')}`);
    assert.equal(await frame.locator('.bw-chart canvas').count(), 3, 'three charts');
    // Each chart has its table: the spend table lists both providers.
    await frame.locator('.bw-table-fallback summary').first().click();
    const spendTable = await frame.locator('.bw-table-fallback').first().innerText();
    assert.match(spendTable, /openai/);
    assert.match(spendTable, /anthropic/);
    await wb.page.waitForTimeout(500); // charts animate in
    // The workbench starts in its default theme; the toggle switches to the other one, and the webview follows.
    const first = (await frame.locator('body.vscode-dark').count()) ? 'dark' : 'light';
    const other = first === 'dark' ? 'light' : 'dark';
    const shots = { [first]: await wb.shot(`dashboard ${first}`) };
    await wb.runCommand('Preferences: Toggle between Light/Dark Themes');
    await wb.waitUntil(async () => {
      if (!(await frame.locator(`body.vscode-${other}`).count())) throw new Error(`not ${other} yet`);
      return true;
    }, `the webview in the ${other} theme`);
    await wb.page.waitForTimeout(800);
    shots[other] = await wb.shot(`dashboard ${other}`);
    assert.equal(await frame.locator('.bw-chart canvas').count(), 3, 'the charts are redrawn in the new theme');
    mkdirSync(join(REPO, 'docs/screenshots'), { recursive: true });
    copyFileSync(shots.dark, join(REPO, 'docs/screenshots/dashboard.png'));
  });
});
