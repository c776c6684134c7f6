import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { scratchDir } from '../core/staleFiles';
import { once } from 'node:events';
import { join } from 'node:path';
import { withRetry, type RetryTuning } from './retry';

/** Splits a byte stream into text lines (without terminators, CRLF tolerated), never holding more than one line. */
export async function* textLines(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of chunks) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, nl).replace(/\r$/, '');
      rest = rest.slice(nl + 1);
      yield line;
    }
  }
  rest += decoder.decode();
  if (rest.length > 0) yield rest.replace(/\r$/, '');
}

/**
 * Lines of a downloaded result file, retried as a whole when the connection breaks mid-stream: result files are
 * immutable, so on a new attempt the lines already yielded are skipped and none is reported twice.
 */
export async function* downloadLines(open: () => Promise<AsyncIterable<Uint8Array>>, opts: RetryTuning & { signal?: AbortSignal } = {}): AsyncGenerator<string> {
  let yielded = 0;
  for (let round = 0; ; round++) {
    const body = await withRetry(() => open(), { ...opts });
    let seen = 0;
    try {
      for await (const line of textLines(body)) {
        seen++;
        if (seen <= yielded) continue;
        yielded++;
        yield line;
      }
      return;
    } catch (err) {
      if (opts.signal?.aborted || round >= (opts.retries ?? 5)) throw err;
    }
  }
}

/**
 * A part's lines, replayable: kept in memory when small, spooled to a temp file when large, so a retried upload
 * can send them again (the SubmitPart iterable can be read only once) without holding a 200 MB file in memory.
 */
export class ReplayableLines {
  private constructor(
    private readonly buffer: Buffer | undefined,
    private readonly path: string | undefined,
    private readonly dir: string | undefined,
    readonly count: number,
    readonly bytes: number,
  ) {}

  static async from(lines: AsyncIterable<string> | Iterable<string>, expectedBytes: number, memoryLimit = 16 * 1024 * 1024): Promise<ReplayableLines> {
    if (expectedBytes <= memoryLimit) {
      const chunks: Buffer[] = [];
      let count = 0;
      let bytes = 0;
      for await (const line of lines) {
        const b = Buffer.from(line + '\n', 'utf8');
        chunks.push(b);
        bytes += b.length;
        count++;
      }
      return new ReplayableLines(Buffer.concat(chunks), undefined, undefined, count, bytes);
    }
    const dir = await scratchDir('part');
    const path = join(dir, 'part.jsonl');
    const out = createWriteStream(path);
    let count = 0;
    let bytes = 0;
    try {
      for await (const line of lines) {
        const text = line + '\n';
        bytes += Buffer.byteLength(text);
        count++;
        if (!out.write(text)) await once(out, 'drain');
      }
    } finally {
      out.end();
      await once(out, 'close');
    }
    return new ReplayableLines(undefined, path, dir, count, bytes);
  }

  /** In memory (small parts). */
  get inMemory(): Buffer | undefined {
    return this.buffer;
  }

  /** A fresh byte stream of the whole part. */
  stream(): AsyncIterable<Uint8Array> {
    if (this.buffer) {
      const buf = this.buffer;
      return (async function* () {
        yield buf;
      })();
    }
    return createReadStream(this.path!);
  }

  /** The part's lines again, one at a time. */
  async *lines(): AsyncGenerator<string> {
    for await (const line of textLines(this.stream())) if (line) yield line;
  }

  async dispose(): Promise<void> {
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
