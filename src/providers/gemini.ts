import { GoogleGenAI, type BatchJob, type InlinedRequest, type InlinedResponse, type GenerateContentConfig } from '@google/genai';
import { rm } from 'node:fs/promises';
import { scratchDir } from '../core/staleFiles';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { isTerminal, type JobStatus, type RequestCounts } from '../core/status';
import type { ProviderResult } from '../core/results/record';
import { ProviderError, type BatchProvider, type ListPage, type ProviderProfile, type RemoteBatch, type SubmitPart } from './types';
import { withRetry, type RetryTuning } from './retry';
import { normalizeGeminiState } from './normalize';
import { consoleUrlFor } from '../core/consoles';
import { normalizeGeminiRequest, toSdkInlinedShape } from '../core/geminiRequest';
import { geminiResponseUsage } from '../core/results/geminiUsage';
import { PROVIDER_LIMITS } from '../core/limits';

/** Gemini accepts inline requests up to 20 MB in total; larger parts go through the File API as JSONL. */
export const GEMINI_INLINE_MAX_BYTES = PROVIDER_LIMITS.gemini.inlineMaxBytes!;

export { normalizeGeminiState };

interface GeminiLine {
  key: string;
  request: Record<string, unknown>;
}

/**
 * A JSONL line's GenerateContentRequest -> the SDK's InlinedRequest. The SDK rebuilds the request from the camelCase
 * fields it knows and leaves out any other, so snake_case fields (as in the REST docs) are converted first, and a
 * line with a field the SDK would leave out is refused here (`undefined`): it must go in an uploaded file, as written.
 */
export function toInlinedRequest(line: GeminiLine): InlinedRequest | undefined {
  const raw: unknown = line.request;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const { request, issues } = normalizeGeminiRequest(raw as Record<string, unknown>);
  if (issues.length) return undefined;
  const { contents, config } = toSdkInlinedShape(request);
  return { contents: contents as InlinedRequest['contents'], config: config as GenerateContentConfig, metadata: { key: line.key } };
}

function textOf(response: unknown): string | undefined {
  const parts = (response as { candidates?: { content?: { parts?: { text?: unknown }[] } }[] } | undefined)?.candidates?.[0]?.content?.parts;
  if (!Array.isArray(parts)) return undefined;
  const text = parts.map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
  return text || undefined;
}

/** One Gemini answer (inline response or result-file line) -> ProviderResult. Never joined by position alone. */
export function geminiResult(key: string, response: unknown, error: { code?: number | string; message?: string } | undefined, raw: unknown, batchState?: JobStatus): ProviderResult {
  if (response && !error) {
    return { customId: key, outcome: 'succeeded', outputText: textOf(response), raw, usage: geminiResponseUsage(response) };
  }
  if (!error && batchState === 'expired') return { customId: key, outcome: 'expired', raw, errorCode: 'expired', errorMessage: 'The batch expired before this request finished.' };
  if (!error && batchState === 'cancelled') return { customId: key, outcome: 'canceled', raw, errorCode: 'canceled', errorMessage: 'The batch was canceled before this request ran.' };
  return { customId: key, outcome: 'errored', raw, errorCode: error?.code !== undefined ? String(error.code) : 'error', errorMessage: error?.message ?? 'The request failed without a message.' };
}

/** Result-file line: `{"key", "response"}` or `{"key", "error"|"status": {code, message}}`. */
export function parseGeminiResultLine(text: string, batchState?: JobStatus): ProviderResult | undefined {
  if (!text.trim()) return undefined;
  let v: { key?: unknown; response?: unknown; error?: { code?: number; message?: string }; status?: { code?: number; message?: string } };
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v.key !== 'string') return undefined;
  return geminiResult(v.key, v.response, v.error ?? v.status, v, batchState);
}

/** An embedContent request (`content`) rather than a generateContent one (`contents`). */
export function isEmbedLine(text: string): boolean {
  try {
    const request = (JSON.parse(text) as { request?: Record<string, unknown> }).request;
    return Boolean(request && 'content' in request && !('contents' in request));
  } catch {
    return false;
  }
}

/** The first line, and all the lines again (the first included), reading the source only once. */
async function peek(source: AsyncIterable<string> | Iterable<string>): Promise<{ first: string | undefined; lines: AsyncIterable<string> }> {
  const it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (async function* () { yield* source; })();
  const head = await it.next();
  const lines = (async function* () {
    if (head.done) return;
    yield head.value;
    for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
  })();
  return { first: head.done ? undefined : head.value, lines };
}

