import { BoundedMap } from '../boundedMap';
import { windowMs } from '../../core/limits';
import { TERMINAL_TICK, type Clock } from '../clock';
import { processedMask, tally } from '../lineProgress';
import { embedResponse, generateResponse, markerError, requestBytes, type GeminiBatchKind, type GeminiRequest } from './requests';

/** Gemini batch jobs expire 48 h after creation if still pending or running (Batch Mode docs), without results. */
export const GEMINI_WINDOW_MS = windowMs('gemini');

const TYPE_PREFIX = 'type.googleapis.com/google.ai.generativelanguage.v1main';

export interface GeminiBatch {
  /** The id after `batches/`. */
  id: string;
  /** Creation order, for list paging that survives deletions. */
  seq: number;
  kind: GeminiBatchKind;
  /** `models/...` */
  model: string;
  displayName: string;
  createdMs: number;
  cancelMs?: number;
  expiresMs: number;
  stalls: boolean;
  /** `files/...` when the input was an uploaded file (the results then go to a file too). */
  inputFile?: string;
  requests: GeminiRequest[];
  /** Set when the input file was unusable: the batch fails once it leaves PENDING. */
  failure?: string;
}

/** The Developer API's wire states (the SDK maps them to JOB_STATE_*). */
export type BatchState = 'BATCH_STATE_PENDING' | 'BATCH_STATE_RUNNING' | 'BATCH_STATE_SUCCEEDED' | 'BATCH_STATE_FAILED' | 'BATCH_STATE_CANCELLED' | 'BATCH_STATE_EXPIRED';

export interface GeminiView {
  state: BatchState;
  /** Per request, whether it has an answer. */
  done: boolean[];
  terminalMs?: number;
  updateMs: number;
}

/**
 * The batch's state now, from the shared clock: PENDING for the first tick, RUNNING while lines are processed in
 * input order, then SUCCEEDED (EXPIRED when an `[[expire]]` request never finished). A cancel is final at once:
 * the Developer API has no cancelling state; what was processed by then keeps its answer.
 */
export function viewGeminiBatch(batch: GeminiBatch, clock: Clock): GeminiView {
  const { phase, fraction } = clock.phase(batch);
  const outcomes = batch.requests.map((r) => r.outcome);
  const done = batch.failure ? outcomes.map(() => false) : processedMask(outcomes, fraction);
  const at = (ticks: number) => clock.at(batch.createdMs, ticks);
  switch (phase) {
    case 'cancelling':
    case 'cancelled':
      return { state: 'BATCH_STATE_CANCELLED', done, terminalMs: batch.cancelMs, updateMs: batch.cancelMs ?? batch.createdMs };
    case 'validating':
      return { state: 'BATCH_STATE_PENDING', done, updateMs: batch.createdMs };
    default:
      if (batch.failure) return { state: 'BATCH_STATE_FAILED', done, terminalMs: at(1), updateMs: at(1) };
      if (phase === 'expired') return { state: 'BATCH_STATE_EXPIRED', done, terminalMs: batch.expiresMs, updateMs: batch.expiresMs };
      if (phase !== 'done') return { state: 'BATCH_STATE_RUNNING', done, updateMs: at(1) };
      return { state: 'BATCH_STATE_SUCCEEDED', done, terminalMs: at(TERMINAL_TICK), updateMs: at(TERMINAL_TICK) };
  }
}

export function isTerminalState(state: BatchState): boolean {
  return state !== 'BATCH_STATE_PENDING' && state !== 'BATCH_STATE_RUNNING';
}

/** The generated result file of a file-input batch: `files/batch-<batch id>`. */
export function resultFileName(batch: GeminiBatch): string {
  return `files/batch-${batch.id}`;
}

export function batchIdOfResultFile(fileId: string): string | undefined {
  return /^batch-([a-z0-9]+)$/.exec(fileId)?.[1];
}

/** Whether the batch has answers to hand out: terminal, and neither failed nor expired (an expired job has none). */
export function hasOutput(view: GeminiView): boolean {
  return view.terminalMs !== undefined && view.state !== 'BATCH_STATE_FAILED' && view.state !== 'BATCH_STATE_EXPIRED';
}

/**
 * One answer, in input order: `{response}` or `{error}`; a request that never ran (expired, cancelled) has neither.
 * Inline entries carry the request's `metadata` (with its key); file lines carry `key`.
 */
