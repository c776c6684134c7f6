import { open, stat, truncate } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { AtomicLineWriter } from '../core/results/lineWriter';

/** Answers that say nothing about the request itself (server down, overloaded, bad key): worth sending again. */
const TRANSIENT_STATUS = new Set([401, 403, 408, 409, 429, 500, 502, 503, 504]);

/**
 * Prepares an output file for resuming: a line torn by a kill (no final newline) is cut off, a complete line that
 * is not a result (corrupt) is dropped on its own, and lines that only recorded a transient failure are dropped so
 * they are sent again; the file is rewritten atomically when anything is dropped. The custom_ids already answered
 * are returned so they are not sent (or written) again.
 */
export async function prepareOutputForResume(path: string): Promise<{ answered: Set<string>; repairedBytes: number; resent: number; corrupt: number }> {
  const { answered, repairedBytes, transient, corrupt } = await readAnswers(path);
  if (transient > 0 || corrupt > 0) await keepAnswerLines(path);
  return { answered, repairedBytes, resent: transient, corrupt };
}

/** One pass: cuts a torn tail, collects the answered ids, counts the transient failures and the corrupt lines. */
async function readAnswers(path: string): Promise<{ answered: Set<string>; repairedBytes: number; transient: number; corrupt: number }> {
  const answered = new Set<string>();
  let transient = 0;
  let corrupt = 0;
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { answered, repairedBytes: 0, transient, corrupt };
    throw err;
  }
  const keep = await lastCompleteLineEnd(path, size);
  if (keep < size) await truncate(path, keep);
  if (keep === 0) return { answered, repairedBytes: size, transient, corrupt };
  let corruptBytes = 0;
  const rl = createInterface({ input: createReadStream(path, { end: keep - 1 }), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const answer = readAnswer(line);
    if (answer === undefined) {
      corrupt++;
      corruptBytes += Buffer.byteLength(line) + 1;
    } else if (answer.transient) transient++;
    else answered.add(answer.id);
  }
  return { answered, repairedBytes: size - keep + corruptBytes, transient, corrupt };
}

/** Rewrites the file with its real answers only (no corrupt, blank or transient-failure lines). */
async function keepAnswerLines(path: string): Promise<void> {
  const out = await AtomicLineWriter.open(path);
  try {
    const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
    for await (const line of rl) {
      const answer = readAnswer(line);
      if (answer && !answer.transient) await out.write(line + '\n');
    }
    await out.commit();
  } catch (err) {
    await out.abort();
    throw err;
  }
}

/**
 * The custom_id of an output line, and whether it only recorded a transient failure (retries ran out, or an
 * auth/overload status): not a real answer to the request. Undefined for a line that is not a result.
 */
function readAnswer(line: string): { id: string; transient: boolean } | undefined {
  if (!line.trim()) return undefined;
  try {
    const v = JSON.parse(line) as { custom_id?: unknown; response?: { status_code?: unknown } | null; error?: { code?: unknown } | null };
    if (typeof v.custom_id !== 'string') return undefined;
    const status = v.response?.status_code;
    const transient = v.error?.code === 'request_failed' || (typeof status === 'number' && TRANSIENT_STATUS.has(status));
    return { id: v.custom_id, transient };
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
