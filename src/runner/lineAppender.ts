import type { FileHandle } from 'node:fs/promises';

/**
 * Appends whole lines to a file, in order, one write call at a time. Lines that arrive while a write is in flight
 * are coalesced into the next write, so a fast server is not throttled by one syscall per answer; each line is
 * still on disk as soon as the write that carries it returns (a kill can tear only the last line, which resume repairs).
 */
export class LineAppender {
  private queue: string[] = [];
  private waiters: (() => void)[] = [];
  private flushing: Promise<void> | undefined;
  private failure: unknown;

  constructor(private readonly file: FileHandle) {}

  /** Resolves once this line has been written; rejects if the write failed. */
  append(line: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.queue.push(line + '\n');
      this.waiters.push(() => (this.failure ? reject(this.failure) : resolve()));
      this.flushing ??= this.flush();
    });
  }

  /** Waits for every queued line. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.failure) throw this.failure;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const text = this.queue.join('');
        const waiters = this.waiters;
        this.queue = [];
        this.waiters = [];
        try {
          await this.file.write(text);
        } catch (err) {
          this.failure ??= err;
        }
        for (const done of waiters) done();
      }
    } finally {
      this.flushing = undefined;
    }
  }
}
