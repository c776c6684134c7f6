import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { openAtomic } from './fsAtomic';

/**
 * One physical line of a JSONL file.
 * Invariant (what the splitter and the property tests rely on): the next line starts at
 * `offset + bytes + eol.length`, so offsets always index the raw file, BOM included.
 */
export interface JsonlLine {
  /** 1-based line number. */
  line: number;
  /** Byte offset of the line start in the raw file. */
  offset: number;
  /** Bytes of the line without its end-of-line (a BOM on line 1 counts here: it sits in the file). */
  bytes: number;
  /** The line decoded as UTF-8, without its end-of-line; the BOM of line 1 is stripped. */
  text: string;
  eol: '' | '\n' | '\r\n';
  /** Set on line 1 when the file starts with a UTF-8 byte order mark (stripped from `text`). */
  bom?: true;
  /** The first byte that is not valid UTF-8 (`text` shows U+FFFD there): its 1-based column in `text` and its value. */
  invalidUtf8?: { column: number; byte: number };
}

const LF = 0x0a;
const CR = 0x0d;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** Big reads: the per-chunk overhead of a stream dominates with the 64 KB default. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * Streams a JSONL file line by line, splitting on the `\n` byte so offsets are exact byte positions
 * and a multi-byte character is never cut. Holds one chunk plus the line being assembled, never the file.
 */
export async function* readJsonlFile(
  path: string,
  opts: { signal?: AbortSignal; onChunk?: (bytesRead: number) => void; /** Read size; tests use tiny ones to hit every boundary. */ chunkBytes?: number } = {},
): AsyncGenerator<JsonlLine> {
  const stream = createReadStream(path, { highWaterMark: opts.chunkBytes ?? CHUNK_BYTES });
  let lineNo = 1;
  let lineStart = 0; // file offset of the line being assembled
  let fileOffset = 0; // file offset of the current chunk's first byte
  let pending: Buffer[] = []; // pieces of a line that spans chunks
  let pendingBytes = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      opts.signal?.throwIfAborted();
      let pos = 0;
      for (;;) {
        const nl = chunk.indexOf(LF, pos);
        if (nl === -1) break;
        let raw: Buffer;
        if (pendingBytes > 0) {
          pending.push(chunk.subarray(pos, nl));
          raw = Buffer.concat(pending, pendingBytes + (nl - pos));
          pending = [];
          pendingBytes = 0;
        } else {
          raw = chunk.subarray(pos, nl);
        }
        const crlf = raw.length > 0 && raw[raw.length - 1] === CR;
        yield makeLine(lineNo, lineStart, raw, crlf ? raw.length - 1 : raw.length, crlf ? '\r\n' : '\n');
        lineNo++;
        lineStart = fileOffset + nl + 1;
        pos = nl + 1;
      }
      if (pos < chunk.length) {
        pending.push(chunk.subarray(pos));
        pendingBytes += chunk.length - pos;
      }
      fileOffset += chunk.length;
      opts.onChunk?.(fileOffset);
    }
    if (pendingBytes > 0) {
      const raw = Buffer.concat(pending, pendingBytes);
      yield makeLine(lineNo, lineStart, raw, raw.length, '');
    }
  } finally {
    stream.destroy();
  }
}

function makeLine(line: number, offset: number, raw: Buffer, end: number, eol: JsonlLine['eol']): JsonlLine {
  const bom = line === 1 && end >= 3 && raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf;
  const start = bom ? 3 : 0;
  const out: JsonlLine = { line, offset, bytes: end, text: raw.toString('utf8', start, end), eol };
  if (bom) out.bom = true;
  // isUtf8 is a vectorized check: the byte-by-byte search runs only for a line that fails it.
  if (!isUtf8(raw.subarray(start, end))) {
    const bad = firstInvalidUtf8(raw, start, end);
    out.invalidUtf8 = { column: raw.toString('utf8', start, bad).length + 1, byte: raw[bad]! };
  }
  return out;
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence (RFC 3629). */
function firstInvalidUtf8(b: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    // Not a lead byte, or a sequence cut off by the end of the line.
    if (n === 0 || i + n >= end) return i;
    // The second byte's range excludes overlong forms and surrogates; the others are plain continuations.
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (b[i + 1]! < lo || b[i + 1]! > hi) return i;
    for (let k = 2; k <= n; k++) if (b[i + k]! < 0x80 || b[i + k]! > 0xbf) return i;
    i += n + 1;
  }
  return end;
}

