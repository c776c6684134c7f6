import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * Text encodings a table file may come in. UTF-8 (with or without a byte order mark) is the norm; Excel's "Unicode
 * Text" and some Windows tools write UTF-16 with a BOM, little- or big-endian. Without a BOM a file is read as UTF-8,
 * and bytes that are not UTF-8 (Latin-1, Windows-1252) are an error saying so, never silently replaced characters.
 */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export const SUPPORTED_ENCODINGS = 'UTF-8 (with or without a BOM), UTF-16 LE or BE with a BOM';

const CHUNK_BYTES = 1024 * 1024;

/** The encoding from the first bytes, and how many of them are the BOM. */
export function encodingFromBom(head: Uint8Array): { encoding: TextEncoding; bomBytes: number } {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bomBytes: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomBytes: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomBytes: 2 };
  return { encoding: 'utf-8', bomBytes: 0 };
}

export async function sniffTextEncoding(path: string): Promise<{ encoding: TextEncoding; bomBytes: number }> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    return encodingFromBom(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** A file that is not valid text in its encoding: the message says where and how to fix it. */
export class TextEncodingError extends Error {
  constructor(path: string, encoding: TextEncoding, offset: number) {
    super(
      `${path} is not valid ${encoding.toUpperCase()} (in the 1 MB from byte ${offset}). Supported: ${SUPPORTED_ENCODINGS}. ` +
        'Save the file as UTF-8 (in VS Code: "Save with Encoding" > UTF-8; in Excel: "CSV UTF-8").',
    );
    this.name = 'TextEncodingError';
  }
}

/**
 * Streams a file as decoded text, the BOM dropped: one ~1 MB chunk at a time, never the whole file. A character cut
 * between two chunks is carried over by the streaming decoder.
 */
export async function* readTextChunks(path: string, opts: { signal?: AbortSignal; chunkBytes?: number } = {}): AsyncGenerator<string> {
  const { encoding, bomBytes } = await sniffTextEncoding(path);
  const decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: true });
  let offset = bomBytes;
  const stream = createReadStream(path, { start: bomBytes, highWaterMark: opts.chunkBytes ?? CHUNK_BYTES, signal: opts.signal });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      stream.destroy();
      throw new TextEncodingError(path, encoding, offset);
    }
    offset += chunk.length;
    if (text) yield text;
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    throw new TextEncodingError(path, encoding, offset);
  }
  if (rest) yield rest;
}
