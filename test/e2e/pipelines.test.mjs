// Issue 16: a pipeline in real VS Code (code-server): the Pipelines view lists the workspace's pipeline file with its
// schedule; the "Run pipeline now" CodeLens runs one cycle against the emulator (one line fails once, so the cycle
// sends a retry); the view shows the cycle running, then completed with its counts; the notification offers the results.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { REPO } from './setup.mjs';
import { windowSuite } from './lib/suite.mjs';

const SHOTS = resolve(process.env.E2E_SCREENSHOTS || join(REPO, 'test/e2e/.screenshots'));
const PIPELINE = 'nightly.batchwise.yaml';

const line = (id, text) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] } });

const suite = windowSuite({
  shotsDir: SHOTS,
  environment: { tickMs: 600, fixtures: false },
  prepare(env) {
    const requests = [line('t-1', 'Label: the parcel arrived broken'), line('t-2', 'Label: great service [[fail-once]]'), line('t-3', 'Label: fine I guess'), line('t-4', 'Label: never again')];
    writeFileSync(join(env.dirs.ws, 'tickets.jsonl'), `${requests.join('\n')}\n`);
    writeFileSync(
      join(env.dirs.ws, PIPELINE),
      [
        'name: nightly-labels',
        'input: { file: tickets.jsonl }',
        'provider: openai',
        `baseUrl: ${env.emulatorUrl}/v1`,
        'retries: 1',
        'outputs: [labels.csv]',
        'schedule: { cron: "0 2 * * *", timezone: UTC }',
        '',
      ].join('\n'),
    );
    // Files with problems: a typo in a YAML pipeline, an unknown provider in a JSON one.
    writeFileSync(join(env.dirs.ws, 'broken.batchwise.yaml'), 'name: broken\ninput: { file: tickets.jsonl }\nprovider: openai\nschedul: "0 2 * * *"\n');
    writeFileSync(join(env.dirs.ws, 'weekly.batchwise.json'), `${JSON.stringify({ name: 'weekly', input: { file: 'tickets.jsonl' }, provider: 'mistral' }, null, 2)}\n`);
  },
});

/** The Pipelines pane of the Batchwise side bar, and its rows. */
const pane = () => suite.wb.page.locator('.pane', { has: suite.wb.page.locator('.pane-header', { hasText: /^\s*Pipelines/i }) });
const pipelineRow = () => pane().locator('.monaco-list-row', { hasText: 'nightly-labels' }).first();
const rowText = async (row) => (await row.innerText()).replace(/\s+/g, ' ').trim();

