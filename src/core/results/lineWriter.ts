import { openAtomic, type AtomicOutput } from '../fsAtomic';

const FLUSH_BYTES = 1 << 20;

/**
 * Streams a large file to a temp file beside the target and renames it over the target on `commit`, so readers
 * see the old file or the whole new one (writeFileAtomic would need the content in one string). Symlinks are
 * written through to their target; a device or FIFO is written to directly (see fsAtomic).
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
    private readonly out: AtomicOutput,
  ) {}

  static async open(path: string): Promise<AtomicLineWriter> {
    return new AtomicLineWriter(path, await openAtomic(path));
  }

  /** Buffers text and writes it in ~1 MB chunks: one syscall per line would dominate a 50,000-line join. */
  async write(text: string): Promise<void> {
    // Worst case 3 bytes per UTF-16 unit: if that may not fit, make room first (exact size only for long texts).
    if (this.used + text.length * 3 > FLUSH_BYTES) {
      await this.flush();
      if (text.length * 3 > FLUSH_BYTES) {
        await this.out.handle.writeFile(text);
        return;
      }
    }
    this.used += this.buf.write(text, this.used);
  }

  /** Bytes as they are (a record sliced from a spool bucket): no string is made of them on the way. */
  async writeBytes(bytes: Uint8Array): Promise<void> {
    if (this.used + bytes.length > FLUSH_BYTES) {
      await this.flush();
      if (bytes.length > FLUSH_BYTES) {
        for (let done = 0; done < bytes.length; ) done += (await this.out.handle.write(bytes, done, bytes.length - done)).bytesWritten;
        return;
      }
    }
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const n = this.used;
    this.used = 0;
    for (let done = 0; done < n; ) done += (await this.out.handle.write(this.buf, done, n - done)).bytesWritten;
  }

  async commit(): Promise<void> {
    try {
      await this.flush();
    } catch (err) {
      await this.out.abort();
      throw err;
    }
    await this.out.commit();
  }

  /** Drops the temp file; the target is left as it was. */
  async abort(): Promise<void> {
    await this.out.abort();
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
