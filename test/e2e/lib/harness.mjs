// One real VS Code environment for the e2e suite and the demo: the .vsix installed into a fresh code-server
// profile, the Batchwise emulator, settings pointing Batchwise at it, and a sample workspace.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ensureSetup, REPO } from '../setup.mjs';
import { freePort, startProcess, stopProcess, waitForHttp } from './procs.mjs';

export const VSIX = join(REPO, 'batchwise.vsix');
export const EXTENSION_ID = 'batchwise.batchwise';
const FIXTURES = join(REPO, 'test/e2e/fixtures');
const SAMPLES = join(REPO, 'samples');

const log = (m) => console.error(`[e2e] ${m}`);

function tail(text, n = 30) {
  return text.split('\n').slice(-n).map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l)).join('\n');
}

function logTail(file, n = 15) {
  try {
    return tail(readFileSync(file, 'utf8'), n);
  } catch {
    return '(no log)';
  }
}

/** `npm run package` -> batchwise.vsix. E2E_SKIP_PACKAGE=1 reuses an existing one (CI packages just before). */
export function packageVsix() {
  if (process.env.E2E_SKIP_PACKAGE === '1' && existsSync(VSIX)) {
    log(`reusing ${VSIX} (E2E_SKIP_PACKAGE=1)`);
    return VSIX;
  }
  const t0 = Date.now();
  const r = spawnSync('npm', ['run', 'package'], { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0 || !existsSync(VSIX)) {
    throw new Error(`\`npm run package\` failed (exit ${r.status}), so there is no batchwise.vsix to test:\n${tail(`${r.stdout}${r.stderr}`)}`);
  }
  log(`packaged ${basename(VSIX)} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  return VSIX;
}

/** User settings: Batchwise pointed at the emulator, a quiet workbench (no trust prompt, welcome page, tips). */
export function userSettings(emulatorUrl, batchwiseHome) {
  return {
    'batchwise.profiles': [
      { name: 'openai', provider: 'openai', baseUrl: `${emulatorUrl}/v1` },
      { name: 'anthropic', provider: 'anthropic', baseUrl: emulatorUrl },
      { name: 'gemini', provider: 'gemini', baseUrl: emulatorUrl },
    ],
    'batchwise.pollIntervalSeconds': 1,
    'batchwise.home': batchwiseHome,
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.tips.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'chat.disableAIFeatures': true,
    'chat.commandCenter.enabled': false,
    'git.enabled': false,
    'files.autoSave': 'off',
    'editor.minimap.enabled': false,
    'window.restoreWindows': 'none',
  };
}

/** The sample workspace: samples/*.jsonl (valid and broken per provider) plus the suite's own fixtures. */
export function makeWorkspace(dir, { fixtures = true } = {}) {
  mkdirSync(dir, { recursive: true });
  const copied = [];
  for (const src of [SAMPLES, ...(fixtures ? [FIXTURES] : [])]) {
    if (!existsSync(src)) continue;
    for (const name of readdirSync(src).sort()) {
      if (!name.endsWith('.jsonl') || !statSync(join(src, name)).isFile()) continue;
      copyFileSync(join(src, name), join(dir, name));
      copied.push(name);
    }
  }
  if (!existsSync(SAMPLES)) log('samples/ does not exist yet: the workspace has only the e2e fixtures');
  // A file that is not JSONL: Batchwise's explorer menu items must not appear on it.
  writeFileSync(join(dir, 'notes.txt'), 'Batch files of this workspace: the .jsonl files.\n');
  return copied;
}

function startEmulator(cliJs, runDir, tickMs, port = 0) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const proc = startProcess('emulator', process.execPath, [cliJs, 'emulator', '--port', String(port), '--tick-ms', String(tickMs)], {
      env: process.env,
      logFile: join(runDir, 'emulator.log'),
      onLine: (line) => {
        const m = /listening on (http:\/\/\S+)/.exec(line);
        if (m && !settled) {
          settled = true;
          resolve({ proc, url: m[1].replace(/\/$/, '') });
        }
      },
    });
    proc.child.on('exit', () => {
      if (!settled) {
        settled = true;
        reject(new Error(`the emulator (node ${cliJs} emulator) exited before printing its URL; ${proc.logFile} ends with:\n${logTail(proc.logFile)}`));
      }
    });
    setTimeout(() => {
      if (!settled) {
        settled = true;
        reject(new Error(`the emulator printed no "listening on" line within 20s; see ${proc.logFile}`));
      }
    }, 20000).unref();
  });
}

/**
 * Starts everything. `stop()` ends what was started (by pid) and is safe to call twice.
 * @param {{ tickMs?: number, port?: number, runDir?: string, keepRunDir?: boolean }} [opts]
 */
export async function startEnvironment(opts = {}) {
  const setup = ensureSetup();
  const vsix = packageVsix();
  const cliJs = join(REPO, 'dist/cli.js');
  if (!existsSync(cliJs)) throw new Error(`${cliJs} is missing after \`npm run package\`: the emulator cannot start`);

  const runDir = opts.runDir ?? mkdtempSync(join(tmpdir(), 'batchwise-e2e-'));
  const dirs = { ud: join(runDir, 'user-data'), ext: join(runDir, 'extensions'), home: join(runDir, 'batchwise-home'), ws: join(runDir, 'workspace') };
  for (const d of Object.values(dirs)) {
    rmSync(d, { recursive: true, force: true }); // a reused profile restores the last open view: always fresh
    mkdirSync(d, { recursive: true });
  }

  const t0 = Date.now();
  const inst = spawnSync(setup.codeServer, ['--extensions-dir', dirs.ext, '--user-data-dir', dirs.ud, '--install-extension', vsix, '--force'], {
    env: setup.csEnv,
    encoding: 'utf8',
  });
  if (inst.status !== 0 || !readdirSync(dirs.ext).some((n) => n.startsWith(`${EXTENSION_ID}-`))) {
    throw new Error(`code-server --install-extension ${vsix} failed:\n${tail(`${inst.stdout}${inst.stderr}`)}`);
  }
  log(`installed ${EXTENSION_ID} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

  const procs = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const p of procs.reverse()) await stopProcess(p);
    if (!opts.keepRunDir && !process.env.E2E_KEEP) rmSync(runDir, { recursive: true, force: true });
  };

  try {
    let emu = await startEmulator(cliJs, runDir, opts.tickMs ?? 1500);
    procs.push(emu.proc);
    log(`emulator on ${emu.url} (pid ${emu.proc.pid})`);

    mkdirSync(join(dirs.ud, 'User'), { recursive: true });
    writeFileSync(join(dirs.ud, 'User/settings.json'), `${JSON.stringify(userSettings(emu.url, dirs.home), null, 2)}\n`);
    const files = makeWorkspace(dirs.ws, { fixtures: opts.fixtures ?? true });

    const port = opts.port ?? (await freePort());
    // Env reaches the extension host: the extension falls back to these keys (the emulator takes any).
    const env = {
      ...setup.csEnv,
      OPENAI_API_KEY: 'sandbox',
      ANTHROPIC_API_KEY: 'sandbox',
      GEMINI_API_KEY: 'sandbox',
      BATCHWISE_HOME: dirs.home,
    };
    const cs = startProcess(
      'code-server',
      setup.codeServer,
      ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
        '--disable-getting-started-override', '--user-data-dir', dirs.ud, '--extensions-dir', dirs.ext, dirs.ws],
      { env, logFile: join(runDir, 'code-server.log') },
    );
    procs.push(cs);
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, { timeoutMs: 90000, proc: cs });
    log(`code-server on http://127.0.0.1:${port} (pid ${cs.pid}); workspace ${dirs.ws}: ${files.join(', ')}`);

    return {
      setup,
      runDir,
      dirs,
      files,
      emulatorUrl: emu.url,
      /**
       * Stops the emulator and starts a fresh one on the same port: every batch and file it held is gone, as when a
       * sandbox restarts or a provider deletes results past their retention.
       */
      async restartEmulator() {
        const i = procs.indexOf(emu.proc);
        await stopProcess(emu.proc);
        emu = await startEmulator(cliJs, runDir, opts.tickMs ?? 1500, Number(new URL(emu.url).port));
        procs[i] = emu.proc;
        log(`emulator restarted on ${emu.url} (pid ${emu.proc.pid}), empty`);
      },
      port,
      baseUrl: `http://127.0.0.1:${port}`,
      url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.ws)}`,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Every log file of the extension host(s) under the user-data logs folder (copied next to failure screenshots). */
export function extensionHostLogs(userDataDir) {
  const out = [];
  const walk = (dir) => {
    for (const name of existsSync(dir) ? readdirSync(dir) : []) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/exthost/i.test(p) && name.endsWith('.log')) out.push(p);
    }
  };
  walk(join(userDataDir, 'logs'));
  return out;
}

/** Copies the extension host logs into `dest` (flattened names); returns the copies. */
export function collectLogs(userDataDir, dest, extra = []) {
  mkdirSync(dest, { recursive: true });
  const copies = [];
  for (const p of [...extensionHostLogs(userDataDir), ...extra]) {
    if (!existsSync(p)) continue;
    const name = p.split('/').slice(-3).join('__');
    cpSync(p, join(dest, name));
    copies.push(join(dest, name));
  }
  return copies;
}
