import { GoogleGenAI, type BatchJob, type InlinedRequest, type InlinedResponse, type GenerateContentConfig } from '@google/genai';
import { mkdtemp, rm } from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobStatus, RequestCounts, TokenUsage } from '../core/status';
import type { ProviderResult } from '../core/results/record';
import { ProviderError, type BatchProvider, type ListPage, type ProviderProfile, type RemoteBatch, type SubmitPart } from './types';
import { withRetry } from './retry';

/** Gemini accepts inline requests up to 20 MB in total; larger parts go through the File API as JSONL. */
export const GEMINI_INLINE_MAX_BYTES = 20 * 1024 * 1024;

/** JOB_STATE_* (the SDK maps the Developer API's BATCH_STATE_* to these) -> Batchwise statuses. */
export function normalizeGeminiState(state: string | undefined): JobStatus {
  switch (state) {
    case 'JOB_STATE_QUEUED':
    case 'JOB_STATE_PENDING':
    case 'JOB_STATE_RUNNING':
    case 'JOB_STATE_UPDATING':
    case 'JOB_STATE_PAUSED':
      return 'in_progress';
    case 'JOB_STATE_SUCCEEDED':
    case 'JOB_STATE_PARTIALLY_SUCCEEDED':
      return 'completed';
    case 'JOB_STATE_FAILED':
      return 'failed';
    case 'JOB_STATE_CANCELLING':
      return 'cancelling';
    case 'JOB_STATE_CANCELLED':
      return 'cancelled';
    case 'JOB_STATE_EXPIRED':
      return 'expired';
    default:
      return 'unknown';
  }
}

interface GeminiLine {
  key: string;
  request: Record<string, unknown>;
}

/** A JSONL line's GenerateContentRequest -> the SDK's InlinedRequest (config carries generation settings). */
export function toInlinedRequest(line: GeminiLine): InlinedRequest {
  const { contents, generationConfig, generation_config, systemInstruction, system_instruction, safetySettings, safety_settings, tools, toolConfig, tool_config, cachedContent, cached_content, model: _model, ...rest } = line.request;
  const config: GenerateContentConfig = {
    ...((generationConfig ?? generation_config ?? {}) as GenerateContentConfig),
    ...(systemInstruction ?? system_instruction ? { systemInstruction: (systemInstruction ?? system_instruction) as GenerateContentConfig['systemInstruction'] } : {}),
    ...(safetySettings ?? safety_settings ? { safetySettings: (safetySettings ?? safety_settings) as GenerateContentConfig['safetySettings'] } : {}),
    ...(tools ? { tools: tools as GenerateContentConfig['tools'] } : {}),
    ...(toolConfig ?? tool_config ? { toolConfig: (toolConfig ?? tool_config) as GenerateContentConfig['toolConfig'] } : {}),
    ...(cachedContent ?? cached_content ? { cachedContent: String(cachedContent ?? cached_content) } : {}),
  };
  void rest;
  return { contents: contents as InlinedRequest['contents'], config, metadata: { key: line.key } };
}

function textOf(response: unknown): string | undefined {
  const parts = (response as { candidates?: { content?: { parts?: { text?: unknown }[] } }[] } | undefined)?.candidates?.[0]?.content?.parts;
  if (!Array.isArray(parts)) return undefined;
  const text = parts.map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
  return text || undefined;
}

function usageOf(response: unknown): TokenUsage | undefined {
  const u = (response as { usageMetadata?: { promptTokenCount?: number; candidatesTokenCount?: number; cachedContentTokenCount?: number } } | undefined)?.usageMetadata;
  if (!u) return undefined;
  return { inputTokens: u.promptTokenCount ?? 0, outputTokens: u.candidatesTokenCount ?? 0, ...(u.cachedContentTokenCount ? { cachedTokens: u.cachedContentTokenCount } : {}) };
}

