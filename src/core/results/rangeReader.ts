import { open, type FileHandle } from 'node:fs/promises';

const WINDOW_BYTES = 1 << 20;

/**
 * Reads byte ranges of a file, through a 1 MB window: ranges asked in file order (the common case: records
 * written in input order) cost one read per megabyte; ranges asked at random (results in the provider's order)
 * are read one by one, without loading a whole window for each.
 */
export class RangeReader {
  private window = Buffer.alloc(0);
  private windowStart = 0;
  private lastMissed = false;
  private buffer = Buffer.alloc(0);

  private constructor(private readonly fh: FileHandle) {}

  static async open(path: string): Promise<RangeReader> {
    return new RangeReader(await open(path, 'r'));
  }

  /** The bytes at a range; valid until the next read (decode or copy them at once). */
  async read(offset: number, bytes: number): Promise<Buffer> {
    const end = offset + bytes;
    if (offset >= this.windowStart && end <= this.windowStart + this.window.length) {
      this.lastMissed = false;
      return this.window.subarray(offset - this.windowStart, end - this.windowStart);
    }
    // Just past the window: reading on in order. Two other misses in a row: the reads jump around, and a window
    // would be read for one range each time.
    const windowEnd = this.windowStart + this.window.length;
    const onward = offset >= windowEnd && offset - windowEnd < 4096;
    const size = onward || !this.lastMissed ? Math.max(bytes, WINDOW_BYTES) : bytes;
    this.lastMissed = true;
    // One buffer, reused: what read() returns is valid until the next call (callers decode it at once).
    if (this.buffer.length < size) this.buffer = Buffer.allocUnsafe(size);
    const buf = this.buffer;
    const { bytesRead } = await this.fh.read(buf, 0, size, offset);
    if (bytesRead < bytes) throw new Error(`the file is shorter than expected (wanted ${bytes} bytes at ${offset}, got ${bytesRead}): it changed while being read`);
    this.window = buf.subarray(0, bytesRead);
    this.windowStart = offset;
    return this.window.subarray(0, bytes);
  }

  async text(offset: number, bytes: number): Promise<string> {
    return (await this.read(offset, bytes)).toString('utf8');
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
