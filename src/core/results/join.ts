import { mkdir, open, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { readJsonlFile, isBlankLine } from '../jsonl';
import { RangeReader } from './rangeReader';
import type { LineOutcome } from '../status';
import type { ProviderResult, ResultRecord } from './record';
import { inputIdOfText } from './inputId';
import { writeLinesAtomic } from './lineWriter';
import { SummaryBuilder } from './summary';

/** What a line with no result gets instead of `missing`, e.g. every line of a part that expired or failed as a whole. */
export type LineFallback = (line: number) => { outcome: Exclude<LineOutcome, 'succeeded'>; errorCode?: string; errorMessage?: string } | undefined;

export interface JoinOptions {
  inputPath: string;
  /** The provider's results, in any order, duplicates allowed. */
  results: AsyncIterable<ProviderResult> | Iterable<ProviderResult>;
  /** Where the records go (`<jobDir>/results.jsonl`), written atomically in input order. */
  outPath: string;
  jobId: string;
  attempt: number;
  fallback?: LineFallback;
  signal?: AbortSignal;
}

/**
 * The index of an input file: one entry per request line (blank lines are not requests), in file order.
 * Only ids and line numbers are held, never the line text.
 */
export interface InputIndex {
  ids: string[];
  lines: number[];
  byId: Map<string, number>;
}

export async function indexInput(path: string, signal?: AbortSignal): Promise<InputIndex> {
  const ids: string[] = [];
  const lines: number[] = [];
  const byId = new Map<string, number>();
  for await (const l of readJsonlFile(path, { signal })) {
    if (isBlankLine(l.text)) continue;
    const id = inputIdOfText(l.text) ?? '';
    // A repeated id keeps its first line: the validator flags the duplicate; the later line shows as missing.
    if (id && !byId.has(id)) byId.set(id, ids.length);
    ids.push(id);
    lines.push(l.line);
  }
  return { ids, lines, byId };
}

const SUCCEEDED = 1;
const FAILED = 2;

/**
 * Joins provider results to input lines by custom_id (Gemini `key`), never by position: one record per
 * input line, `missing` where no result came. Memory stays flat whatever the size: each record is serialized
 * as it arrives and appended to a spool file next to the output; only its byte range is kept per line (12 bytes).
 * The records are then copied in input order into the output (written atomically) and the spool removed, so
 * the folder ends with one copy.
 */
export async function joinResults(opts: JoinOptions): Promise<{ summary: SummaryBuilder; index: InputIndex }> {
  const index = await indexInput(opts.inputPath, opts.signal);
  const n = index.ids.length;
  const at = new Float64Array(n).fill(-1);
  const size = new Uint32Array(n);
  const kind = new Uint8Array(n);
  const summary = new SummaryBuilder();
  const spoolPath = join(dirname(opts.outPath), `.${basename(opts.outPath)}.${process.pid}.${randomBytes(4).toString('hex')}.spool`);
  await mkdir(dirname(opts.outPath), { recursive: true });
  const spool = await open(spoolPath, 'w+');
  try {
    let spoolBytes = 0;
    let chunks: string[] = [];
    let chunkBytes = 0;
    const flush = async () => {
      if (!chunks.length) return;
      await spool.write(chunks.join(''));
      chunks = [];
      chunkBytes = 0;
    };
    const readBack = async (i: number): Promise<ResultRecord> => {
      await flush();
      const buf = Buffer.alloc(size[i]!);
      await spool.read(buf, 0, buf.length, at[i]!);
      return JSON.parse(buf.toString('utf8')) as ResultRecord;
    };

    for await (const r of opts.results) {
      opts.signal?.throwIfAborted();
      const i = index.byId.get(r.customId);
      if (i === undefined) {
        summary.unmatched++;
        continue;
      }
      const k = r.outcome === 'succeeded' ? SUCCEEDED : FAILED;
      if (kind[i] !== 0) {
        summary.duplicates++;
        // A success is never replaced by an error for the same id; otherwise the later line wins.
        if (kind[i] === SUCCEEDED && k === FAILED) continue;
        // Rare: read the replaced record back to take it out of the summary (its bytes stay unused in the spool).
        summary.remove(await readBack(i));
      }
      const record: ResultRecord = {
        customId: r.customId,
        line: index.lines[i]!,
        outcome: r.outcome,
        outputText: r.outputText,
        raw: r.raw,
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        usage: r.usage,
        jobId: opts.jobId,
        attempt: opts.attempt,
      };
      const text = JSON.stringify(record);
      const bytes = Buffer.byteLength(text);
      at[i] = spoolBytes;
      size[i] = bytes;
      kind[i] = k;
      spoolBytes += bytes;
      chunks.push(text);
      chunkBytes += bytes;
      if (chunkBytes >= SPOOL_FLUSH_BYTES) await flush();
      summary.add(record);
    }
    await flush();
    await spool.close();

    const reader = await RangeReader.open(spoolPath);
    try {
      await writeLinesAtomic(opts.outPath, async (w) => {
        for (let i = 0; i < n; i++) {
          if (at[i]! >= 0) {
            await w.write((await reader.text(at[i]!, size[i]!)) + '\n');
            continue;
          }
          const line = index.lines[i]!;
          const fb = opts.fallback?.(line);
          const record: ResultRecord = {
            customId: index.ids[i]!,
            line,
            outcome: fb?.outcome ?? 'missing',
            errorCode: fb?.errorCode ?? (index.ids[i] ? undefined : 'no_custom_id'),
            errorMessage: fb?.errorMessage ?? (index.ids[i] ? undefined : 'The input line has no custom_id (or key), so no result can be joined to it.'),
            jobId: opts.jobId,
            attempt: opts.attempt,
          };
          summary.add(record);
          await w.write(JSON.stringify(record) + '\n');
        }
      });
    } finally {
      await reader.close();
    }
  } finally {
    await spool.close().catch(() => {});
    await unlink(spoolPath).catch(() => {});
  }
  return { summary, index };
}

const SPOOL_FLUSH_BYTES = 1 << 20;
