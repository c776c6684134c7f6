#!/usr/bin/env node
// `npm run demo`: a real VS Code (code-server) in the browser with Batchwise installed, a sample workspace
// (a valid and a broken file per provider) and the local emulator as the default provider: no API key needed.
// `npm run demo -- --desktop`: install the .vsix into the desktop `code` on the PATH instead, and open the same
// workspace there (workspace settings point Batchwise at the emulator). Ctrl+C stops everything it started.
// Options: --port N (code-server port, default 8080 or a free one), --tick-ms N (emulator clock, default 1000).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, startProcess, stopProcess } from '../test/e2e/lib/procs.mjs';
import { makeWorkspace, packageVsix, startEnvironment, userSettings } from '../test/e2e/lib/harness.mjs';
import { REPO, SetupError } from '../test/e2e/setup.mjs';

const { values } = parseArgs({
  options: { desktop: { type: 'boolean', default: false }, port: { type: 'string' }, 'tick-ms': { type: 'string', default: '1000' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help) {
  console.log('usage: npm run demo [-- --desktop] [-- --port N] [-- --tick-ms N]');
  process.exit(0);
}
const tickMs = Number(values['tick-ms']);

function waitForCtrlC(stop) {
  return new Promise((resolve) => {
    const done = async () => {
      console.log('\nStopping...');
      await stop();
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

async function portOr(preferred) {
  if (values.port) return Number(values.port);
  // 8080 when free, so the URL is easy to remember; else any free port.
  const probe = await import('node:net').then(({ createServer }) => new Promise((res) => {
    const s = createServer().once('error', () => res(false)).listen(preferred, '127.0.0.1', () => s.close(() => res(true)));
  }));
  return probe ? preferred : freePort();
}

async function browserDemo() {
  const env = await startEnvironment({ tickMs, port: await portOr(8080), fixtures: false, keepRunDir: false });
  console.log(`
Batchwise demo is running.

  VS Code in the browser:  ${env.url}
  Emulator (sandbox API):  ${env.emulatorUrl}   (OpenAI at /v1; Anthropic and Gemini at the root)
  Sample workspace:        ${env.dirs.ws}
  Jobs are stored in:      ${env.dirs.home}

Open a *-broken.jsonl file to see the validation, a *-valid.jsonl file to submit it
(Batchwise: Submit JSONL as Batch); the Batchwise icon in the activity bar shows the jobs.
Press Ctrl+C to stop.`);
  await waitForCtrlC(env.stop);
}

async function desktopDemo() {
  const which = spawnSync('sh', ['-c', 'command -v code'], { encoding: 'utf8' });
  const code = which.stdout.trim();
  if (!code) {
    console.error('--desktop: no `code` on the PATH. Install VS Code and its `code` command, or run `npm run demo` for the browser version.');
    process.exit(2);
  }
  const vsix = packageVsix();
  const inst = spawnSync(code, ['--install-extension', vsix, '--force'], { encoding: 'utf8' });
  if (inst.status !== 0) {
    console.error(`code --install-extension ${vsix} failed:\n${inst.stdout}${inst.stderr}`);
    process.exit(1);
  }
  const cliJs = join(REPO, 'dist/cli.js');
  const runDir = mkdtempSync(join(tmpdir(), 'batchwise-demo-'));
  const emulator = await new Promise((resolve, reject) => {
    const proc = startProcess('emulator', process.execPath, [cliJs, 'emulator', '--port', '0', '--tick-ms', String(tickMs)], {
      logFile: join(runDir, 'emulator.log'),
      onLine: (line) => {
        const m = /listening on (http:\/\/\S+)/.exec(line);
        if (m) resolve({ proc, url: m[1].replace(/\/$/, '') });
      },
    });
    proc.child.once('exit', () => reject(new Error(`the emulator exited; see ${proc.logFile}`)));
  });
  const ws = join(runDir, 'workspace');
  makeWorkspace(ws, { fixtures: false });
  // Workspace settings, so the user's own settings stay untouched: the profiles point at the emulator.
  const settings = userSettings(emulator.url, join(runDir, 'batchwise-home'));
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  writeFileSync(join(ws, '.vscode/settings.json'), `${JSON.stringify({
    'batchwise.profiles': settings['batchwise.profiles'],
    'batchwise.pollIntervalSeconds': settings['batchwise.pollIntervalSeconds'],
    'batchwise.home': settings['batchwise.home'],
  }, null, 2)}\n`);
  spawnSync(code, [ws], { stdio: 'inherit' });
  console.log(`
Batchwise is installed in your VS Code and the sample workspace is open: ${ws}
The emulator runs on ${emulator.url}; the workspace settings point Batchwise at it.
When Batchwise asks for an API key, any text works (e.g. "sandbox").
Press Ctrl+C to stop the emulator.`);
  await waitForCtrlC(() => stopProcess(emulator.proc));
}

try {
  await (values.desktop ? desktopDemo() : browserDemo());
} catch (e) {
  console.error(`demo failed: ${e instanceof SetupError ? e.message : e.message ?? e}`);
  process.exit(1);
}
