import { stat } from 'node:fs/promises';
import type { Diagnostic } from './diagnostics';
import type { ProviderId } from './status';
import { readJsonlFile, splitJsonlText, isBlankLine, type JsonlLine } from './jsonl';
import { ProviderVote, detectLineProvider } from './detect';
import { PROVIDER_LIMITS, type ProviderLimits } from './limits';
import { locateJsonError } from './jsonLocate';
import { DiagnosticSink, LineContext } from './rules/sink';
import { newFileState, type FileState } from './rules/state';
import { checkOpenAILine } from './rules/openai';
import { checkAnthropicLine } from './rules/anthropic';
import { checkGeminiLine } from './rules/gemini';
import { reportBlankLine, reportBom, reportEmpty, reportFileTooLarge, reportTooManyRequests } from './rules/file';
import { describeValue, PROVIDER_NAMES } from './rules/text';
import { HashedIds } from './rules/requestIds';
import { reportDuplicateId } from './rules/common';

export interface ValidationResult {
  file: string;
  provider: ProviderId | null;
  endpoint: string | null;
  model: string | null;
  /** Physical lines, blank ones included. */
  lines: number;
  /** Non-blank lines: what the provider counts as requests. */
  requests: number;
  bytes: number;
  hasBom: boolean;
  /** Capped per code (MAX_DIAGNOSTICS_PER_CODE): `totals` has the real counts. */
  diagnostics: Diagnostic[];
  totals: { errors: number; warnings: number };
}

export interface ValidateOptions {
  provider?: ProviderId | 'auto';
  /** A profile's limits instead of the provider's (limitsFor: an Azure OpenAI profile has its own). */
  limits?: Omit<ProviderLimits, 'source'>;
  signal?: AbortSignal;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Tests: the request-id hash (a constant one makes every id collide, to check no false duplicate is reported). */
  idHash?: (id: string) => [number, number];
}

/** Errors in the file, also those not listed past the per-code cap. */
export function errorCount(result: Pick<ValidationResult, 'diagnostics'> & { totals?: ValidationResult['totals'] }): number {
  return result.totals?.errors ?? result.diagnostics.filter((d) => d.severity === 'error').length;
}

/** Validates a file from disk, streaming: memory stays flat whatever its size. */
export async function validateFile(path: string, opts: ValidateOptions = {}): Promise<ValidationResult> {
  const total = (await stat(path)).size;
  const run = new ValidationRun(path, opts.provider, opts.limits, { expectedBytes: total, ...(opts.idHash ? { hash: opts.idHash } : {}) });
  const onChunk = opts.onProgress ? (read: number) => opts.onProgress!(read, total) : undefined;
  for await (const line of readJsonlFile(path, { signal: opts.signal, onChunk })) run.push(line);
  const wanted = run.linesToConfirm();
  if (wanted.size > 0) {
    // Ids were kept as hashes: read back the lines whose hashes matched to report only exact duplicates.
    const texts = new Map<number, string>();
    for await (const line of readJsonlFile(path, { signal: opts.signal })) {
      if (wanted.has(line.line)) texts.set(line.line, line.text);
      if (texts.size === wanted.size) break;
    }
    run.confirmDuplicates(texts);
  }
  return run.finish();
}

/** Validates text already in memory (an editor buffer). Same rules and results as validateFile. */
export function validateText(text: string, opts: { provider?: ProviderId | 'auto'; file?: string; limits?: Omit<ProviderLimits, 'source'> } = {}): ValidationResult {
  const run = new ValidationRun(opts.file ?? '<text>', opts.provider, opts.limits);
  for (const line of splitJsonlText(text)) run.push(line);
  return run.finish();
}

/** A line waiting for the provider to be decided, already parsed. */
interface Pending {
  line: number;
  text: string;
  end: number;
  last: boolean;
  blank: boolean;
  ok: boolean;
  value: unknown;
  error?: string;
  invalidUtf8?: { column: number; byte: number };
}

/** After this many lines a streamed file's id table is sized for the whole file, from the mean line length. */
const SIZE_IDS_AT_LINE = 256;

/** Lines read before the provider is decided by majority: a sample, bounded in count and bytes. */
const DETECT_LINES = 200;
const DETECT_BYTES = 16 * 1024 * 1024;