/** One Gemini answer (inline response or result-file line) -> ProviderResult. Never joined by position alone. */
export function geminiResult(key: string, response: unknown, error: { code?: number | string; message?: string } | undefined, raw: unknown, batchState?: JobStatus): ProviderResult {
  if (response && !error) {
    return { customId: key, outcome: 'succeeded', outputText: textOf(response), raw, usage: usageOf(response) };
  }
  if (!error && batchState === 'expired') return { customId: key, outcome: 'expired', raw, errorCode: 'expired', errorMessage: 'The batch expired before this request finished.' };
  if (!error && batchState === 'cancelled') return { customId: key, outcome: 'canceled', raw, errorCode: 'canceled', errorMessage: 'The batch was cancelled before this request ran.' };
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

export class GeminiProvider implements BatchProvider {
  readonly id = 'gemini' as const;
  private readonly client: GoogleGenAI;

  constructor(
    readonly profile: ProviderProfile,
    apiKey: string,
  ) {
    this.client = new GoogleGenAI({
      apiKey,
      httpOptions: { ...(profile.baseUrl ? { baseUrl: profile.baseUrl } : {}), retryOptions: { attempts: 1 } },
    });
  }

  private toRemote(job: BatchJob): RemoteBatch {
    const status = normalizeGeminiState(job.state);
    const inline = job.dest?.inlinedResponses;
    const counts: RequestCounts = { total: 0, succeeded: 0, failed: 0, processing: 0, expired: 0, canceled: 0 };
    if (inline) {
      counts.total = inline.length;
      for (const r of inline) {
        if (r.error) counts.failed++;
        else if (r.response) counts.succeeded++;
        else counts.processing++;
      }
    }
    const errors = job.error ? [{ code: String(job.error.code ?? 'error'), message: job.error.message ?? 'The batch failed.' }] : [];
    return {
      id: job.name ?? '',
      status,
      rawStatus: job.state ?? 'JOB_STATE_UNSPECIFIED',
      counts,
      model: job.model,
      createdAt: job.createTime,
      endedAt: job.endTime,
      outputFileId: job.dest?.fileName,
      errors,
      metadata: job.displayName ? { displayName: job.displayName } : undefined,
    };
  }

  async create(part: SubmitPart, signal?: AbortSignal): Promise<RemoteBatch> {
    if (!part.model) throw new ProviderError('Gemini takes the model from the batch: add "model" to each request (the same in every line) before submitting.');
    const model = part.model.startsWith('models/') ? part.model : `models/${part.model}`;
    const displayName = part.displayName ?? `batchwise ${part.jobId} part ${part.partIndex}`;
    if (part.bytes <= GEMINI_INLINE_MAX_BYTES) {
      const requests: InlinedRequest[] = [];
      for await (const text of part.lines) requests.push(toInlinedRequest(JSON.parse(text) as GeminiLine));
      const job = await withRetry(() => this.client.batches.create({ model, src: requests, config: { displayName, abortSignal: signal } }), { signal, idempotent: false });
      const remote = this.toRemote(job);
      remote.counts = { ...remote.counts, total: requests.length, processing: requests.length };
      return remote;
    }
    const dir = await mkdtemp(join(tmpdir(), 'batchwise-gemini-'));
    try {
      const path = join(dir, 'input.jsonl');
      const n = await writeLines(path, part.lines);
      const file = await withRetry(() => this.client.files.upload({ file: path, config: { mimeType: 'jsonl', displayName, abortSignal: signal } }), { signal, idempotent: false });
      if (!file.name) throw new ProviderError('Gemini accepted the upload but returned no file name.');
      const job = await withRetry(() => this.client.batches.create({ model, src: file.name!, config: { displayName, abortSignal: signal } }), { signal, idempotent: false });
      const remote = this.toRemote(job);
      remote.inputFileId = file.name;
      remote.counts = { ...remote.counts, total: n, processing: n };
      return remote;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async retrieve(remoteId: string, signal?: AbortSignal): Promise<RemoteBatch> {
    return this.toRemote(await withRetry(() => this.client.batches.get({ name: remoteId, config: { abortSignal: signal } }), { signal }));
  }

  async list(opts: { after?: string; limit?: number } = {}, signal?: AbortSignal): Promise<ListPage> {
    const pager = await withRetry(() => this.client.batches.list({ config: { pageSize: opts.limit ?? 20, ...(opts.after ? { pageToken: opts.after } : {}), abortSignal: signal } }), { signal });
    const next = pager.hasNextPage() ? pager.params.config?.pageToken : undefined;
    return { batches: pager.page.map((j) => this.toRemote(j)), ...(next ? { next } : {}) };
  }

  async cancel(remoteId: string, signal?: AbortSignal): Promise<RemoteBatch> {
    await withRetry(() => this.client.batches.cancel({ name: remoteId, config: { abortSignal: signal } }), { signal });
    return this.retrieve(remoteId, signal);
  }

  async delete(remoteId: string, signal?: AbortSignal): Promise<void> {
    await withRetry(() => this.client.batches.delete({ name: remoteId, config: { abortSignal: signal } }), { signal });
  }

  async *results(batch: RemoteBatch, signal?: AbortSignal): AsyncIterable<ProviderResult> {
    const job = await withRetry(() => this.client.batches.get({ name: batch.id, config: { abortSignal: signal } }), { signal });
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
    const fileName = job.dest?.fileName;
    if (!fileName) return;
    const dir = await mkdtemp(join(tmpdir(), 'batchwise-gemini-'));
    try {
      const path = join(dir, 'results.jsonl');
      await withRetry(() => this.client.files.download({ file: fileName, downloadPath: path, config: { abortSignal: signal } }), { signal });
      const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
      for await (const line of rl) {
        const r = parseGeminiResultLine(line, state);
        if (r) yield r;
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  consoleUrl(): string | undefined {
    // AI Studio has no page per batch; the batches list is the closest.
    return 'https://aistudio.google.com/batches';
  }
}
