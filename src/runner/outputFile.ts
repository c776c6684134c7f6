import { open, stat, truncate } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * Prepares an output file for resuming: a line torn by a kill (no final newline, or not JSON) is cut off,
 * and the custom_ids already answered are returned so they are not sent (or written) again.
 */
export async function prepareOutputForResume(path: string): Promise<{ answered: Set<string>; repairedBytes: number }> {
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
