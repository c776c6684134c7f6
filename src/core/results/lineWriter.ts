import { openAtomic, type AtomicOutput } from '../fsAtomic';

const FLUSH_BYTES = 1 << 20;

/**
 * Streams a large file to a temp file beside the target and renames it over the target on `commit`, so readers
 * see the old file or the whole new one (writeFileAtomic would need the content in one string). Symlinks are
 * written through to their target; a device or FIFO is written to directly (see fsAtomic).
 */
export class AtomicLineWriter {
  private chunks: string[] = [];
  private pending = 0;
  private constructor(
    readonly path: string,
    private readonly out: AtomicOutput,
  ) {}

  static async open(path: string): Promise<AtomicLineWriter> {
    return new AtomicLineWriter(path, await openAtomic(path));
  }

  /** Buffers text and writes it in ~1 MB chunks: one syscall per line would dominate a 50,000-line join. */
  async write(text: string): Promise<void> {
    this.chunks.push(text);
    this.pending += text.length;
    if (this.pending >= FLUSH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.chunks.length === 0) return;
    const data = this.chunks.join('');
    this.chunks = [];
    this.pending = 0;
    await this.out.handle.writeFile(data);
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
