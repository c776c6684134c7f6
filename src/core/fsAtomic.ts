import { lstat, open, readlink, rename, unlink, mkdir, stat, type FileHandle } from 'node:fs/promises';
import { dirname, basename, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sweepOnce } from './staleFiles';

/**
 * Where a write to `path` lands. Symlinks are followed to their final target (replacing the link itself would
 * leave the file it points to stale). A regular file, or a path that does not exist yet, is written through a
 * temp file and a rename; a character device or a FIFO (`/dev/stdout`, `/dev/null`, a named pipe) cannot be
 * renamed over, so it is written to directly.
 */
export interface WriteTarget {
  path: string;
  kind: 'file' | 'stream';
  /** Permission bits of the file being replaced, kept on the new one. */
  mode?: number;
}

const MAX_LINKS = 40;

export async function writeTarget(path: string): Promise<WriteTarget> {
  let current = resolve(path);
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    const info = await lstat(current).catch((err: NodeJS.ErrnoException) => {
      // Missing (or under a file): mkdir below says what is wrong with the folder.
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (!info) return { path: current, kind: 'file' };
    if (info.isSymbolicLink()) {
      current = resolve(dirname(current), await readlink(current));
      continue;
    }
    if (info.isFile()) return { path: current, kind: 'file', mode: info.mode & 0o7777 };
    if (info.isCharacterDevice() || info.isFIFO()) return { path: current, kind: 'stream' };
    throw fsError(info.isDirectory() ? 'EISDIR' : 'EINVAL', current, info.isDirectory() ? 'it is a directory' : 'it is not a regular file, a character device or a FIFO');
  }
  throw fsError('ELOOP', resolve(path), 'too many levels of symbolic links');
}

function fsError(code: string, path: string, reason: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: cannot write ${path}: ${reason}`), { code, path, syscall: 'open' });
}

/**
 * `mkdir -p` that always ends: Node 20's `mkdir(dir, { recursive: true })` never settles when mkdir answers ENOENT
 * for a parent that exists (as under /proc), so a bad --out hung the CLI. Fails with the first real error instead.
 */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if ((await stat(dir)).isDirectory()) return;
      throw Object.assign(new Error(`EEXIST: cannot make the folder ${dir}: it is a file`), { code: 'EEXIST', path: dir, syscall: 'mkdir' });
    }
    // ENOTDIR: a parent is a file; going up finds which one, and says so.
    if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(dir) === dir) throw err;
  }
  await ensureDir(dirname(dir));
  await mkdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err; // made meanwhile by another process: fine
  });
}

/** The temp name beside a target: `.<name>.<pid>.<random>.tmp`, so a later run can tell whose it was. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * For a file a library writes itself, by path (a SQLite database, a Parquet file): the temp path beside the
 * (symlink-resolved) target to give it, then `commit` renames it into place, `discard` removes it. Only a regular
 * file (or a new one) can be written this way: `what` says what the file was for in the refusal.
 */
export interface TempFile {
  readonly path: string;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export async function tempFileFor(path: string, what: string): Promise<TempFile> {
  const target = await writeTarget(path);
  if (target.kind !== 'file') throw new Error(`cannot write ${what} to ${path}: it is not a regular file`);
  await ensureDir(dirname(target.path));
  const tmp = tempPathFor(target.path);
  return { path: tmp, commit: () => rename(tmp, target.path), discard: () => unlink(tmp).catch(() => undefined) };
}

/** An open output: write to `handle`, then `commit` (rename into place) or `abort` (the target is left as it was). */
export interface AtomicOutput {
  readonly target: WriteTarget;
  readonly handle: FileHandle;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export async function openAtomic(path: string): Promise<AtomicOutput> {
  const target = await writeTarget(path);
  if (target.kind === 'stream') {
    const handle = await open(target.path, 'w');
    return { target, handle, commit: () => handle.close(), abort: () => handle.close().catch(() => undefined) };
  }
  await ensureDir(dirname(target.path));
  // What a killed earlier write of this target left beside it goes first.
  await sweepOnce(dirname(target.path), basename(target.path));
  const tmp = tempPathFor(target.path);
  const handle = await open(tmp, 'wx', target.mode ?? 0o666);
  if (target.mode !== undefined) await handle.chmod(target.mode).catch(() => undefined);
  return {
    target,
    handle,
    async commit() {
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await rename(tmp, target.path);
      } catch (err) {
        await unlink(tmp).catch(() => {});
        throw err;
      }
    },
    async abort() {
      await handle.close().catch(() => {});
      await unlink(tmp).catch(() => {});
    },
  };
}

/**
 * Writes a file so that a reader (or a crash) sees the old content or the new, never half: temp file beside the
 * (symlink-resolved) target, fsync, rename over it. Devices and FIFOs are written to directly.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const out = await openAtomic(path);
  try {
    await out.handle.writeFile(data);
  } catch (err) {
    await out.abort();
    throw err;
  }
  await out.commit();
}
