import type { AnswerShape } from '../markers';
import { BoundedMap } from '../boundedMap';
import { windowMs } from '../../core/limits';
import { TERMINAL_TICK, type Clock } from '../clock';
import { processedMask, resultOrder } from '../lineProgress';
import type { Outcome } from '../markers';
import { promptHash, truncatedReply } from '../replies';

/** Message Batches expire 24 h after creation (batch-processing docs; `MessageBatch.expires_at`). */
export const ANTHROPIC_WINDOW_MS = windowMs('anthropic');

/** One request of a Message Batch, with its reply computed at submission (deterministic, so it never changes). */
export interface AnthropicRequest {
  customId: string;
  outcome: Outcome;
  model: string;
  reply: string;
  inputTokens: number;
  outputTokens: number;
  /** What is wrong with its `params`: the service checks them only while processing, so the request errors then. */
  invalid?: string;
  /** `[[truncate]]` / `[[refuse]]` (markers.ts): how the answer is shaped, decided at submission. */
  shape?: AnswerShape;
  maxTokens?: number;
  /** A forced tool's name: the reply (JSON) is that tool's input, answered as a `tool_use` block. */
  tool?: string;
}

export interface AnthropicBatch {
  id: string;
  createdMs: number;
  cancelMs?: number;
  expiresMs: number;
  stalls: boolean;
  requests: AnthropicRequest[];
}

export type ProcessingStatus = 'in_progress' | 'canceling' | 'ended';
export type ResultType = 'succeeded' | 'errored' | 'canceled' | 'expired';

export interface AnthropicView {
  status: ProcessingStatus;
  endedMs?: number;
  /** Per request, its result once the batch has ended. */
  results?: ResultType[];
}

export function viewAnthropicBatch(batch: AnthropicBatch, clock: Clock): AnthropicView {
  const { phase, fraction } = clock.phase(batch);
  if (phase === 'cancelling') return { status: 'canceling' };
  if (phase !== 'done' && phase !== 'cancelled' && phase !== 'expired') return { status: 'in_progress' };
  const outcomes = batch.requests.map((r) => r.outcome);
  const done = processedMask(outcomes, fraction);
  const results = outcomes.map((o, i): ResultType => {
    if (done[i]) return o === 'fail' ? 'errored' : 'succeeded';
    return phase === 'cancelled' ? 'canceled' : 'expired';
  });
  const endedMs = phase === 'cancelled' ? clock.at(batch.cancelMs ?? batch.createdMs, 1) : phase === 'expired' ? batch.expiresMs : clock.at(batch.createdMs, TERMINAL_TICK);
  return { status: 'ended', endedMs, results };
}

export function messageBatchObject(batch: AnthropicBatch, clock: Clock, origin: string): Record<string, unknown> {
  const view = viewAnthropicBatch(batch, clock);
  const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
  // Requests stay `processing` until the whole batch ends, as the real service reports them.
  if (!view.results) counts.processing = batch.requests.length;
  else for (const r of view.results) counts[r] += 1;
  return {
    id: batch.id,
    type: 'message_batch',
    processing_status: view.status,
    request_counts: counts,
    ended_at: view.endedMs !== undefined ? new Date(view.endedMs).toISOString() : null,
    created_at: new Date(batch.createdMs).toISOString(),
    expires_at: new Date(batch.expiresMs).toISOString(),
    archived_at: null,
    cancel_initiated_at: batch.cancelMs !== undefined ? new Date(batch.cancelMs).toISOString() : null,
    results_url: view.status === 'ended' ? `${origin}/v1/messages/batches/${batch.id}/results` : null,
  };
}

/** Result lines `{custom_id, result}` in a stable order that is not the input order (see resultOrder). */
export function* resultLines(batch: AnthropicBatch, results: ResultType[]): Generator<string> {
  for (const i of resultOrder(batch.requests.map((r) => r.customId))) {
    yield `${JSON.stringify({ custom_id: batch.requests[i].customId, result: resultOf(batch, batch.requests[i], results[i]) })}\n`;
  }
}

function resultOf(batch: AnthropicBatch, r: AnthropicRequest, type: ResultType): unknown {
  switch (type) {
    case 'succeeded':
      return { type, message: anthropicMessage(r, `${batch.id}/${r.customId}`) };
    case 'errored': {
      const message = r.invalid ?? 'The emulator failed this request on purpose (it carries a failure marker).';
      // MessageBatchErroredResult: `error` is an ErrorResponse {type: 'error', error, request_id} (SDK resources/shared).
      return { type, error: { type: 'error', error: { type: 'invalid_request_error', message }, request_id: null } };
    }
    default:
      return { type };
  }
}

/**
 * A Messages API response (also used by the direct POST /v1/messages), with every field the SDK's `Message` and
 * `Usage` types require (@anthropic-ai/sdk resources/messages/messages.d.ts); null for features the emulator lacks.
 */
export function anthropicMessage(r: Pick<AnthropicRequest, 'model' | 'reply' | 'inputTokens' | 'outputTokens' | 'shape' | 'maxTokens' | 'tool'>, seed: string, serviceTier = 'batch'): Record<string, unknown> {
  // StopReason (@anthropic-ai/sdk resources/messages/messages.d.ts): 'max_tokens' when cut off, 'refusal' when declined.
  const text = r.shape === 'truncated' ? truncatedReply(r.reply, r.maxTokens) : r.shape === 'refused' ? '' : r.reply;
  // ToolUseBlock: a forced tool answers with its input and stop_reason 'tool_use'.
  const tool = r.tool !== undefined && r.shape === undefined;
  const content = r.shape === 'refused' ? [] : tool ? [{ type: 'tool_use', id: `toolu_${promptHash(`${seed}@`)}${promptHash(`${seed}@#`)}`, name: r.tool, input: JSON.parse(r.reply) as unknown, caller: { type: 'direct' } }] : [{ type: 'text', text, citations: null }];
  return {
    id: `msg_${promptHash(seed)}${promptHash(`${seed}#`)}`,
    type: 'message',
    role: 'assistant',
    model: r.model,
    content,
    container: null,
    diagnostics: null,
    stop_details: null,
    stop_reason: r.shape === 'truncated' ? 'max_tokens' : r.shape === 'refused' ? 'refusal' : tool ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: messageUsage(r.inputTokens, r.shape === 'truncated' ? (r.maxTokens ?? r.outputTokens) : r.outputTokens, serviceTier),
  };
}

/** `Usage`: nothing is cached, so the cache counters are zero rather than unknown. */
function messageUsage(inputTokens: number, outputTokens: number, serviceTier: string): Record<string, unknown> {
  return {
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
    inference_geo: null,
    output_tokens_details: null,
    server_tool_use: null,
    service_tier: serviceTier,
    speed: null,
  };
}

export class AnthropicBatchStore {
  private readonly batches: BoundedMap<AnthropicBatch>;
  /** Bounded by count and by the (approximate) bytes the stored requests and replies take. */
  constructor(maxBatches: number, maxBytes = Infinity) {
    this.batches = new BoundedMap<AnthropicBatch>(maxBatches, maxBytes, (b) => b.requests.reduce((n, r) => n + 64 + 2 * (r.customId.length + r.model.length + r.reply.length + (r.invalid?.length ?? 0)), 256));
  }
  put(batch: AnthropicBatch): void {
    this.batches.set(batch.id, batch);
  }
  get(id: string): AnthropicBatch | undefined {
    return this.batches.get(id);
  }
  delete(id: string): void {
    this.batches.delete(id);
  }
  /** Newest first. */
  list(): AnthropicBatch[] {
    return [...this.batches.values()].reverse();
  }
}