/** Streams a part's lines to a file (with backpressure) and returns how many were written. */
async function writeLines(path: string, lines: AsyncIterable<string> | Iterable<string>): Promise<number> {
  const out = createWriteStream(path);
  let n = 0;
  try {
    for await (const text of lines) {
      if (!out.write(text + '\n')) await once(out, 'drain');
      n++;
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return n;
}

export interface GeminiProviderOptions {
  retry?: RetryTuning;
  /** Parts up to this many bytes go inline, larger ones through the File API (default 20 MB, the service's cap). */
  inlineMaxBytes?: number;
}

/** The tag that makes a part's batch findable again after an ambiguous create (Gemini batches have no metadata). */
function partTag(jobId: string, partIndex: number): string {
  return `[${jobId}#${partIndex}]`;
}

/**
 * Gemini Batch API (Developer API) through @google/genai: inline requests when the part is small, an uploaded
 * JSONL file when large; results joined by `key` (inline responses carry it back in their metadata).
 */
export class GeminiProvider implements BatchProvider {
  readonly id = 'gemini' as const;
  readonly client: GoogleGenAI;
  private readonly retry: RetryTuning;
  private readonly inlineMaxBytes: number;
  /** Counts of finished file-mode batches (the SDK drops batchStats, so they come from the result file, once). */
  private readonly fileCounts = new Map<string, RequestCounts>();

  constructor(
    readonly profile: ProviderProfile,
    private readonly apiKey: string,
    opts: GeminiProviderOptions = {},
  ) {
    this.retry = opts.retry ?? {};
    this.inlineMaxBytes = opts.inlineMaxBytes ?? GEMINI_INLINE_MAX_BYTES;
    this.client = new GoogleGenAI({
      apiKey,
      // retry.ts is the only retry loop, so a create is never repeated blindly underneath it.
      httpOptions: { ...(profile.baseUrl ? { baseUrl: profile.baseUrl } : {}), retryOptions: { attempts: 1 } },
    });
  }

  toRemote(job: BatchJob, fileCounts?: RequestCounts): RemoteBatch {
    const status = normalizeGeminiState(job.state);
    const inline = job.dest?.inlinedResponses;
    let counts: RequestCounts = { total: 0, succeeded: 0, failed: 0, processing: 0, expired: 0, canceled: 0 };
    if (inline) {
      counts.total = inline.length;
      for (const r of inline) {
        if (r.error) counts.failed++;
        else if (r.response) counts.succeeded++;
        else if (status === 'expired') counts.expired++;
        else if (status === 'cancelled') counts.canceled++;
        else counts.processing++;
      }
    } else if (fileCounts) {
      counts = fileCounts;
    }
    // The SDK does not carry the Developer API's operation error; say what we know.
    const errors =
      status === 'failed'
        ? [{ code: job.error?.code !== undefined ? String(job.error.code) : 'batch_failed', message: job.error?.message ?? 'Gemini reported the batch as failed (JOB_STATE_FAILED); the input file may be unusable.' }]
        : [];
    return {
      id: job.name ?? '',
      status,
      rawStatus: job.state ?? 'JOB_STATE_UNSPECIFIED',
      counts,
      ...(job.model ? { model: job.model } : {}),
      ...(job.createTime ? { createdAt: job.createTime } : {}),
      ...(job.endTime ? { endedAt: job.endTime } : {}),
      ...(job.dest?.fileName ? { outputFileId: job.dest.fileName } : {}),
      errors,
      ...(job.displayName ? { metadata: { displayName: job.displayName } } : {}),
    };
  }

  async create(part: SubmitPart, signal?: AbortSignal): Promise<RemoteBatch> {
    if (!part.model) throw new ProviderError('Gemini takes the model from the batch, not the line: name it in the requests ("request": {"model": "gemini-2.5-flash", ...}) or, on the command line, with --model.');
    const model = part.model.startsWith('models/') || part.model.startsWith('tunedModels/') ? part.model : `models/${part.model}`;
    const displayName = `${part.displayName ?? 'batchwise'} ${partTag(part.jobId, part.partIndex)}`;
    const recover = async () => (await this.findByTag(part.jobId, part.partIndex, signal)) ?? undefined;
    const peeked = await peek(part.lines);
    let lines: AsyncIterable<string> | Iterable<string> = peeked.lines;
    // Inline embedding batches carry no per-request key (only order), so embeddings always go as a keyed file.
    const embed = peeked.first !== undefined && isEmbedLine(peeked.first);
    if (!embed && part.bytes <= this.inlineMaxBytes) {
      const requests: InlinedRequest[] = [];
      const texts: string[] = [];
      let inline = true;
      for await (const text of lines) {
        texts.push(text);
        const request = inline ? toInlinedRequest(JSON.parse(text) as GeminiLine) : undefined;
        if (request) requests.push(request);
        else inline = false;
      }
      if (inline) {
        await part.beforeCreate?.();
        const job = await withRetry(() => this.client.batches.create({ model, src: requests, config: { displayName, abortSignal: signal } }), { ...this.retry, signal, idempotent: false, recover });
        const remote = this.toRemote(job);
        if (!remote.counts.total) remote.counts = { ...remote.counts, total: requests.length, processing: requests.length };
        return remote;
      }
      // A field the SDK would leave out of an inline request (the validator warned about it): the part goes as a
      // file, byte for byte, so the service gets every field and judges it. Nothing is dropped on the way.
      lines = texts;
    }
    const dir = await scratchDir('gemini');
    try {
      const path = join(dir, 'input.jsonl');
      const n = await writeLines(path, lines);
      // A repeated upload only leaves an unused file behind (files expire after 48 h): safe to retry.
      const file = await withRetry(() => this.client.files.upload({ file: path, config: { mimeType: 'jsonl', displayName, abortSignal: signal } }), { ...this.retry, signal, idempotent: true });
      const fileName = file.name;
      if (!fileName) throw new ProviderError('Gemini accepted the upload but returned no file name.');
      const config = { displayName, abortSignal: signal };
      await part.beforeCreate?.();
      const job = await withRetry(
        () => (embed ? this.client.batches.createEmbeddings({ model, src: { fileName }, config }) : this.client.batches.create({ model, src: fileName, config })),
        { ...this.retry, signal, idempotent: false, recover },
      );
      const remote = this.toRemote(job);
      remote.inputFileId = fileName;
      if (!remote.counts.total) remote.counts = { ...remote.counts, total: n, processing: n };
      return remote;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** After an ambiguous create: the batch whose display name carries this part's tag, if it was created. */
  async findByTag(jobId: string, partIndex: number, signal?: AbortSignal): Promise<BatchJob | undefined> {
    const tag = partTag(jobId, partIndex);
    const pager = await withRetry(() => this.client.batches.list({ config: { pageSize: 50, abortSignal: signal } }), { ...this.retry, signal });
    return pager.page.find((j) => j.displayName?.endsWith(tag));
  }

  /** The remote batch of a job part whose id was never recorded (a submit killed right after the create). */
  async findPart(jobId: string, partIndex: number, signal?: AbortSignal): Promise<RemoteBatch | undefined> {
    const job = await this.findByTag(jobId, partIndex, signal);
    return job ? this.toRemote(job) : undefined;
  }

  async retrieve(remoteId: string, signal?: AbortSignal): Promise<RemoteBatch> {
    const job = await withRetry(() => this.client.batches.get({ name: remoteId, config: { abortSignal: signal } }), { ...this.retry, signal });
    const status = normalizeGeminiState(job.state);
    let counts: RequestCounts | undefined;
    if (job.dest?.fileName && (status === 'completed' || status === 'expired' || status === 'cancelled')) {
      counts = this.fileCounts.get(remoteId);
      if (!counts) {
        counts = { total: 0, succeeded: 0, failed: 0, processing: 0, expired: 0, canceled: 0 };
        for await (const r of this.fileResults(job.dest.fileName, status, signal)) {
          counts.total++;
          if (r.outcome === 'succeeded') counts.succeeded++;
          else if (r.outcome === 'expired') counts.expired++;
          else if (r.outcome === 'canceled') counts.canceled++;
          else counts.failed++;
        }
        this.fileCounts.set(remoteId, counts);
      }
    }
    const remote = this.toRemote(job, counts);
    // An expired job has no responses to count (Batch Mode docs): its counts come from batchStats too.
    if (!isTerminal(status) || status === 'failed' || (status === 'expired' && !remote.counts.total)) {
      const extra = await this.rawStatus(remoteId, signal);
      if (extra.counts && !isTerminal(status)) remote.counts = extra.counts;
      if (extra.counts && status === 'expired') remote.counts = { ...extra.counts, processing: 0, expired: extra.counts.processing };
      if (extra.error && status === 'failed') remote.errors = [{ code: extra.error.code, message: extra.error.message }];
    }
    return remote;
  }

  /**
   * Live counts and the failure reason, which the REST API returns but the SDK's BatchJob drops
   * (`metadata.batchStats`, operation `error`). Best effort: without them the job still tracks, just without progress.
   */
  private async rawStatus(remoteId: string, signal?: AbortSignal): Promise<{ counts?: RequestCounts; error?: { code: string; message: string } }> {
    const base = (this.profile.baseUrl ?? 'https://generativelanguage.googleapis.com').replace(/\/+$/, '');
    try {
      const res = await fetch(`${base}/v1beta/${remoteId}`, { headers: { 'x-goog-api-key': this.apiKey }, signal: signal ?? AbortSignal.timeout(30_000) });
      if (!res.ok) return {};
      const op = (await res.json()) as { metadata?: { batchStats?: Record<string, unknown> }; error?: { code?: unknown; message?: unknown } };
      const stats = op.metadata?.batchStats;
      // int64 counts arrive as strings, and zero counts are left out.
      const n = (key: string) => Number(stats?.[key] ?? 0) || 0;
      const counts = stats ? { total: n('requestCount'), succeeded: n('successfulRequestCount'), failed: n('failedRequestCount'), processing: n('pendingRequestCount'), expired: 0, canceled: 0 } : undefined;
      const error = typeof op.error?.message === 'string' ? { code: String(op.error.code ?? 'batch_failed'), message: op.error.message } : undefined;
      return { ...(counts && counts.total > 0 ? { counts } : {}), ...(error ? { error } : {}) };
    } catch {
      return {};
    }
  }

  async list(opts: { after?: string; limit?: number } = {}, signal?: AbortSignal): Promise<ListPage> {
    const pager = await withRetry(() => this.client.batches.list({ config: { pageSize: opts.limit ?? 20, ...(opts.after ? { pageToken: opts.after } : {}), abortSignal: signal } }), { ...this.retry, signal });
    const next = pager.hasNextPage() ? pager.params.config?.pageToken : undefined;
    return { batches: pager.page.map((j) => this.toRemote(j)), ...(next ? { next } : {}) };
  }

  async cancel(remoteId: string, signal?: AbortSignal): Promise<RemoteBatch> {
    await withRetry(() => this.client.batches.cancel({ name: remoteId, config: { abortSignal: signal } }), { ...this.retry, signal });
    return this.retrieve(remoteId, signal);
  }

  async delete(remoteId: string, signal?: AbortSignal): Promise<void> {
    await withRetry(() => this.client.batches.delete({ name: remoteId, config: { abortSignal: signal } }), { ...this.retry, signal });
  }

  async *results(batch: RemoteBatch, signal?: AbortSignal): AsyncIterable<ProviderResult> {
    const job = await withRetry(() => this.client.batches.get({ name: batch.id, config: { abortSignal: signal } }), { ...this.retry, signal });
    const state = normalizeGeminiState(job.state);
    const inline: InlinedResponse[] | undefined = job.dest?.inlinedResponses;
    if (inline) {
      // Inline responses come back in input order; the key travels in metadata, so the join never relies on order alone.
      for (const [i, r] of inline.entries()) {
        const key = r.metadata?.key ?? `#${i + 1}`;
        yield geminiResult(key, r.response, r.error, r, state);
      }
      return;
    }
    if (job.dest?.fileName) yield* this.fileResults(job.dest.fileName, state, signal);
  }

  /** The result file, downloaded to a temp file (the SDK writes downloads to disk) and read line by line. */
  private async *fileResults(fileName: string, state: JobStatus, signal?: AbortSignal): AsyncGenerator<ProviderResult> {
    const dir = await scratchDir('gemini');
    try {
      const path = join(dir, 'results.jsonl');
      await withRetry(() => this.client.files.download({ file: fileName, downloadPath: path, config: { abortSignal: signal } }), { ...this.retry, signal });
      const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
      for await (const line of rl) {
        const r = parseGeminiResultLine(line, state);
        if (r) yield r;
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  consoleUrl(remoteId: string): string | undefined {
    return consoleUrlFor('gemini', this.profile.baseUrl, remoteId);
  }
}