/**
 * The validator as a push machine so files and editor text share it. Lines are parsed once; the
 * first ones are held until their shapes have voted for a provider, then everything streams.
 */
export class ValidationRun {
  private readonly sink = new DiagnosticSink();
  private readonly vote = new ProviderVote();
  private readonly forced: ProviderId | undefined;
  private provider: ProviderId | null | undefined;
  private state: FileState | undefined;
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private objects = 0;
  private lines = 0;
  private requests = 0;
  private bytes = 0;
  private hasBom = false;
  private requestsOverAt = 0;
  private bytesOverAt = 0;
  /** Lines in another provider's format, by that provider. */
  private readonly foreign = new Map<ProviderId, { lines: number[]; count: number; firstLength: number }>();

  constructor(
    private readonly file: string,
    provider: ProviderId | 'auto' | undefined,
    /** Replaces the provider's limits (tests, or a profile with its own caps). */
    private readonly limitsOverride?: Omit<ProviderLimits, 'source'>,
    /** A file streamed from disk: ids are kept as hashes (the caller then confirms candidates, see validateFile). */
    private readonly streamed?: { expectedBytes: number; hash?: (id: string) => [number, number] },
  ) {
    this.forced = provider && provider !== 'auto' ? provider : undefined;
    if (this.forced) this.decide(this.forced);
  }

  push(l: JsonlLine): void {
    this.lines = l.line;
    if (l.line === SIZE_IDS_AT_LINE && this.streamed && this.state?.ids instanceof HashedIds) {
      this.state.ids.reserve(Math.ceil((this.streamed.expectedBytes / Math.max(1, l.offset)) * l.line * 1.05));
    }
    if (l.bom) this.hasBom = true;
    const end = l.offset + l.bytes + l.eol.length;
    this.bytes = end;
    const p: Pending = { line: l.line, text: l.text, end, last: l.eol === '', blank: isBlankLine(l.text), ok: false, value: undefined, ...(l.invalidUtf8 ? { invalidUtf8: l.invalidUtf8 } : {}) };
    if (!p.blank) {
      try {
        p.value = JSON.parse(l.text);
        p.ok = true;
      } catch (e) {
        p.error = e instanceof Error ? e.message : String(e);
      }
    }
    if (this.provider !== undefined) {
      this.process(p);
      return;
    }
    if (p.ok) {
      this.vote.add(p.value);
      if (typeof p.value === 'object' && p.value !== null && !Array.isArray(p.value)) this.objects++;
    }
    this.pending.push(p);
    this.pendingBytes += l.text.length;
    if (this.vote.votes >= DETECT_LINES || this.pendingBytes >= DETECT_BYTES) this.flush();
  }

  finish(): ValidationResult {
    if (this.provider === undefined) this.flush();
    const provider = this.provider ?? null;
    if (this.hasBom) reportBom(this.sink, provider, provider ? this.limitsFor(provider) : undefined);
    if (this.requests === 0) reportEmpty(this.sink);
    if (provider) for (const [shape, f] of this.foreign) reportMixedProviders(this.sink, provider, shape, f, this.file);
    if (provider) {
      const limits = this.limitsFor(provider);
      if (this.requestsOverAt) reportTooManyRequests(this.sink, provider, limits, this.requests, this.requestsOverAt, this.file);
      if (this.bytesOverAt) reportFileTooLarge(this.sink, provider, limits, this.bytes, this.bytesOverAt, this.file);
    }
    return {
      file: this.file,
      provider,
      endpoint: this.endpoint(provider),
      model: this.state?.model?.value ?? null,
      lines: this.lines,
      requests: this.requests,
      bytes: this.bytes,
      hasBom: this.hasBom,
      diagnostics: this.sink.finish(),
      totals: this.sink.totals(),
    };
  }

  private limitsFor(provider: ProviderId): Omit<ProviderLimits, 'source'> {
    return this.limitsOverride ?? PROVIDER_LIMITS[provider];
  }

  private endpoint(provider: ProviderId | null): string | null {
    if (provider === 'anthropic') return '/v1/messages';
    if (provider === 'gemini') return 'generateContent';
    return this.state?.endpoint?.value ?? null;
  }

