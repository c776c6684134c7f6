import { Readable } from 'node:stream';
import { windowMs } from '../../core/limits';
import { BoundedMap } from '../boundedMap';
import { TERMINAL_TICK, unixSeconds, type Clock, type Phase } from '../clock';
import { processedMask, resultOrder, tally } from '../lineProgress';
import { promptHash } from '../replies';
import { openaiReply } from './replies';
import type { BatchValidationError, InputLine } from './validateInput';

/** OpenAI's only completion window, '24h'. */
export const OPENAI_WINDOW_MS = windowMs('openai');

export interface OpenAiBatch {
  id: string;
  endpoint: string;
  inputFileId: string;
  /** Kept here (not looked up) so the output files survive the input file's eviction or deletion. */
  input: Buffer;
  completionWindow: string;
  metadata: Record<string, string> | null;
  outputExpiresAfterSeconds?: number;
  createdMs: number;
  cancelMs?: number;
  /** `expires_at`: the 24 h window, or sooner for an `[[expire]]` line (see expiryOf). */
  expiresMs: number;
  /** Whether a line never finishes (`[[expire]]`). */
  stalls: boolean;
  lines: InputLine[];
  errors: BatchValidationError[];
  model?: string;
  /** Input tokens it holds against the enqueued-token limit (set only when the emulator has one). */
  enqueuedTokens?: number;
}

export type OpenAiStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

/** The batch's state now, derived from the clock. */
export interface BatchView {
  status: OpenAiStatus;
  phase: Phase;
  done: boolean[];
  terminalMs?: number;
}

export function viewBatch(batch: OpenAiBatch, clock: Clock): BatchView {
  const { phase, fraction } = clock.phase(batch);
  const outcomes = batch.lines.map((l) => l.outcome);
  const done = processedMask(outcomes, fraction);
  const status = ((): OpenAiStatus => {
    switch (phase) {
      case 'validating': return 'validating';
      case 'cancelling': return 'cancelling';
      case 'cancelled': return 'cancelled';
      default:
        if (batch.errors.length) return 'failed';
        if (phase === 'processing') return 'in_progress';
        if (phase === 'finalizing') return 'finalizing';
        return phase === 'expired' ? 'expired' : 'completed';
    }
  })();
  const terminalMs =
    status === 'cancelled' ? clock.at(batch.cancelMs ?? batch.createdMs, 1)
      : status === 'failed' ? clock.at(batch.createdMs, 1)
        : status === 'completed' ? clock.at(batch.createdMs, TERMINAL_TICK)
          : status === 'expired' ? batch.expiresMs
            : undefined;
  return { status, phase, done, terminalMs };
}

/**
 * When a batch's output and error files expire: `output_expires_after.seconds` after the files' creation (the batch's
 * end: "the anchor is the file creation time", openai-node batches.d.ts); undefined without that policy.
 */
export function resultFilesExpireMs(batch: OpenAiBatch, terminalMs: number): number | undefined {
  return batch.outputExpiresAfterSeconds === undefined ? undefined : terminalMs + batch.outputExpiresAfterSeconds * 1000;
}

export function outputFileId(batchId: string): string {
  return `file-batchout-${batchId.replace(/^batch_/, '')}`;
}

export function errorFileId(batchId: string): string {
  return `file-batcherr-${batchId.replace(/^batch_/, '')}`;
}

/** Which result files a terminal batch has: output only with a success, error only with an error line. */
export function resultFiles(batch: OpenAiBatch, view: BatchView): { output: boolean; error: boolean } {
  if (view.terminalMs === undefined || view.status === 'failed') return { output: false, error: false };
  const t = tally(batch.lines.map((l) => l.outcome), view.done);
  return { output: t.succeeded > 0, error: t.failed > 0 || t.unfinished > 0 };
}

export function batchObject(batch: OpenAiBatch, clock: Clock): Record<string, unknown> {
  const view = viewBatch(batch, clock);
  const outcomes = batch.lines.map((l) => l.outcome);
  const t = tally(outcomes, view.done);
  const files = resultFiles(batch, view);
  const at = (ticks: number) => unixSeconds(clock.at(batch.createdMs, ticks));
  const reached = (s: OpenAiStatus[]) => s.includes(view.status);
  const usage = usageOf(batch, view.done);
  return {
    id: batch.id,
    object: 'batch',
    endpoint: batch.endpoint,
    model: batch.model ?? null,
    errors: batch.errors.length && view.status === 'failed' ? { object: 'list', data: batch.errors } : null,
    input_file_id: batch.inputFileId,
    completion_window: batch.completionWindow,
    status: view.status,
    output_file_id: files.output ? outputFileId(batch.id) : null,
    error_file_id: files.error ? errorFileId(batch.id) : null,
    created_at: unixSeconds(batch.createdMs),
    in_progress_at: reached(['validating', 'failed']) || (batch.cancelMs !== undefined && batch.cancelMs < clock.at(batch.createdMs, 1)) ? null : at(1),
    expires_at: unixSeconds(batch.expiresMs),
    finalizing_at: reached(['finalizing', 'completed']) ? at(TERMINAL_TICK - 1) : null,
    completed_at: view.status === 'completed' ? at(TERMINAL_TICK) : null,
    failed_at: view.status === 'failed' ? at(1) : null,
    expired_at: view.status === 'expired' ? unixSeconds(batch.expiresMs) : null,
    cancelling_at: batch.cancelMs !== undefined ? unixSeconds(batch.cancelMs) : null,
    cancelled_at: view.status === 'cancelled' && view.terminalMs !== undefined ? unixSeconds(view.terminalMs) : null,
    request_counts: view.status === 'validating' || view.status === 'failed' ? { total: 0, completed: 0, failed: 0 } : { total: batch.lines.length, completed: t.succeeded, failed: t.failed },
    usage,
    metadata: batch.metadata,
  };
}

