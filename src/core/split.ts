import { embeddingInputCount } from './limits';
import { createReadStream } from 'node:fs';
import { basename, join } from 'node:path';
import { isBlankLine, readJsonlFile } from './jsonl';
import { writeLinesAtomic } from './results/lineWriter';
import { ensureDir } from './fsAtomic';

/** One part of an input: a run of whole lines that fits one remote batch. */
export interface PartPlan {
  /** 0-based. */
  index: number;
  /** 1-based physical line range in the input, inclusive (blank lines inside are skipped when sent). */
  lineStart: number;
  lineEnd: number;
  /** Non-blank lines in the part. */
  requests: number;
  /** Bytes of the part as uploaded: each request line plus `\n`, no BOM, no blank lines. */
  bytes: number;
  /** Byte range of the part in the input file, end exclusive. */
  startOffset: number;
  endOffset: number;
  /** With a token budget: the enqueued tokens of the part's requests (core/enqueuedTokens.ts). */
  tokens?: number;
}

export interface SplitLimits {
  maxRequests: number;
  maxBytes: number;
  /** OpenAI embeddings batches: inputs across the part's requests (see PROVIDER_LIMITS). */
  maxEmbeddingInputs?: number;
  /** An enqueued-token budget per part, with the counter of a line's tokens (enqueuedTokenCounter). */
  maxTokens?: { budget: number; of: (text: string) => number };
}

