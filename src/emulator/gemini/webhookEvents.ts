import type { Clock } from '../clock';
import type { BatchEnd } from '../webhooks';
import { resultFileName, viewGeminiBatch, type BatchState, type GeminiBatch } from './batches';

/**
 * Gemini's batch events and their `data` (ai.google.dev/gemini-api/docs/webhooks, "Event catalog"):
 * `batch.succeeded` {id, output_file_uri}, `batch.failed` {id, error_code, error_message}, `batch.cancelled` {id},
 * `batch.expired` {id}.
 */
const EVENT_TYPE: Partial<Record<BatchState, string>> = {
  BATCH_STATE_SUCCEEDED: 'batch.succeeded',
  BATCH_STATE_FAILED: 'batch.failed',
  BATCH_STATE_CANCELLED: 'batch.cancelled',
  BATCH_STATE_EXPIRED: 'batch.expired',
};

/** google.rpc.Code INVALID_ARGUMENT, the code the emulator's failed operations carry (batches.ts operationObject). */
const INVALID_ARGUMENT = 3;

/**
 * The event Gemini sends once a batch has ended, undefined while it runs, in the "thin payload" envelope of
 * ai.google.dev/gemini-api/docs/webhooks ("Webhook envelope"): `{type, version: 'v1', timestamp, data}`. The docs'
 * example id (`batch_123456`) is not a resource name; the emulator sends `batches/{id}`, which `batches.get` takes.
 * `output_file_uri` is the result file of a file-input batch (inline batches have none).
 */
export function geminiBatchEnd(batch: GeminiBatch, clock: Clock): BatchEnd | undefined {
  const view = viewGeminiBatch(batch, clock);
  const type = EVENT_TYPE[view.state];
  if (!type || view.terminalMs === undefined) return undefined;
  const id = `batches/${batch.id}`;
  const data: Record<string, unknown> = { id };
  if (view.state === 'BATCH_STATE_SUCCEEDED' && batch.inputFile) data.output_file_uri = resultFileName(batch);
  if (view.state === 'BATCH_STATE_FAILED') Object.assign(data, { error_code: INVALID_ARGUMENT, error_message: batch.failure ?? 'The batch failed.' });
  const event = { type, version: 'v1', timestamp: new Date(view.terminalMs).toISOString(), data };
  return { provider: 'gemini', batchId: id, type, body: JSON.stringify(event) };
}
