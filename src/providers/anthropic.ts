import Anthropic from '@anthropic-ai/sdk';
import type { MessageBatch, MessageBatchIndividualResponse, BatchCreateParams } from '@anthropic-ai/sdk/resources/messages/batches';
import type { ProviderResult } from '../core/results/record';
import type { TokenUsage } from '../core/status';
import { anthropicCounts, normalizeAnthropicStatus } from './normalize';
import { withRetry, type RetryTuning } from './retry';
import { ProviderError, type BatchProvider, type ListPage, type ProviderProfile, type RemoteBatch, type SubmitPart } from './types';
import { consoleUrlFor } from '../core/consoles';

export interface AnthropicProviderOptions {
  retry?: RetryTuning;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

type BatchRequest = BatchCreateParams.Request;

/**
 * Anthropic Message Batches: the part's lines (`{custom_id, params}`) go in the create body (there is no file
 * upload, so the part is in memory once, at most 256 MB by the provider's limit); results stream as JSONL.
 */
export class AnthropicProvider implements BatchProvider {
  readonly id = 'anthropic' as const;
  readonly client: Anthropic;
  private readonly retry: RetryTuning;

  constructor(
    readonly profile: ProviderProfile,
    apiKey: string,
    opts: AnthropicProviderOptions = {},
  ) {
    this.retry = opts.retry ?? {};
    this.client = new Anthropic({
      apiKey,
      ...(profile.baseUrl ? { baseURL: profile.baseUrl } : {}),
      // retry.ts is the only retry loop, so a create is never repeated blindly underneath it.
      maxRetries: 0,
      ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    });
  }

  async create(part: SubmitPart, signal?: AbortSignal): Promise<RemoteBatch> {
    const requests: BatchRequest[] = [];
    for await (const text of part.lines) {
      const line = JSON.parse(text) as { custom_id?: unknown; params?: unknown };
      if (typeof line.custom_id !== 'string' || !line.params || typeof line.params !== 'object') {
        throw new ProviderError(`Line ${requests.length + 1} of part ${part.partIndex} is not {"custom_id", "params"}: validate the file first.`);
      }
      requests.push({ custom_id: line.custom_id, params: line.params as BatchRequest['params'] });
    }
    await part.beforeCreate?.();
    const startedAt = Date.now();
    const batch = await withRetry(() => this.client.messages.batches.create({ requests }, { signal }), {
      ...this.retry,
      signal,
      idempotent: false,
      recover: async () => (await this.findRecentCreate(requests.length, startedAt, signal)) ?? undefined,
    });
    return this.toRemote(batch);
  }

  /**
   * Message batches carry no metadata, so after an ambiguous create the batch is looked for among the newest ones:
   * created since this create began (minus clock skew), still running, with the same number of requests. Only a
   * single such batch counts as ours; with none (or several, which we cannot tell apart) the create is repeated.
   */
  async findRecentCreate(requests: number, sinceMs: number, signal?: AbortSignal): Promise<MessageBatch | undefined> {
    const page = await withRetry(() => this.client.messages.batches.list({ limit: 20 }, { signal }), { ...this.retry, signal });
    const candidates = page.data.filter((b) => {
      const total = anthropicCounts(b.request_counts).total;
      return Date.parse(b.created_at) >= sinceMs - 120_000 && total === requests && b.processing_status !== 'ended';
    });
    return candidates.length === 1 ? candidates[0] : undefined;
  }

  async retrieve(remoteId: string, signal?: AbortSignal): Promise<RemoteBatch> {
    return this.toRemote(await withRetry(() => this.client.messages.batches.retrieve(remoteId, {}, { signal }), { ...this.retry, signal }));
  }

  async list(opts: { after?: string; limit?: number } = {}, signal?: AbortSignal): Promise<ListPage> {
    const page = await withRetry(() => this.client.messages.batches.list({ limit: opts.limit ?? 20, ...(opts.after ? { after_id: opts.after } : {}) }, { signal }), { ...this.retry, signal });
    return { batches: page.data.map((b) => this.toRemote(b)), ...(page.has_more && page.last_id ? { next: page.last_id } : {}) };
  }

  async cancel(remoteId: string, signal?: AbortSignal): Promise<RemoteBatch> {
    return this.toRemote(await withRetry(() => this.client.messages.batches.cancel(remoteId, {}, { signal }), { ...this.retry, signal }));
  }

  async delete(remoteId: string, signal?: AbortSignal): Promise<void> {
    await withRetry(() => this.client.messages.batches.delete(remoteId, {}, { signal }), { ...this.retry, signal });
  }

  /** The results stream; a download broken mid-way is retried, skipping the results already yielded. */
  async *results(batch: RemoteBatch, signal?: AbortSignal): AsyncIterable<ProviderResult> {
    let yielded = 0;
    const rounds = (this.retry.retries ?? 5) + 1;
    for (let round = 0; ; round++) {
      const decoder = await withRetry(() => this.client.messages.batches.results(batch.id, {}, { signal }), { ...this.retry, signal });
      let seen = 0;
      try {
        for await (const item of decoder) {
          seen++;
          if (seen <= yielded) continue;
          yielded++;
          yield anthropicResult(item);
        }
        return;
      } catch (err) {
        if (signal?.aborted || round + 1 >= rounds) throw err;
      }
    }
  }

  consoleUrl(remoteId: string): string | undefined {
    return consoleUrlFor('anthropic', this.profile.baseUrl, remoteId);
  }

  toRemote(b: MessageBatch): RemoteBatch {
    return {
      id: b.id,
      status: normalizeAnthropicStatus(b.processing_status, b.request_counts),
      rawStatus: String(b.processing_status),
      counts: anthropicCounts(b.request_counts),
      createdAt: b.created_at,
      ...(b.ended_at ? { endedAt: b.ended_at } : {}),
      errors: [],
    };
  }
}

/** One Anthropic result line -> ProviderResult (text blocks and tool inputs joined; the error's type and message kept). */
export function anthropicResult(item: MessageBatchIndividualResponse): ProviderResult {
  const r = item.result;
  switch (r.type) {
    case 'succeeded': {
      // A forced tool's input is the answer of a structured-output request (as results/resultLine.ts reads it).
      const text = r.message.content
        .map((block) => (block.type === 'text' ? block.text : block.type === 'tool_use' ? JSON.stringify(block.input ?? {}, null, 2) : ''))
        .join('');
      const u = r.message.usage;
      const usage: TokenUsage = {
        inputTokens: (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0),
        outputTokens: u.output_tokens ?? 0,
        ...(u.cache_read_input_tokens ? { cachedTokens: u.cache_read_input_tokens } : {}),
      };
      return { customId: item.custom_id, outcome: 'succeeded', outputText: text, raw: item, usage };
    }
    case 'errored': {
      const inner = r.error?.error;
      return { customId: item.custom_id, outcome: 'errored', raw: item, errorCode: inner?.type ?? 'error', errorMessage: inner?.message ?? 'The request failed without a message.' };
    }
    case 'canceled':
      return { customId: item.custom_id, outcome: 'canceled', raw: item, errorCode: 'canceled', errorMessage: 'The batch was canceled before this request ran.' };
    case 'expired':
      return { customId: item.custom_id, outcome: 'expired', raw: item, errorCode: 'expired', errorMessage: 'The batch expired (24 h) before this request ran.' };
    default:
      return { customId: item.custom_id, outcome: 'errored', raw: item, errorCode: 'unknown_result', errorMessage: `Unknown result type ${JSON.stringify((r as { type?: unknown }).type)}.` };
  }
}