/**
 * The same split for text already in memory (an editor buffer). Byte offsets are UTF-8 positions;
 * a leading U+FEFF counts as the 3-byte BOM. A final newline does not start another line.
 */
export function splitJsonlText(text: string): JsonlLine[] {
  const out: JsonlLine[] = [];
  let pos = 0;
  let offset = 0;
  let line = 1;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    const last = nl === -1;
    if (last) nl = text.length;
    const crlf = !last && nl > pos && text.charCodeAt(nl - 1) === CR;
    const end = crlf ? nl - 1 : nl;
    let body = text.slice(pos, end);
    const bom = line === 1 && body.charCodeAt(0) === 0xfeff;
    if (bom) body = body.slice(1);
    const bytes = Buffer.byteLength(body, 'utf8') + (bom ? 3 : 0);
    const eol: JsonlLine['eol'] = last ? '' : crlf ? '\r\n' : '\n';
    out.push(bom ? { line, offset, bytes, text: body, eol, bom: true } : { line, offset, bytes, text: body, eol });
    offset += bytes + eol.length;
    pos = nl + 1;
    line++;
  }
  return out;
}

/** True when the file starts with the UTF-8 byte order mark EF BB BF. */
export async function hasUtf8Bom(path: string): Promise<boolean> {
  const head = await readHead(path, 3);
  return head.length === 3 && head.equals(UTF8_BOM);
}

/** True when the first 8 KB hold a NUL byte: what git and grep call binary. JSONL text never contains one. */
export async function looksBinary(path: string): Promise<boolean> {
  return (await sniffEncoding(path)) !== 'utf8';
}

/** UTF-16 files (a Windows "Unicode" save) also hold NUL bytes; telling them apart gives a better message. */
export async function sniffEncoding(path: string): Promise<'utf8' | 'utf16' | 'binary'> {
  const head = await readHead(path, 8192);
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) return 'utf16';
  if (!head.includes(0)) return 'utf8';
  return looksUtf16WithoutBom(head) ? 'utf16' : 'binary';
}

/** UTF-16 saved without a BOM: ASCII text leaves every other byte NUL (odd bytes for LE, even for BE). */
function looksUtf16WithoutBom(head: Buffer): boolean {
  const pairs = Math.floor(head.length / 2);
  if (pairs < 2) return false;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i + 1 < head.length; i += 2) {
    if (head[i] === 0) evenZero++;
    if (head[i + 1] === 0) oddZero++;
  }
  const [many, few] = oddZero > evenZero ? [oddZero, evenZero] : [evenZero, oddZero];
  return many >= pairs * 0.6 && few <= pairs * 0.05;
}

/**
 * Rewrites a file without its leading UTF-8 BOM (the `bom` quick fix: editors hide the BOM from the
 * text, so no text edit can remove it). Streams through a temp file renamed over the original, so a
 * crash leaves the old file or the new, never half. Returns false when there was no BOM.
 */
export async function removeUtf8Bom(path: string): Promise<boolean> {
  if (!(await hasUtf8Bom(path))) return false;
  const out = await openAtomic(path);
  try {
    for await (const chunk of createReadStream(out.target.path, { start: 3, highWaterMark: CHUNK_BYTES })) await out.handle.write(chunk as Buffer);
  } catch (err) {
    await out.abort();
    throw err;
  }
  await out.commit();
  return true;
}

async function readHead(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Blank or whitespace-only (JSON whitespace), checked without allocating a trimmed copy. */
export function isBlankLine(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0b && c !== 0x0c && c !== 0xa0 && c !== 0xfeff) return false;
  }
  return true;
}