test('Pipelines view and CodeLens: Run Now runs a cycle with a retry, the view follows it to completed with the counts', { timeout: 120000 }, async () => {
  const { wb, env } = suite;
  await suite.check('the Pipelines view lists the pipeline with its schedule', async () => {
    await wb.openBatchesView();
    await wb.expectVisible(pane().locator('.pane-body'), 'the Pipelines view below Batches', 20000);
    await wb.expectVisible(pipelineRow(), 'the "nightly-labels" pipeline in the Pipelines view', 30000);
    const text = await rowText(pipelineRow());
    assert.match(text, /no cycle yet · 0 2 \* \* \* \(UTC\) · next in \d/, text);
    const broken = await rowText(await wb.expectVisible(pane().locator('.monaco-list-row', { hasText: 'broken.batchwise.yaml' }), 'the broken pipeline file listed with its problem'));
    assert.match(broken, /line 4: unknown field "schedul" \(did you mean "schedule"\?\)/, broken);
  });

  await suite.check('a pipeline file with problems gets diagnostics: the loader\'s in YAML, the JSON schema\'s too in JSON', async () => {
    await wb.openFile('broken.batchwise.yaml');
    await wb.waitUntil(async () => {
      const rows = await wb.problems();
      if (!rows.some((r) => /unknown field "schedul"/.test(r) && /Ln 4\b/.test(r))) throw new Error(`problems: ${rows.join(' | ')}`);
      return rows;
    }, 'the typo on line 4 in the Problems panel', { timeout: 20000, interval: 500 });
    await wb.openFile('weekly.batchwise.json');
    // The contributed schema (jsonValidation) makes VS Code's JSON service list the providers; Batchwise says where.
    await wb.waitUntil(async () => {
      const rows = (await wb.problems()).filter((r) => /mistral|provider/i.test(r));
      if (!rows.some((r) => /openai/.test(r) && /Ln 6\b/.test(r))) throw new Error(`problems: ${rows.join(' | ')}`);
      if (rows.length < 2) throw new Error(`only one source: ${rows.join(' | ')}`);
      return rows;
    }, 'the unknown provider on line 6 reported by the JSON schema and by Batchwise', { timeout: 30000, interval: 500 });
    await wb.shot('pipelines problems');
    await wb.page.keyboard.press('Control+J'); // hide the panel again
    await wb.runCommand('View: Close All Editors');
  });

  await suite.check('the CodeLens runs the pipeline; the view shows the cycle running, then completed', async () => {
    await wb.openFile(PIPELINE);
    const lens = await wb.expectVisible(wb.page.locator('.codelens-decoration a', { hasText: 'Run pipeline now' }), 'a "▶ Run pipeline now" CodeLens above the pipeline file', 20000);
    await wb.expectVisible(wb.page.locator('.codelens-decoration a', { hasText: /^Pause$/ }), 'a "Pause" CodeLens beside it');
    await lens.click();
    await wb.waitUntil(async () => {
      const t = await rowText(pipelineRow());
      if (!/running: /.test(t)) throw new Error(`row: ${t}`);
      return t;
    }, 'the pipeline row saying its cycle is running', { timeout: 20000, interval: 200 });
    await wb.shot('pipelines cycle running');
    const done = await wb.waitUntil(async () => {
      const t = await rowText(pipelineRow());
      if (!/✓ completed/.test(t)) throw new Error(`row: ${t}`);
      return t;
    }, 'the pipeline row saying its cycle completed', { timeout: 60000, interval: 500 });
    // Four lines, one failed once and succeeded on the retry.
    assert.match(done, /✓ completed \d+s ago · 4\/4 · 0 2 \* \* \* \(UTC\)/, done);
    // The notification center has every notification (the tracker's per-job toasts can crowd this one out).
    const item = await wb.centerNotification(/Pipeline "nightly-labels" completed: 4 succeeded, 0 failed after 1 retry/, 'the end-of-cycle notification with its counts', 20000);
    const toast = await item.innerText();
    assert.match(toast, /Open Results/);
    assert.match(toast, /Wrote labels\.csv/);
    await wb.hideNotificationCenter();
    const csv = readFileSync(join(env.dirs.ws, 'labels.csv'), 'utf8');
    for (const id of ['t-1', 't-2', 't-3', 't-4']) assert.ok(csv.includes(id), `labels.csv has ${id}`);
  });

  await suite.check('the cycle is listed under the pipeline, and the CodeLens shows it', async () => {
    const cycle = pane().locator('.monaco-list-row', { hasText: /✓ completed .* 4\/4 · 1 retry · run by hand/ }).first();
    if (!(await cycle.isVisible().catch(() => false))) await pipelineRow().locator('.monaco-tl-twistie').click();
    await wb.expectVisible(cycle, 'the completed cycle (4/4, 1 retry) under the pipeline', 15000);
    await wb.expectVisible(wb.page.locator('.codelens-decoration a', { hasText: /Last cycle .*completed/ }), 'the CodeLens with the last cycle', 15000);
    // Wider side bar for the screenshot, so the rows' descriptions show in full: drag its edge as a person does.
    const bar = await wb.page.locator('.part.sidebar').boundingBox();
    if (bar) {
      const y = bar.y + bar.height / 2;
      await wb.page.mouse.move(bar.x + bar.width + 1, y);
      await wb.page.mouse.down();
      await wb.page.mouse.move(760, y, { steps: 8 });
      await wb.page.mouse.up();
    }
    await pipelineRow().hover();
    await wb.page.waitForTimeout(400);
    const shot = await wb.shot('pipelines completed');
    mkdirSync(join(REPO, 'docs/screenshots'), { recursive: true });
    copyFileSync(shot, join(REPO, 'docs/screenshots/pipelines.png'));
  });

  await suite.check('Pause and Resume from the CodeLens, recorded in the store for serve', async () => {
    const state = () => {
      const dir = join(env.dirs.home, 'pipelines');
      const key = readdirSync(dir).find((n) => n.startsWith('nightly-'));
      return JSON.parse(readFileSync(join(dir, key, 'state.json'), 'utf8'));
    };
    await (await wb.expectVisible(wb.page.locator('.codelens-decoration a', { hasText: /^Pause$/ }), 'the Pause CodeLens')).click();
    await wb.waitUntil(async () => {
      const t = await rowText(pipelineRow());
      if (!/0 2 \* \* \* \(UTC\) · schedule paused/.test(t)) throw new Error(`row: ${t}`);
      return t;
    }, 'the pipeline row saying its schedule is paused');
    assert.equal(state().paused, true);
    await (await wb.expectVisible(wb.page.locator('.codelens-decoration a', { hasText: /^Resume$/ }), 'the Resume CodeLens in place of Pause', 15000)).click();
    await wb.waitUntil(async () => {
      const t = await rowText(pipelineRow());
      if (!/· next in \d/.test(t)) throw new Error(`row: ${t}`);
      return t;
    }, 'the pipeline row with its next run again');
    assert.equal(state().paused, false);
  });
});
