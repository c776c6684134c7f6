import { open, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { readJsonlFile, isBlankLine } from '../jsonl';
import type { LineOutcome } from '../status';
import type { ProviderResult, ResultRecord } from './record';
import { inputIdOf } from './inputId';
import { checkJsonSchema, parseJsonOutput } from './schemaCheck';
import { writeLinesAtomic } from './lineWriter';
import { SummaryBuilder } from './summary';
import { jsonRequestOf, qualityOfAnswer } from './quality';
import { ensureDir } from '../fsAtomic';

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
  /** Results received so far, now and then (every 1,000). */
  onProgress?: (received: number) => void;
}

/**
 * The index of an input file: one entry per request line (blank lines are not requests), in file order.
 * Only ids and line numbers are held, never the line text.
 */
export interface InputIndex {
  ids: string[];
  lines: number[];
  byId: Map<string, number>;
  /** Per request: 0 when it does not ask for JSON, 1 when it does, 2 + k when it gives `schemas[k]`. */
  json: Uint32Array;
  /** The distinct JSON schemas of the input (usually one for the whole file). */
  schemas: unknown[];
}

export async function indexInput(path: string, signal?: AbortSignal): Promise<InputIndex> {
  const ids: string[] = [];
  const lines: number[] = [];
  const byId = new Map<string, number>();
  const json: number[] = [];
  const schemas: unknown[] = [];
  const schemaIndex = new Map<string, number>();
  for await (const l of readJsonlFile(path, { signal })) {
    if (isBlankLine(l.text)) continue;
    let v: unknown;
    try {
      v = JSON.parse(l.text);
    } catch {
      v = undefined;
    }
    const id = inputIdOf(v) ?? '';
    // A repeated id keeps its first line: the validator flags the duplicate; the later line shows as missing.
    if (id && !byId.has(id)) byId.set(id, ids.length);
    ids.push(id);
    lines.push(l.line);
    // Cheap skip: a line that mentions neither json nor a schema (Gemini `responseSchema`, a tool's `input_schema`) asks for none.
    const ask = /json|schema/i.test(l.text) ? jsonRequestOf(v) : { json: false };
    if (ask.schema !== undefined) {
      const key = JSON.stringify(ask.schema);
      let k = schemaIndex.get(key);
      if (k === undefined && schemas.length < 10_000) {
        k = schemas.length;
        schemas.push(ask.schema);
        schemaIndex.set(key, k);
      }
      json.push(k === undefined ? 1 : 2 + k);
    } else json.push(ask.json ? 1 : 0);
  }
  return { ids, lines, byId, json: Uint32Array.from(json), schemas };
}

/** A succeeded answer to a request that asked for JSON: not JSON, or not following the request's schema. */
function jsonVerdict(index: InputIndex, i: number, outputText: string | undefined): { quality: 'invalid_json' | 'schema_mismatch'; reason: string } | undefined {
  const ask = index.json[i]!;
  if (ask === 0) return undefined;
  const parsed = parseJsonOutput(outputText);
  if (!parsed) return { quality: 'invalid_json', reason: 'the request asked for JSON; the answer does not parse as JSON' };
  if (ask < 2) return undefined;
  const errors = checkJsonSchema(parsed.value, index.schemas[ask - 2]);
  return errors.length ? { quality: 'schema_mismatch', reason: errors[0]! } : undefined;
}

const SUCCEEDED = 1;
const FAILED = 2;

/**
 * Input lines per spool bucket: a bucket is read whole when the records are put in order (~3 MB at 700 B each), so
 * small buckets keep that read small; at most 256 buckets (open files) for the largest inputs.
 */
const bucketLines = (n: number) => Math.max(4_000, Math.ceil(n / 256));

/**
 * Spool files next to the output, one per range of input lines: records are appended as they arrive (in the
 * provider's order), then each bucket is read whole, once, to write its records in input order. Only sequential
 * reads and writes, and one bucket in memory at a time, whatever the order the provider sends.
 */
class Spool {
  private readonly files: (FileHandle | undefined)[];
  private readonly written: number[];
  /** Pending bytes per bucket, copied in at once (strings kept until a flush would be promoted, then die old). */
  private readonly pending: (Buffer | undefined)[];
  private readonly used: number[];
  private whole = Buffer.alloc(0);
  private readonly bufferBytes: number;

  constructor(
    private readonly base: string,
    buckets: number,
  ) {
    this.bufferBytes = bucketBufferBytes(buckets);
    this.files = new Array(buckets).fill(undefined);
    this.written = new Array(buckets).fill(0);
    this.pending = new Array(buckets).fill(undefined);
    this.used = new Array(buckets).fill(0);
  }

  private path(b: number): string {
    return `${this.base}.${b}`;
  }

  /** Appends a record to bucket `b`; returns its offset in the bucket. */
  async append(b: number, text: string, bytes: number): Promise<number> {
    if (this.used[b]! + bytes > this.bufferBytes) await this.flush(b);
    const at = this.written[b]! + this.used[b]!;
    if (bytes > this.bufferBytes) {
      await this.writeAt(b, Buffer.from(text, 'utf8'));
      return at;
    }
    const buf = (this.pending[b] ??= Buffer.allocUnsafe(this.bufferBytes));
    this.used[b]! += buf.write(text, this.used[b]!);
    return at;
  }