function usageOf(batch: OpenAiBatch, done: boolean[]) {
  let input = 0;
  let output = 0;
  batch.lines.forEach((l, i) => {
    if (!done[i] || l.outcome !== 'ok') return;
    l.tokens ??= tokensOf(replyFor(batch, l));
    input += l.tokens.input;
    output += l.tokens.output;
  });
  return { input_tokens: input, input_tokens_details: { cached_tokens: 0 }, output_tokens: output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + output };
}

function tokensOf(reply: { inputTokens: number; outputTokens: number }) {
  return { input: reply.inputTokens, output: reply.outputTokens };
}

function replyFor(batch: OpenAiBatch, line: InputLine) {
  const parsed = JSON.parse(batch.input.toString('utf8', line.start, line.end)) as { body: Record<string, unknown> };
  return openaiReply(batch.endpoint, parsed.body, batch.createdMs, `${batch.id}/${line.customId}`, line.shape);
}

/**
 * The output (`kind: 'output'`) or error file of a terminal batch, generated on demand from the stored input, in the
 * real line format `{id, custom_id, response: {status_code, request_id, body} | null, error}`.
 */
export function resultFileStream(batch: OpenAiBatch, view: BatchView, kind: 'output' | 'error'): Readable {
  const order = resultOrder(batch.lines.map((l) => l.customId));
  const terminal = view.status;
  function* lines(): Generator<string> {
    for (const i of order) {
      const line = batch.lines[i];
      const text = resultLine(batch, line, view.done[i], terminal);
      if (text && (text.kind === kind)) yield `${text.json}\n`;
    }
  }
  return Readable.from(lines(), { objectMode: false });
}

export function resultFileBytes(batch: OpenAiBatch, view: BatchView, kind: 'output' | 'error'): number {
  let bytes = 0;
  batch.lines.forEach((line, i) => {
    const text = resultLine(batch, line, view.done[i], view.status);
    if (text?.kind === kind) bytes += Buffer.byteLength(text.json) + 1;
  });
  return bytes;
}

function resultLine(batch: OpenAiBatch, line: InputLine, done: boolean, terminal: OpenAiStatus): { kind: 'output' | 'error'; json: string } | undefined {
  const seed = `${batch.id}/${line.customId}`;
  const id = `batch_req_${promptHash(seed)}${promptHash(`${seed}!`)}`;
  const requestId = `req_${promptHash(`${seed}?`)}${promptHash(`${seed}?!`)}`;
  if (!done) {
    const code = terminal === 'cancelled' ? 'batch_cancelled' : 'batch_expired';
    const message = terminal === 'cancelled' ? 'This request was not executed because the batch was cancelled.' : 'This request could not be executed before the completion window expired.';
    return { kind: 'error', json: JSON.stringify({ id, custom_id: line.customId, response: null, error: { code, message } }) };
  }
  if (line.outcome === 'fail') {
    const failure = line.failure ?? { message: `The emulator failed this request on purpose (it carries a failure marker, line ${line.line}).`, param: null, code: null };
    const body = { error: { message: failure.message, type: 'invalid_request_error', param: failure.param, code: failure.code } };
    return { kind: 'error', json: JSON.stringify({ id, custom_id: line.customId, response: { status_code: 400, request_id: requestId, body }, error: null }) };
  }
  const reply = replyFor(batch, line);
  return { kind: 'output', json: JSON.stringify({ id, custom_id: line.customId, response: { status_code: 200, request_id: requestId, body: reply.body }, error: null }) };
}

export class OpenAiBatchStore {
  private readonly batches: BoundedMap<OpenAiBatch>;
  /** Bounded by count and by the input bytes the batches pin (an input outlives its file's eviction or deletion). */
  constructor(maxBatches: number, maxBytes = Infinity) {
    this.batches = new BoundedMap<OpenAiBatch>(maxBatches, maxBytes, (b) => b.input.length + b.lines.length * 64);
  }
  put(batch: OpenAiBatch): void {
    this.batches.set(batch.id, batch);
  }
  get(id: string): OpenAiBatch | undefined {
    return this.batches.get(id);
  }
  /** Newest first. */
  list(): OpenAiBatch[] {
    return [...this.batches.values()].reverse();
  }
  /** The batch whose output or error file this id names. */
  byResultFileId(fileId: string): { batch: OpenAiBatch; kind: 'output' | 'error' } | undefined {
    const m = /^file-batch(out|err)-(.+)$/.exec(fileId);
    if (!m) return undefined;
    const batch = this.get(`batch_${m[2]}`);
    return batch ? { batch, kind: m[1] === 'out' ? 'output' : 'error' } : undefined;
  }
}