/** A line with bytes that are not UTF-8: a split would re-encode them (and providers reject them anyway). */
export class InvalidUtf8Line extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line} is not valid UTF-8 at column ${column}: re-save the file as UTF-8 first (batchwise validate shows every such line)`);
    this.name = 'InvalidUtf8Line';
  }
}

/** Embedding inputs of a line, read only for lines that can be embeddings requests (most lines are not parsed). */
function embeddingInputsOf(text: string): number {
  if (!text.includes('/v1/embeddings')) return 0;
  try {
    const v = JSON.parse(text) as { url?: unknown; body?: { input?: unknown } };
    return v.url === '/v1/embeddings' ? embeddingInputCount(v.body?.input) : 0;
  } catch {
    return 0;
  }
}

/** A single line larger than one batch may be: no split can help, the line itself must shrink. */
export class LineTooLarge extends Error {
  constructor(
    readonly line: number,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`line ${line} is ${bytes} bytes, more than one batch may hold (${maxBytes} bytes): shorten it`);
    this.name = 'LineTooLarge';
  }
}

/** A single request whose tokens exceed the per-part budget: it could never be enqueued, whatever the split. */
export class RequestOverTokenBudget extends Error {
  constructor(
    readonly line: number,
    readonly tokens: number,
    readonly budget: number,
  ) {
    super(`line ${line} holds ${tokens.toLocaleString('en-US')} tokens (input plus max_tokens), more than the budget of ${budget.toLocaleString('en-US')} per batch: shorten it, lower its max_tokens, or raise the budget`);
    this.name = 'RequestOverTokenBudget';
  }
}

/**
 * Plans parts by request count AND bytes (AND an enqueued-token budget when given) (a count-only split can still exceed the byte limit), streaming the file
 * once. A part always ends at a line end: a line is never cut. Blank lines before a part's first request stay with
 * the previous part so the parts tile the file.
 */
export async function planParts(path: string, limits: SplitLimits, opts: { signal?: AbortSignal } = {}): Promise<PartPlan[]> {
  const maxRequests = Math.max(1, limits.maxRequests);
  const parts: PartPlan[] = [];
  let cur: PartPlan | undefined;
  /** Embedding inputs in the current part. */
  let embedded = 0;
  for await (const l of readJsonlFile(path, { signal: opts.signal })) {
    const end = l.offset + l.bytes + l.eol.length;
    if (isBlankLine(l.text)) {
      if (cur) {
        cur.lineEnd = l.line;
        cur.endOffset = end;
      } else {
        // Leading blank lines open the first part.
        cur = { index: 0, lineStart: l.line, lineEnd: l.line, requests: 0, bytes: 0, startOffset: l.offset, endOffset: end };
      }
      continue;
    }
    if (l.invalidUtf8) throw new InvalidUtf8Line(l.line, l.invalidUtf8.column);
    const size = Buffer.byteLength(l.text) + 1;
    if (size > limits.maxBytes) throw new LineTooLarge(l.line, size, limits.maxBytes);
    const inputs = limits.maxEmbeddingInputs !== undefined ? embeddingInputsOf(l.text) : 0;
    const overInputs = limits.maxEmbeddingInputs !== undefined && cur !== undefined && inputs > 0 && embedded + inputs > limits.maxEmbeddingInputs;
    const tokens = limits.maxTokens ? limits.maxTokens.of(l.text) : 0;
    if (limits.maxTokens && tokens > limits.maxTokens.budget) throw new RequestOverTokenBudget(l.line, tokens, limits.maxTokens.budget);
    const overTokens = limits.maxTokens !== undefined && cur !== undefined && (cur.tokens ?? 0) + tokens > limits.maxTokens.budget;
    if (cur && cur.requests > 0 && (cur.requests + 1 > maxRequests || cur.bytes + size > limits.maxBytes || overInputs || overTokens)) {
      parts.push(cur);
      cur = undefined;
      embedded = 0;
    }
    cur ??= { index: parts.length, lineStart: l.line, lineEnd: l.line, requests: 0, bytes: 0, startOffset: l.offset, endOffset: end };
    embedded += inputs;
    if (limits.maxTokens) cur.tokens = (cur.tokens ?? 0) + tokens;
    cur.requests++;
    cur.bytes += size;
    cur.lineEnd = l.line;
    cur.endOffset = end;
  }
  if (cur && cur.requests > 0) parts.push(cur);
  else if (cur && parts.length > 0) {
    // Trailing blank lines belong to the last part.
    const last = parts[parts.length - 1]!;
    last.lineEnd = cur.lineEnd;
    last.endOffset = cur.endOffset;
  }
  return parts;
}

/**
 * The request lines of one part (text without terminators, BOM stripped, blank lines skipped), streamed. Lines are
 * split on the `\n` byte only, as readJsonlFile does, so a stray `\r` inside a line never splits it.
 */
export async function* readPartLines(path: string, plan: PartPlan): AsyncGenerator<string> {
  if (plan.endOffset <= plan.startOffset) return;
  const input = createReadStream(path, { start: plan.startOffset, end: plan.endOffset - 1, highWaterMark: 1024 * 1024 });
  let pending: Buffer[] = [];
  let first = plan.startOffset === 0;
  const emit = (raw: Buffer): string | undefined => {
    let text = raw.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    first = false;
    return isBlankLine(text) ? undefined : text;
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let pos = 0;
      for (let nl = chunk.indexOf(0x0a, pos); nl !== -1; nl = chunk.indexOf(0x0a, pos)) {
        pending.push(chunk.subarray(pos, nl));
        const text = emit(Buffer.concat(pending));
        pending = [];
        pos = nl + 1;
        if (text !== undefined) yield text;
      }
      if (pos < chunk.length) pending.push(chunk.subarray(pos));
    }
    if (pending.length) {
      const text = emit(Buffer.concat(pending));
      if (text !== undefined) yield text;
    }
  } finally {
    input.destroy();
  }
}

/**
 * Writes each part as its own JSONL file in `outDir` (`<name>.part-001.jsonl`, ...): the request lines of the part,
 * `\n`-terminated. Each file is written to a temp name and renamed, so a reader never sees half a part.
 */
export async function splitFile(path: string, outDir: string, limits: SplitLimits, opts: { signal?: AbortSignal; plans?: PartPlan[] } = {}): Promise<string[]> {
  const plans = opts.plans ?? (await planParts(path, limits, opts));
  await ensureDir(outDir);
  const stem = basename(path).replace(/\.jsonl$/i, '');
  const width = Math.max(3, String(plans.length).length);
  const written: string[] = [];
  for (const plan of plans) {
    const target = join(outDir, `${stem}.part-${String(plan.index + 1).padStart(width, '0')}.jsonl`);
    await writeLinesAtomic(target, async (w) => {
      for await (const line of readPartLines(path, plan)) {
        opts.signal?.throwIfAborted();
        await w.write(line + '\n');
      }
    });
    written.push(target);
  }
  return written;
}