  private async writeAt(b: number, data: Buffer): Promise<void> {
    const fh = (this.files[b] ??= await open(this.path(b), 'w+'));
    for (let done = 0; done < data.length; ) done += (await fh.write(data, done, data.length - done, this.written[b]! + done)).bytesWritten;
    this.written[b]! += data.length;
  }

  private async flush(b: number): Promise<void> {
    if (!this.used[b]) return;
    const n = this.used[b]!;
    this.used[b] = 0;
    await this.writeAt(b, this.pending[b]!.subarray(0, n));
  }

  /** One record back (a duplicate replaced it: rare). */
  async readOne(b: number, offset: number, bytes: number): Promise<string> {
    await this.flush(b);
    const buf = Buffer.alloc(bytes);
    await this.files[b]!.read(buf, 0, bytes, offset);
    return buf.toString('utf8');
  }

  /** The whole bucket, to slice its records from; valid until the next call (one buffer serves every bucket). */
  async bucket(b: number): Promise<Buffer> {
    await this.flush(b);
    const fh = this.files[b];
    if (!fh) return Buffer.alloc(0);
    const size = this.written[b]!;
    // With slack: buckets differ a little in size, and each regrowth would leave the old buffer as garbage.
    if (this.whole.length < size) this.whole = Buffer.allocUnsafe(Math.ceil(size * 1.25));
    let got = 0;
    while (got < size) {
      const { bytesRead } = await fh.read(this.whole, got, size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return this.whole.subarray(0, got);
  }

  /** Closes and removes bucket `b` (done with it). */
  async drop(b: number): Promise<void> {
    const fh = this.files[b];
    this.files[b] = undefined;
    this.pending[b] = undefined;
    this.used[b] = 0;
    if (fh) await fh.close().catch(() => {});
    await unlink(this.path(b)).catch(() => {});
  }

  async dispose(): Promise<void> {
    for (let b = 0; b < this.files.length; b++) await this.drop(b);
  }
}

/**
 * Joins provider results to input lines by custom_id (Gemini `key`), never by position: one record per
 * input line, `missing` where no result came. Memory stays flat whatever the size: each record is serialized
 * as it arrives and appended to a spool bucket by its input line; only its place is kept per line (12 bytes).
 * The records are then written in input order into the output (atomically), bucket by bucket, and the spool
 * removed, so the folder ends with one copy.
 */
export async function joinResults(opts: JoinOptions): Promise<{ summary: SummaryBuilder; index: InputIndex }> {
  const index = await indexInput(opts.inputPath, opts.signal);
  const n = index.ids.length;
  const at = new Float64Array(n).fill(-1);
  const size = new Uint32Array(n);
  const kind = new Uint8Array(n);
  const summary = new SummaryBuilder();
  await ensureDir(dirname(opts.outPath));
  const BUCKET_LINES = bucketLines(n);
  const spool = new Spool(join(dirname(opts.outPath), `.${basename(opts.outPath)}.${process.pid}.${randomBytes(4).toString('hex')}.spool`), Math.max(1, Math.ceil(n / BUCKET_LINES)));
  let received = 0;
  try {
    for await (const r of opts.results) {
      opts.signal?.throwIfAborted();
      if (++received % 1000 === 0) opts.onProgress?.(received);
      const i = index.byId.get(r.customId);
      if (i === undefined) {
        summary.unmatched++;
        continue;
      }
      const k = r.outcome === 'succeeded' ? SUCCEEDED : FAILED;
      const bucket = Math.floor(i / BUCKET_LINES);
      if (kind[i] !== 0) {
        summary.duplicates++;
        // A success is never replaced by an error for the same id; otherwise the later line wins.
        if (kind[i] === SUCCEEDED && k === FAILED) continue;
        // Read the replaced record back to take it out of the summary (its bytes stay unused in the spool).
        summary.remove(JSON.parse(await spool.readOne(bucket, at[i]!, size[i]!)) as ResultRecord);
      }
      const answer = r.outcome === 'succeeded' ? qualityOfAnswer(r.raw, r.outputText) : undefined;
      const verdict = answer?.quality === 'ok' ? (jsonVerdict(index, i, r.outputText) ?? answer) : answer;
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
        ...(verdict && verdict.quality !== 'ok' ? { quality: verdict.quality, ...(verdict.reason ? { qualityReason: verdict.reason } : {}) } : {}),
      };
      const text = JSON.stringify(record);
      const bytes = Buffer.byteLength(text);
      at[i] = await spool.append(bucket, text, bytes);
      size[i] = bytes;
      kind[i] = k;
      summary.add(record);
    }

    await writeLinesAtomic(opts.outPath, async (w) => {
      for (let start = 0; start < n; start += BUCKET_LINES) {
        const b = start / BUCKET_LINES;
        const buf = await spool.bucket(b);
        for (let i = start; i < Math.min(n, start + BUCKET_LINES); i++) {
          if (at[i]! >= 0) {
            await w.writeBytes(buf.subarray(at[i]!, at[i]! + size[i]!));
            await w.write('\n');
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
        await spool.drop(b);
      }
    });
  } finally {
    await spool.dispose();
  }
  return { summary, index };
}

/** Bytes buffered for all buckets together before they go to their files: each bucket gets its share. */
const SPOOL_BUFFER_BYTES = 8 * 1024 * 1024;
const bucketBufferBytes = (buckets: number) => Math.min(256 * 1024, Math.max(32 * 1024, Math.floor(SPOOL_BUFFER_BYTES / buckets)));
