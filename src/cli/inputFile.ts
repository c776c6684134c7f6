import { stat } from 'node:fs/promises';
import { sniffEncoding } from '../core/jsonl';
import { UsageError } from './io';

/** A file system error as a short reason ("permission denied") rather than Node's `EACCES: ...` text. */
export function fsReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return 'permission denied';
  if (e?.code === 'ENOENT') return 'no such file or directory';
  if (e?.code === 'EISDIR') return 'it is a directory';
  if (e?.code === 'ENOTDIR') return 'a part of the path is a file, not a directory';
  if (e?.code === 'EEXIST' && e.syscall === 'mkdir') return 'it is a file, and a directory is needed there';
  if (e?.code === 'ENOSPC') return 'no space left on the device';
  if (e?.code === 'EROFS') return 'the file system is read-only';
  return e instanceof Error ? e.message : String(err);
}

/**
 * Every way an input path can be unusable, as one clear sentence each (exit 2), before any parsing: missing, a
 * directory, not a regular file, unreadable, UTF-16, binary. Commands that read a JSONL file call this first.
 */
export async function checkInputFile(file: string): Promise<void> {
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new UsageError(`${file}: no such file`);
    throw new UsageError(`${file}: cannot read: ${fsReason(err)}`);
  });
  if (info.isDirectory()) throw new UsageError(`${file} is a directory: give a .jsonl file`);
  if (!info.isFile()) throw new UsageError(`${file} is not a regular file: give a .jsonl file`);
  let encoding: 'utf8' | 'utf16' | 'binary';
  try {
    encoding = await sniffEncoding(file);
  } catch (err) {
    throw new UsageError(`${file}: cannot read: ${fsReason(err)}`);
  }
  if (encoding === 'utf16') throw new UsageError(`${file} is UTF-16 encoded: batch APIs read UTF-8. Save it as UTF-8 (in VS Code: "Save with Encoding" > UTF-8)`);
  if (encoding === 'binary') throw new UsageError(`${file} looks like a binary file (NUL bytes in the first 8 KB), not JSONL text: give a UTF-8 .jsonl file with one JSON request per line`);
}

/** An output file path must not be a directory (the write would fail after all the work was done). */
export async function checkOutputFile(path: string, option: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) throw new UsageError(`${option} ${path} is a directory: give a file path, e.g. ${option} ${path.replace(/[\\/]+$/, '')}/out.jsonl`);
}

/** An output directory must not be an existing file. */
export async function checkOutputDir(path: string, option: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (info && !info.isDirectory()) throw new UsageError(`${option} ${path} is a file, not a directory: give a directory (it is created if missing)`);
}
