// `npm run test:e2e`: installs what is missing (test/e2e/setup.mjs), then runs the journeys in real VS Code
// (code-server + Chromium, headless). Extra arguments go to node's test runner, e.g. --test-name-pattern="^1\.".
// Env: E2E_SCREENSHOTS (default test/e2e/.screenshots), E2E_TICK_MS (emulator clock), E2E_SKIP_PACKAGE=1 (reuse
// batchwise.vsix), E2E_KEEP=1 (keep the temporary profile/workspace), E2E_CACHE (install cache folder).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureSetup, REPO, SetupError } from './setup.mjs';
import { packageVsix } from './lib/harness.mjs';

// `--docs`: after a green run, copy the screenshots the README shows to docs/screenshots/ (stable names).
const DOCS = {
  'validation-problems.png': 'j1-problems-panel',
  'quick-fix.png': 'j1-quick-fix-menu',
  'explorer-menu.png': 'j2-explorer-context-menu',
  'submit-confirm.png': 'submit-openai-confirm',
  'batches-completed.png': 'j3-completed-notification',
  'results-panel.png': 'j4-results-panel',
  'results-diff.png': 'j4-diff-of-a-row',
  'retry-merged.png': 'j5-merged-results',
};
const updateDocs = process.argv.includes('--docs');
const testArgs = process.argv.slice(2).filter((a) => a !== '--docs');
const shots = resolve(process.env.E2E_SCREENSHOTS || join(REPO, 'test/e2e/.screenshots'));
const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);

try {
  ensureSetup();
} catch (e) {
  console.error(`e2e setup failed: ${e instanceof SetupError ? e.message : e.stack}`);
  process.exit(1);
}
const setupSecs = secs();
try {
  packageVsix(); // once here, so a packaging failure is reported once (the journeys then reuse the .vsix)
} catch (e) {
  console.error(`e2e: ${e.message}`);
  process.exit(1);
}
const packageSecs = secs();

mkdirSync(shots, { recursive: true });
for (const name of readdirSync(shots)) if (name.endsWith('.png') || name === 'logs') rmSync(join(shots, name), { recursive: true, force: true });

// Every *.test.mjs here is a suite with its own window; journeys.test.mjs first (it is the README's walk-through).
const E2E_DIR = join(REPO, 'test/e2e');
const suites = readdirSync(E2E_DIR)
  .filter((n) => n.endsWith('.test.mjs'))
  .sort((a, b) => (a === 'journeys.test.mjs' ? -1 : b === 'journeys.test.mjs' ? 1 : a.localeCompare(b)))
  .map((n) => join(E2E_DIR, n));
const r = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-concurrency=1', ...testArgs, ...suites],
  { stdio: 'inherit', cwd: REPO, env: { ...process.env, E2E_SCREENSHOTS: shots, E2E_SKIP_PACKAGE: '1' } },
);
if (updateDocs && r.status === 0) {
  const docs = join(REPO, 'docs/screenshots');
  mkdirSync(docs, { recursive: true });
  const names = readdirSync(shots);
  for (const [target, suffix] of Object.entries(DOCS)) {
    const found = names.find((n) => n.endsWith(`-${suffix}.png`));
    if (found) copyFileSync(join(shots, found), join(docs, target));
    else console.error(`[e2e] --docs: no screenshot *-${suffix}.png`);
  }
  console.error(`[e2e] README screenshots updated in ${docs}`);
}
console.error(`[e2e] setup ${setupSecs}s, package done at ${packageSecs}s, total ${secs()}s; screenshots in ${shots}`);
process.exit(r.status ?? 1);
