import { mkdtemp, readdir, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Files a killed process leaves behind: temp files beside a target (`.<name>.<pid>.<hex>.tmp`, see fsAtomic) and
 * scratch folders in the system temp folder (`batchwise-<kind>-<pid>-XXXXXX`). Both carry the writer's pid, so a
 * later run removes the ones whose process is gone. A shared home seen from another machine has pids that mean
 * nothing here: a file is also left alone until it has not changed for a minute (a live writer keeps it fresh).
 */

/** True when a process with this id runs here (EPERM: it runs, as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const STALE_AFTER_MS = 60_000;

const TEMP_FILE = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;
const SCRATCH_DIR = /^batchwise-[a-z]+-(\d+)-[A-Za-z0-9]{6}$/;

function ownerGone(pid: number): boolean {
  return pid !== process.pid && !processAlive(pid);
}

async function oldEnough(path: string, now: number): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info !== undefined && now - info.mtimeMs >= STALE_AFTER_MS;
}

/** Removes the temp files in `dir` (only those for the target named `forName`, if given) left by dead processes. */
export async function removeStaleTemps(dir: string, forName?: string, now = Date.now()): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const m = TEMP_FILE.exec(name);
    if (!m || (forName !== undefined && m[1] !== forName) || !ownerGone(Number(m[2]))) continue;
    const path = join(dir, name);
    if (!(await oldEnough(path, now))) continue;
    if (await unlink(path).then(() => true, () => false)) removed++;
  }
  return removed;
}

/** A scratch folder in the system temp folder, named so a later run can remove it if this process is killed. */
export function scratchDir(kind: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `batchwise-${kind}-${process.pid}-`));
}

/** Removes the scratch folders (see `scratchDir`) of processes that are gone. */
export async function removeStaleScratchDirs(root = tmpdir(), now = Date.now()): Promise<number> {
  const names = await readdir(root).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const m = SCRATCH_DIR.exec(name);
    if (!m || !ownerGone(Number(m[1]))) continue;
    const path = join(root, name);
    if (!(await oldEnough(path, now))) continue;
    if (await rm(path, { recursive: true, force: true }).then(() => true, () => false)) removed++;
  }
  return removed;
}

const swept = new Set<string>();

/** `removeStaleTemps` at most once per folder and process: a folder written to often is not listed every time. */
export function sweepOnce(dir: string, forName?: string): Promise<number> {
  const key = `${dir}\0${forName ?? ''}`;
  if (swept.has(key)) return Promise.resolve(0);
  swept.add(key);
  return removeStaleTemps(dir, forName).catch(() => 0);
}