  private decide(provider: ProviderId | null): void {
    this.provider = provider;
    if (provider) this.state = newFileState(provider, this.streamed ? new HashedIds(1024, this.streamed.hash) : undefined);
    const idMax = this.limitsOverride?.maxCustomIdLength;
    if (this.state && idMax !== undefined) this.state.customIdLimit = { max: idMax, label: this.limitsOverride?.label ?? PROVIDER_NAMES[this.state.provider] };
  }

  /** The lines to read back to confirm the duplicates found by hash: empty when there are none. */
  linesToConfirm(): Set<number> {
    // Lines still held for provider detection are checked first (a short file is decided only at its end).
    if (this.provider === undefined) this.flush();
    const wanted = new Set<number>();
    if (this.state?.ids instanceof HashedIds) {
      for (const c of this.state.ids.candidates) wanted.add(c.line).add(c.hashedFirst);
    }
    return wanted;
  }

  /**
   * Reports the exact duplicates among the hash candidates, given those lines' texts. Replays the lines in order
   * with their real ids, so two different ids that hashed alike are never reported.
   */
  confirmDuplicates(texts: ReadonlyMap<number, string>): void {
    if (!(this.state?.ids instanceof HashedIds) || !this.provider) return;
    const field = this.provider === 'gemini' ? 'key' : 'custom_id';
    const candidateIds = new Map(this.state.ids.candidates.map((c) => [c.line, c.id]));
    const first = new Map<string, number>();
    for (const line of [...texts.keys()].sort((a, b) => a - b)) {
      const text = texts.get(line)!;
      const id = candidateIds.get(line) ?? idOf(text, field);
      if (id === undefined) continue;
      const firstLine = first.get(id);
      if (firstLine === undefined) first.set(id, line);
      else if (candidateIds.has(line)) reportDuplicateId(new LineContext(line, text, this.sink), field, id, firstLine, this.provider);
    }
  }

  /** Decides by majority (a file of objects with no telling key is checked as OpenAI, the most common). */
  private flush(): void {
    this.decide(this.vote.winner() ?? (this.objects > 0 ? 'openai' : null));
    const held = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const p of held) this.process(p);
  }

  private process(p: Pending): void {
    const provider = this.provider ?? null;
    if (p.blank) {
      reportBlankLine(this.sink, provider, p.line, p.text.length, p.last);
      return;
    }
    this.requests++;
    if (provider) {
      const limits = this.limitsFor(provider);
      if (!this.requestsOverAt && this.requests > limits.maxRequests) this.requestsOverAt = p.line;
      if (!this.bytesOverAt && p.end > limits.maxBytes) this.bytesOverAt = p.line;
    }
    const ctx = new LineContext(p.line, p.text, this.sink);
    if (p.invalidUtf8) reportInvalidUtf8(ctx, p.invalidUtf8);
    if (!p.ok) {
      reportInvalidJson(ctx, p.error);
      return;
    }
    try {
      this.checkRequest(ctx, p, provider);
    } catch (err) {
      // A line nested thousands of levels deep overflows the stack of a rule: that line gets one diagnostic and
      // the others are still judged.
      if (!(err instanceof RangeError)) throw err;
      reportTooDeep(ctx);
    }
  }

  private checkRequest(ctx: LineContext, p: Pending, provider: ProviderId | null): void {
    const v = p.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      ctx.report(
        'not-an-object',
        'error',
        () => ({ column: 1, endColumn: p.text.length + 1 }),
        () => `Each line must be one JSON object (a request), but this one is ${describeValue(v)}. ${provider ? `Write it as ${shapeOf(provider)}.` : 'Write one request object per line.'}`,
      );
      return;
    }
    const o = v as Record<string, unknown>;
    const shape = detectLineProvider(o);
    if (provider && shape && family(shape) !== family(provider)) {
      // Another provider's request: one file-level diagnostic names these lines (finish), instead of every rule of
      // this file's provider failing on each of them.
      const f = this.foreign.get(shape) ?? { lines: [], count: 0, firstLength: p.text.length };
      f.count++;
      if (f.lines.length < FOREIGN_LINES_LISTED) f.lines.push(p.line);
      this.foreign.set(shape, f);
      return;
    }
    switch (provider) {
      case 'openai':
      case 'local':
        checkOpenAILine(ctx, o, this.state!);
        break;
      case 'anthropic':
        checkAnthropicLine(ctx, o, this.state!);
        break;
      case 'gemini':
        checkGeminiLine(ctx, o, this.state!);
        break;
      default:
        break;
    }
  }
}

