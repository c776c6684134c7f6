import { open, rename, rm, stat, truncate } from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** Answers that say nothing about the request itself (server down, overloaded, bad key): worth sending again. */
const TRANSIENT_STATUS = new Set([401, 403, 408, 409, 429, 500, 502, 503, 504]);

/**
 * Prepares an output file for resuming: a line torn by a kill (no final newline, or not JSON) is cut off,
 * and the custom_ids already answered are returned so they are not sent (or written) again.
 * Lines that only recorded a transient failure are dropped (the file is rewritten atomically) so they are sent again.
 */
export async function prepareOutputForResume(path: string): Promise<{ answered: Set<string>; repairedBytes: number; resent: number }> {
  const first = await repairTornTail(path);
  const transient = await countTransient(path);
  if (transient > 0) await dropTransientLines(path);
  return { ...first, answered: transient > 0 ? (await repairTornTail(path)).answered : first.answered, resent: transient };
}

async function repairTornTail(path: string): Promise<{ answered: Set<string>; repairedBytes: number }> {
  const answered = new Set<string>();
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { answered, repairedBytes: 0 };
    throw err;
  }
  const keep = await lastCompleteLineEnd(path, size);
  if (keep < size) await truncate(path, keep);
  if (keep === 0) return { answered, repairedBytes: size };
  let goodEnd = 0;
  let offset = 0;
  const rl = createInterface({ input: createReadStream(path, { end: keep - 1 }), crlfDelay: Infinity });
  for await (const line of rl) {
    const lineBytes = Buffer.byteLength(line) + 1;
    const id = answeredId(line);
    if (id === undefined) break; // a corrupt line: everything from here is dropped and re-sent
    answered.add(id);
    offset += lineBytes;
    goodEnd = offset;
  }
  if (goodEnd < keep) await truncate(path, goodEnd);
  return { answered, repairedBytes: size - goodEnd };
}

async function countTransient(path: string): Promise<number> {
  let n = 0;
  if (!(await stat(path).catch(() => undefined))) return 0;
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of rl) if (isTransientFailure(line)) n++;
  return n;
}

async function dropTransientLines(path: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  try {
    const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
    for await (const line of rl) {
      if (isTransientFailure(line)) continue;
      if (!out.write(line + '\n')) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    await rename(tmp, path);
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
}

/** An error line written after retries ran out, or an auth/overload status: not a real answer to the request. */
export function isTransientFailure(line: string): boolean {
  try {
    const v = JSON.parse(line) as { response?: { status_code?: unknown } | null; error?: { code?: unknown } | null };
    if (v.error && v.error.code === 'request_failed') return true;
    return typeof v.response?.status_code === 'number' && TRANSIENT_STATUS.has(v.response.status_code);
  } catch {
    return false;
  }
}

function answeredId(line: string): string | undefined {
  if (!line.trim()) return undefined;
  try {
    const v = JSON.parse(line) as { custom_id?: unknown };
    return typeof v.custom_id === 'string' ? v.custom_id : undefined;
  } catch {
    return undefined;
  }
}

/** Byte offset just after the last '\n' (0 when there is none): anything after it was torn by a kill. */
async function lastCompleteLineEnd(path: string, size: number): Promise<number> {
  if (size === 0) return 0;
  const fh = await open(path, 'r');
  try {
    const chunk = 64 * 1024;
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - chunk);
      const buf = Buffer.alloc(end - start);
      await fh.read(buf, 0, buf.length, start);
      const nl = buf.lastIndexOf(0x0a);
      if (nl >= 0) return start + nl + 1;
      end = start;
    }
    return 0;
  } finally {
    await fh.close();
  }
}
