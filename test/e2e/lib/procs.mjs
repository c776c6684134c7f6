// Child processes the e2e harness starts: each in its own process group, stopped by its pid (the whole group),
// so code-server's file watcher / extension host / agent children go with it. Nothing is stopped by name.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';

/** A free TCP port on loopback (closed again before it is used: fine for a single machine run). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const started = new Set();

/**
 * Spawns `cmd args` detached (own process group, pgid == pid), output appended to `logFile`.
 * `onLine` sees every stdout/stderr line (e.g. to find a URL).
 */
export function startProcess(name, cmd, args, { env, cwd, logFile, onLine } = {}) {
  const child = spawn(cmd, args, { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : null;
  let buffered = '';
  const feed = (chunk) => {
    log?.write(chunk);
    if (!onLine) return;
    buffered += chunk.toString('utf8');
    let i;
    while ((i = buffered.indexOf('\n')) >= 0) {
      onLine(buffered.slice(0, i));
      buffered = buffered.slice(i + 1);
    }
  };
  child.stdout.on('data', feed);
  child.stderr.on('data', feed);
  const proc = { name, pid: child.pid, child, exited: false, exitCode: null, logFile };
  child.on('exit', (code, signal) => {
    proc.exited = true;
    proc.exitCode = code ?? signal;
    log?.end();
  });
  started.add(proc);
  return proc;
}

function groupAlive(pgid) {
  // `ps -g` lists the members of the process group (session ids equal it too: we started it with setsid semantics).
  const r = spawnSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' });
  return r.stdout.trim().length > 0;
}

function signalGroup(pgid, sig) {
  try {
    process.kill(-pgid, sig);
  } catch {
    // already gone
  }
}

/** TERM to the group, then KILL after `graceMs`; resolves when the group is empty. */
export async function stopProcess(proc, graceMs = 8000) {
  if (!proc?.pid) return;
  started.delete(proc);
  signalGroup(proc.pid, 'SIGTERM');
  const end = Date.now() + graceMs;
  while (Date.now() < end && groupAlive(proc.pid)) await new Promise((r) => setTimeout(r, 200));
  if (groupAlive(proc.pid)) {
    signalGroup(proc.pid, 'SIGKILL');
    for (let i = 0; i < 20 && groupAlive(proc.pid); i++) await new Promise((r) => setTimeout(r, 100));
  }
}

/** Last resort on process exit: KILL every group this process started (synchronous: runs in 'exit'). */
export function killAllStartedSync() {
  for (const p of started) signalGroup(p.pid, 'SIGKILL');
  started.clear();
}
process.on('exit', killAllStartedSync);

/** Polls `url` until it answers 2xx, or throws after `timeoutMs` (and early when `proc` exits). */
export async function waitForHttp(url, { timeoutMs = 60000, proc } = {}) {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    if (proc?.exited) throw new Error(`${proc.name} exited (${proc.exitCode}) before ${url} answered; see ${proc.logFile}`);
    try {
      const res = await globalThis.fetch(url);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e.cause?.code ?? e.message;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000}s (${last})`);
}
