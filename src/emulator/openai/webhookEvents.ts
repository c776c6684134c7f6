import { unixSeconds, type Clock } from '../clock';
import { newId } from '../ids';
import type { BatchEnd } from '../webhooks';
import { viewBatch, type OpenAiBatch, type OpenAiStatus } from './batches';

/** OpenAI's batch webhook event types (openai-node resources/webhooks/webhooks.d.ts, `Batch*WebhookEvent.type`). */
const EVENT_TYPE: Partial<Record<OpenAiStatus, string>> = {
  completed: 'batch.completed',
  failed: 'batch.failed',
  expired: 'batch.expired',
  cancelled: 'batch.cancelled',
};

/**
 * The event OpenAI sends once a batch has ended, undefined while it runs. The shape is the SDK's
 * `BatchCompletedWebhookEvent` (and its failed / expired / cancelled siblings, openai-node
 * resources/webhooks/webhooks.d.ts): `{id: 'evt_...', object: 'event', created_at, type, data: {id}}`, where
 * `created_at` is when the batch ended (Unix seconds) and `data.id` the batch id.
 */
export function openAiBatchEnd(batch: OpenAiBatch, clock: Clock): BatchEnd | undefined {
  const view = viewBatch(batch, clock);
  const type = EVENT_TYPE[view.status];
  if (!type || view.terminalMs === undefined) return undefined;
  const event = { id: newId('evt_'), object: 'event', created_at: unixSeconds(view.terminalMs), type, data: { id: batch.id } };
  return { provider: 'openai', batchId: batch.id, type, body: JSON.stringify(event) };
}
