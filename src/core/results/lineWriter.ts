import { open, rename, unlink, mkdir, type FileHandle } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

const FLUSH_BYTES = 1 << 20;

/**
 * Streams a large file to a temp file in the target folder and renames it over the target on `commit`,
 * so readers see the old file or the whole new one (writeFileAtomic would need the content in one string).
 */
export class AtomicLineWriter {
  /**
   * Text is copied into this buffer at once: a string waiting in a list until the next flush would outlive a few
   * young-generation collections and be promoted, and the old generation would fill with dead lines (hundreds of
   * MB of RSS for a 500,000-line file before a full collection).
   */
  private readonly buf = Buffer.allocUnsafe(FLUSH_BYTES);
  private used = 0;
  private constructor(
    readonly path: string,
    private readonly tmp: string,
    private readonly fh: FileHandle,
  ) {}

  static async open(path: string): Promise<AtomicLineWriter> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    return new AtomicLineWriter(path, tmp, await open(tmp, 'w'));
  }

  /** Buffers text and writes it in ~1 MB chunks: one syscall per line would dominate a 50,000-line join. */
  async write(text: string): Promise<void> {
    // Worst case 3 bytes per UTF-16 unit: if that may not fit, make room first (exact size only for long texts).
    if (this.used + text.length * 3 > FLUSH_BYTES) {
      await this.flush();
      if (text.length * 3 > FLUSH_BYTES) {
        await this.fh.writeFile(text);
        return;
      }
    }
    this.used += this.buf.write(text, this.used);
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const n = this.used;
    this.used = 0;
    for (let done = 0; done < n; ) done += (await this.fh.write(this.buf, done, n - done)).bytesWritten;
  }

  async commit(): Promise<void> {
    try {
      await this.flush();
      await this.fh.sync();
    } finally {
      await this.fh.close();
    }
    try {
      await rename(this.tmp, this.path);
    } catch (err) {
      await unlink(this.tmp).catch(() => {});
      throw err;
    }
  }

  /** Drops the temp file; the target is left as it was. */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
    await unlink(this.tmp).catch(() => {});
  }
}

/** Runs `fill` against a writer and commits, or aborts on error so no temp file is left behind. */
export async function writeLinesAtomic(path: string, fill: (w: AtomicLineWriter) => Promise<void>): Promise<void> {
  const w = await AtomicLineWriter.open(path);
  try {
    await fill(w);
  } catch (err) {
    await w.abort();
    throw err;
  }
  await w.commit();
}