/** The request id of a line read back for confirmation (undefined when it no longer parses). */
function idOf(text: string, field: 'custom_id' | 'key'): string | undefined {
  try {
    const v = (JSON.parse(text) as Record<string, unknown> | null)?.[field];
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

function shapeOf(provider: ProviderId): string {
  if (provider === 'anthropic') return '{"custom_id": "...", "params": {...}}';
  if (provider === 'gemini') return '{"key": "...", "request": {"contents": [...]}}';
  return '{"custom_id": "...", "method": "POST", "url": "/v1/chat/completions", "body": {...}}';
}

/** Lines of other providers named in the mixed-providers diagnostic; the count says how many more. */
const FOREIGN_LINES_LISTED = 10;

/** OpenAI's format and the self-hosted runner's are one format. */
function family(p: ProviderId): ProviderId {
  return p === 'local' ? 'openai' : p;
}

function reportMixedProviders(sink: DiagnosticSink, provider: ProviderId, shape: ProviderId, f: { lines: number[]; count: number; firstLength: number }, file: string): void {
  if (!sink.wants('mixed-providers')) return;
  const line = f.lines[0]!;
  const listed = f.lines.join(', ') + (f.count > f.lines.length ? ` and ${(f.count - f.lines.length).toLocaleString('en-US')} more` : '');
  const what = f.count === 1 ? `Line ${listed} is a ${PROVIDER_NAMES[shape]} request` : `${f.count.toLocaleString('en-US')} lines (${listed}) are ${PROVIDER_NAMES[shape]} requests`;
  sink.push({
    line,
    column: 1,
    endLine: line,
    endColumn: f.firstLength + 1,
    severity: 'error',
    code: 'mixed-providers',
    message: `${what} in a file of ${PROVIDER_NAMES[provider]} requests: one batch file goes to one provider. Move ${f.count === 1 ? 'it' : 'them'} to a file of ${f.count === 1 ? 'its' : 'their'} own, or rewrite ${f.count === 1 ? 'it' : 'them'} in this format (\`batchwise convert ${file} --to ${family(provider)}\` converts a whole file).`,
  });
}

/** Providers decode the file as UTF-8 and reject bytes that are not. */
function reportInvalidUtf8(ctx: LineContext, bad: { column: number; byte: number }): void {
  ctx.report(
    'invalid-utf8',
    'error',
    () => ({ column: bad.column, endColumn: bad.column + 1 }),
    () =>
      `Not valid UTF-8 at column ${bad.column} (byte 0x${bad.byte.toString(16).padStart(2, '0')}): the providers read batch files as UTF-8 and reject this line (the editor shows the byte as \uFFFD). Re-save the file as UTF-8, or fix the text that was pasted in another encoding.`,
  );
}

function reportTooDeep(ctx: LineContext): void {
  ctx.report(
    'too-deeply-nested',
    'error',
    () => ({ column: 1, endColumn: Math.min(ctx.text.length, 200) + 1 }),
    () => 'This line nests objects or arrays too deeply to check (thousands of levels): no provider accepts a request like this. Flatten it.',
  );
}

function reportInvalidJson(ctx: LineContext, parseMessage: string | undefined): void {
  const trimmed = ctx.text.trim();
  ctx.report(
    'invalid-json',
    'error',
    () => locateJsonError(ctx.text, parseMessage),
    () => {
      const { column, problem } = locateJsonError(ctx.text, parseMessage);
      // A lone brace or a line ending in a comma is the typical sign of pretty-printed JSON.
      const multiLine = trimmed === '{' || trimmed === '}' || trimmed === '[' || /^"[^"]*"\s*:/.test(trimmed) || trimmed.endsWith(',');
      return multiLine
        ? `Not valid JSON: ${problem} at column ${column}. This looks like one request spread over several lines; JSONL needs each request on one line (minify it).`
        : `Not valid JSON: ${problem} at column ${column}. Fix the syntax (a missing comma, quote or brace?) so the line is one JSON object.`;
    },
  );
}

