import { postSignedWebhook, type DeliveryOptions, type DeliveryResult } from '../core/webhooks/deliver';
import type { EmulatorStats } from './stats';

/** Where the emulator sends its batch-end webhooks, and (for tests) how it retries. */
export interface EmulatorWebhookOptions {
  url: string;
  /** `whsec_...`: the receiver verifies with the same secret. */
  secret: string;
  /** Attempts per event, the first included (default 6). */
  maxAttempts?: number;
  /** How a retry waits (default real timers); tests pass one that returns at once. */
  sleep?: DeliveryOptions['sleep'];
  timeoutMs?: number;
}

/** A batch that has ended, with the signed body to send for it. */
export interface BatchEnd {
  provider: 'openai' | 'gemini';
  /** The id the event names: `batch_...` for OpenAI, `batches/...` for Gemini. */
  batchId: string;
  type: string;
  /** The JSON body, in the provider's own event shape. */
  body: string;
}

/** Asked on every sweep: the batch's end event once it has ended, undefined while it runs, 'gone' once deleted or evicted. */
export type EndCheck = () => BatchEnd | undefined | 'gone';

/** One delivery as `stats.webhooksSent` records it. */
export interface WebhookRecord extends Pick<BatchEnd, 'provider' | 'batchId' | 'type'>, DeliveryResult {}

/**
 * Sends one signed webhook per batch when it reaches a terminal state, as OpenAI and Gemini do (Anthropic has no
 * webhooks). A batch's state is computed from the clock on read, so nothing fires by itself: batches are swept when
 * the clock is moved (a manual clock in tests), after a cancel, and, with the real clock, on a timer that runs only
 * while some watched batch is unfinished. Deliveries run in the background with deliver.ts's retries; a receiver that
 * is down or slow never blocks or fails a request to the emulator.
 */
export class BatchWebhooks {
  private readonly watched = new Map<string, EndCheck>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stop = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: EmulatorWebhookOptions,
    private readonly stats: EmulatorStats,
    /** Sweep interval with the real clock (one tick); undefined with a manual clock, which moves only when told. */
    private readonly sweepEveryMs: number | undefined,
    private readonly log?: (line: string) => void,
  ) {}

  /** Starts watching a new batch (key unique per provider). */
  watch(key: string, check: EndCheck): void {
    if (this.stop.signal.aborted) return;
    this.watched.set(key, check);
    if (this.sweepEveryMs !== undefined && !this.timer) {
      this.timer = setInterval(() => this.sweep(), this.sweepEveryMs);
      // The emulator's server keeps the process alive; this timer alone must not.
      this.timer.unref();
    }
  }

  /** Sends the event of every watched batch that has ended since the last sweep, and stops watching it. */
  sweep(): void {
    for (const [key, check] of this.watched) {
      let end: ReturnType<EndCheck>;
      try {
        end = check();
      } catch {
        // A batch whose state cannot be computed is dropped rather than failing every later sweep.
        end = 'gone';
      }
      if (end === undefined) continue;
      this.watched.delete(key);
      if (end !== 'gone') this.send(end);
    }
    if (this.watched.size === 0) this.stopTimer();
  }

  /** Resolves once every delivery started so far has finished (delivered or given up). */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  /** Stops the timer and abandons retries still waiting; deliveries in progress end as not delivered. */
  async close(): Promise<void> {
    this.stopTimer();
    this.watched.clear();
    this.stop.abort();
    await this.settled();
  }

  private send(end: BatchEnd): void {
    const delivery = postSignedWebhook({
      url: this.opts.url,
      secret: this.opts.secret,
      body: end.body,
      maxAttempts: this.opts.maxAttempts,
      sleep: this.opts.sleep,
      timeoutMs: this.opts.timeoutMs,
      signal: this.stop.signal,
    })
      .catch((e: unknown): DeliveryResult => ({ delivered: false, id: '', attempts: 0, error: e instanceof Error ? e.message : String(e) }))
      .then((result) => {
        this.stats.recordWebhook({ provider: end.provider, batchId: end.batchId, type: end.type, ...result });
        const outcome = result.delivered ? `delivered (${result.attempts} attempt${result.attempts > 1 ? 's' : ''})` : `not delivered: ${result.error ?? 'unknown error'}`;
        this.log?.(`${new Date().toISOString()} webhook ${end.type} ${end.batchId} ${outcome}`);
      })
      // A log sink that throws must not become an unhandled rejection in the emulator's process.
      .catch(() => undefined)
      .finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
