import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { z } from 'zod';
import { tempPathFor, ensureDir } from './fsAtomic';
import { processAlive } from './staleFiles';

/** Who holds a lock: enough to tell a live holder from one that was killed. */
export const LockOwnerSchema = z.object({ pid: z.number().int(), host: z.string(), since: z.string(), purpose: z.string() });
export type LockOwner = z.infer<typeof LockOwnerSchema>;

/** A lock whose holder is on another machine (a shared home) is taken over only after this long. */
export const FOREIGN_LOCK_STALE_MS = 60 * 60 * 1000;

export interface HeldLock {
  release(): Promise<void>;
}

/** A holder that is gone: its process ended on this machine, or it is long past on another. */
export function isStale(owner: LockOwner | undefined, now = Date.now()): boolean {
  if (!owner) return true;
  if (owner.host === hostname()) return owner.pid !== process.pid && !processAlive(owner.pid);
  return now - Date.parse(owner.since) > FOREIGN_LOCK_STALE_MS;
}

async function readOwner(path: string): Promise<LockOwner | undefined | 'missing'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  try {
    const parsed = LockOwnerSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Who holds the lock at `path`, if a live process does (a lock left by a killed one counts as free). */
export async function liveHolder(path: string): Promise<LockOwner | undefined> {
  const owner = await readOwner(path);
  return owner === 'missing' || isStale(owner) ? undefined : owner;
}

/**
 * Takes the lock at `path` across processes, or returns who holds it. The lock file appears complete in one step
 * (written aside, then hard-linked into place, which fails if it exists: O_EXCL semantics), so a reader never sees
 * half an owner. A lock left by a killed process is taken over.
 */
export async function tryLock(path: string, purpose: string): Promise<HeldLock | { heldBy: LockOwner }> {
  await ensureDir(dirname(path));
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString(), purpose };
  const tmp = tempPathFor(path);
  await writeFile(tmp, JSON.stringify(me) + '\n', { flag: 'wx' });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await link(tmp, path);
        return { release: () => releaseIfMine(path, me) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = await readOwner(path);
      if (owner === 'missing') continue;
      if (!isStale(owner)) return { heldBy: owner! };
      // Move the stale lock aside; if another process took it over meanwhile, what was moved is live: put it back.
      const aside = tempPathFor(path);
      try {
        await rename(path, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      const moved = await readOwner(aside);
      if (moved !== 'missing' && !isStale(moved)) await link(aside, path).catch(() => undefined);
      await unlink(aside).catch(() => undefined);
    }
    const owner = await readOwner(path);
    if (owner !== 'missing' && owner) return { heldBy: owner };
    throw new Error(`cannot take the lock ${path}: it keeps changing hands`);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

async function releaseIfMine(path: string, me: LockOwner): Promise<void> {
  const owner = await readOwner(path).catch(() => undefined);
  if (owner && owner !== 'missing' && owner.pid === me.pid && owner.since === me.since && owner.host === me.host) await unlink(path).catch(() => undefined);
}

export function describeOwner(owner: LockOwner): string {
  return `process ${owner.pid}${owner.host === hostname() ? '' : ` on ${owner.host}`}, since ${owner.since.slice(0, 19).replace('T', ' ')} UTC`;
}
