import type { WebhookRecord } from './webhooks';

/** Webhook deliveries kept in `webhooksSent` (the newest), so a long-running emulator stays bounded. */
const MAX_WEBHOOK_RECORDS = 1000;

/** Live counters, readable in process (`emulator.stats`) or as JSON from GET /_emulator/stats. */
export class EmulatorStats {
  totalRequests = 0;
  /** Keyed by route, e.g. `POST /v1/batches`, `GET /v1/batches/:id`; unmatched routes count under `unmatched`. */
  requests: Record<string, number> = {};
  /** In-flight requests on /v1/chat/completions + /v1/embeddings (the self-hosted runner's concurrency bound). */
  concurrent = 0;
  maxConcurrent = 0;
  batchesCreated = { openai: 0, anthropic: 0, gemini: 0 };
  /** With an enqueued-token limit: the highest input-token total of OpenAI batches in flight, per model. */
  enqueuedTokensPeak: Record<string, number> = {};
  /** Batch-end webhooks the emulator finished sending (delivered or given up), oldest first. */
  webhooksSent: WebhookRecord[] = [];

  recordWebhook(record: WebhookRecord): void {
    this.webhooksSent.push(record);
    if (this.webhooksSent.length > MAX_WEBHOOK_RECORDS) this.webhooksSent.shift();
  }

  countRequest(route: string): void {
    this.totalRequests += 1;
    this.requests[route] = (this.requests[route] ?? 0) + 1;
  }

  enterCompletion(): () => void {
    this.concurrent += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.concurrent -= 1;
    };
  }

  /** Zeroes the counters (not the in-flight count, which tracks live requests). */
  reset(): void {
    this.totalRequests = 0;
    this.requests = {};
    this.maxConcurrent = this.concurrent;
    this.batchesCreated = { openai: 0, anthropic: 0, gemini: 0 };
    this.enqueuedTokensPeak = {};
    this.webhooksSent = [];
  }

  toJSON() {
    return {
      totalRequests: this.totalRequests,
      requests: this.requests,
      concurrent: this.concurrent,
      maxConcurrent: this.maxConcurrent,
      batchesCreated: this.batchesCreated,
      enqueuedTokensPeak: this.enqueuedTokensPeak,
      webhooksSent: this.webhooksSent,
    };
  }
}
