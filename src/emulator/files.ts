import { BoundedMap } from './boundedMap';
import type { EmulatorLimits } from './deps';

export interface StoredFile {
  id: string;
  filename: string;
  purpose: string;
  mimeType: string;
  createdMs: number;
  expiresMs?: number;
  content: Buffer;
}

/** Uploaded files, bounded by count and total bytes (oldest evicted first). */
export class FileStore {
  private readonly files: BoundedMap<StoredFile>;

  constructor(limits: EmulatorLimits) {
    this.files = new BoundedMap<StoredFile>(limits.maxFiles, limits.maxFileBytes, (f) => f.content.length);
  }

  put(file: StoredFile): void {
    this.files.set(file.id, file);
  }

  get(id: string): StoredFile | undefined {
    return this.files.get(id);
  }

  delete(id: string): boolean {
    return this.files.delete(id);
  }

  /** Newest first. */
  list(): StoredFile[] {
    return [...this.files.values()].reverse();
  }
}

/** Splits a JSONL buffer into line ranges (1-based line numbers), without copying; CRLF and a BOM are tolerated. */
export function* jsonlLines(buf: Buffer, opts: { keepBom?: boolean } = {}): Generator<{ line: number; start: number; end: number }> {
  let start = !opts.keepBom && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  let line = 1;
  while (start < buf.length) {
    let end = buf.indexOf(0x0a, start);
    const next = end < 0 ? buf.length : end + 1;
    if (end < 0) end = buf.length;
    if (end > start && buf[end - 1] === 0x0d) end -= 1;
    yield { line, start, end };
    start = next;
    line += 1;
  }
}

/** Newest-first cursor paging shared by the list endpoints: the items after `after` (exclusive). */
export function pageAfter<T extends { id: string }>(items: T[], after: string | null, limit: number): { data: T[]; hasMore: boolean } {
  let from = 0;
  if (after) {
    const i = items.findIndex((x) => x.id === after);
    from = i < 0 ? items.length : i + 1;
  }
  const data = items.slice(from, from + limit);
  return { data, hasMore: from + limit < items.length };
}