function answerOf(batch: GeminiBatch, r: GeminiRequest, i: number, done: boolean): Record<string, unknown> {
  if (!done) return {};
  if (r.outcome === 'fail') return { error: markerError(i) };
  return { response: batch.kind === 'embed' ? embedResponse(r) : generateResponse(r, batch.model, `${batch.id}/${r.key ?? i}`) };
}

export function* inlinedResponses(batch: GeminiBatch, view: GeminiView): Generator<Record<string, unknown>> {
  for (const [i, r] of batch.requests.entries()) {
    yield { ...answerOf(batch, r, i, view.done[i]), ...(r.metadata ? { metadata: r.metadata } : {}) };
  }
}

/** Result file lines `{"key", "response"|"error"}\n`, in input order as the real service writes them. */
export function* resultFileLines(batch: GeminiBatch, view: GeminiView): Generator<string> {
  for (const [i, r] of batch.requests.entries()) {
    yield `${JSON.stringify({ key: r.key, ...answerOf(batch, r, i, view.done[i]) })}\n`;
  }
}

export function resultFileBytes(batch: GeminiBatch, view: GeminiView): number {
  let n = 0;
  for (const line of resultFileLines(batch, view)) n += Buffer.byteLength(line);
  return n;
}

/** int64 fields travel as strings in Google's JSON, and zero values are left out (proto3 JSON). */
function int64Fields(fields: Record<string, number>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== 0) out[k] = String(v);
  return out;
}

/**
 * The batch as the REST API returns it: a long-running Operation whose `metadata` is the GenerateContentBatch
 * (state, batchStats, output) and which, once done, carries `response` (the output) or `error`.
 */
export function operationObject(batch: GeminiBatch, clock: Clock, opts: { listed?: boolean } = {}): Record<string, unknown> {
  const view = viewGeminiBatch(batch, clock);
  const name = `batches/${batch.id}`;
  const t = tally(batch.requests.map((r) => r.outcome), view.done);
  const batchStats = int64Fields({
    requestCount: batch.requests.length,
    successfulRequestCount: t.succeeded,
    failedRequestCount: t.failed,
    pendingRequestCount: t.unfinished,
  });
  const noun = batch.kind === 'embed' ? 'EmbedContentBatch' : 'GenerateContentBatch';
  let output: Record<string, unknown> | undefined;
  if (hasOutput(view)) {
    output = batch.inputFile
      ? { responsesFile: resultFileName(batch) }
      // `batches.list` leaves inlined responses out (Batch Mode docs); only a get of the one batch carries them.
      : opts.listed ? {} : { inlinedResponses: { inlinedResponses: [...inlinedResponses(batch, view)] } };
  }
  const metadata: Record<string, unknown> = {
    '@type': `${TYPE_PREFIX}.${noun}`,
    model: batch.model,
    displayName: batch.displayName,
    ...(batch.inputFile ? { inputConfig: { fileName: batch.inputFile } } : {}),
    ...(output ? { output } : {}),
    createTime: new Date(batch.createdMs).toISOString(),
    ...(view.terminalMs !== undefined ? { endTime: new Date(view.terminalMs).toISOString() } : {}),
    updateTime: new Date(view.updateMs).toISOString(),
    batchStats,
    state: view.state,
    name,
  };
  const op: Record<string, unknown> = { name, metadata };
  if (view.terminalMs !== undefined) op.done = true;
  if (view.state === 'BATCH_STATE_FAILED') op.error = { code: 3, message: batch.failure ?? 'The batch failed.' };
  else if (output) op.response = { '@type': `${TYPE_PREFIX}.${noun}Output`, ...output };
  return op;
}

/** Gemini batches, bounded by count and by the bytes their requests hold (oldest evicted first). */
export class GeminiBatchStore {
  private readonly batches: BoundedMap<GeminiBatch>;
  private seq = 0;

  constructor(maxBatches: number, maxBytes: number) {
    this.batches = new BoundedMap<GeminiBatch>(maxBatches, maxBytes, (b) => b.requests.reduce((n, r) => n + requestBytes(r), 256));
  }

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  put(batch: GeminiBatch): void {
    this.batches.set(batch.id, batch);
  }

  get(id: string): GeminiBatch | undefined {
    return this.batches.get(id);
  }

  delete(id: string): boolean {
    return this.batches.delete(id);
  }

  /** Newest first. */
  list(): GeminiBatch[] {
    return [...this.batches.values()].reverse();
  }
}
