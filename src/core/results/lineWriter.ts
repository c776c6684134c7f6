import { open, rename, unlink, mkdir, type FileHandle } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

const FLUSH_BYTES = 1 << 20;

/**
 * Streams a large file to a temp file in the target folder and renames it over the target on `commit`,
 * so readers see the old file or the whole new one (writeFileAtomic would need the content in one string).
 */
export class AtomicLineWriter {
  private chunks: string[] = [];
  private pending = 0;
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
    this.chunks.push(text);
    this.pending += text.length;
    if (this.pending >= FLUSH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.chunks.length === 0) return;
    const data = this.chunks.join('');
    this.chunks = [];
    this.pending = 0;
    await this.fh.writeFile(data);
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
