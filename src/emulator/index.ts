import type { AddressInfo } from 'node:net';
import { anthropicRoutes } from './anthropic/routes';
import { azureRoutes } from './azure/routes';
import { Clock, DEFAULT_TICK_MS } from './clock';
import { controlRoutes } from './control';
import { DEFAULT_LIMITS, type EmulatorDeps, type EmulatorLimits } from './deps';
import { FaultInjector } from './faults';
import { FileStore } from './files';
import { geminiRoutes } from './gemini/routes';
import { MarkerMemory } from './markers';
import { OpenAiBatchStore } from './openai/batches';
import { openaiBatchRoutes } from './openai/batchRoutes';
import { openaiCompletionRoutes } from './openai/completions';
import { openaiFileRoutes } from './openai/files';
import { Router } from './router';
import { createEmulatorServer } from './server';
import { HOSTS, type HostId } from '../core/hosts';
import { EmulatorStats } from './stats';
import { BatchWebhooks, type EmulatorWebhookOptions } from './webhooks';

export { EmulatorStats } from './stats';
export { FaultInjector, type FaultSpec } from './faults';
export { promptHash, replyText, approxTokens, embeddingVector } from './replies';
export { DEFAULT_TICK_MS, TERMINAL_TICK } from './clock';
export type { EmulatorWebhookOptions, WebhookRecord } from './webhooks';

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Clock tick; a batch reaches its terminal state after 8 ticks (4 s at the default 500 ms). */
  tickMs?: number;
  /**
   * A clock that stands still: batches change state only when `clock.advance` / `clock.tick` (or
   * POST /_emulator/clock) moves it, so tests never depend on how fast the machine is.
   */
  manualClock?: boolean;
  /** One line per request (method, path, status, duration). Silent when absent. */
  log?: (line: string) => void;
  /** Delay before /v1/chat/completions and /v1/embeddings reply. */
  latencyMs?: number;
  limits?: Partial<EmulatorLimits>;
  /**
   * POST a signed Standard Webhooks event to `url` once per OpenAI or Gemini batch when it ends, in the provider's
   * own event shape (Anthropic has no webhooks). Each delivery is recorded in `stats.webhooksSent`.
   */
  webhook?: EmulatorWebhookOptions;
  /**
   * Play an OpenAI-compatible batch host on the OpenAI routes (core/hosts.ts): its file limits, completion windows,
   * custom_id rule, line variant and status spellings. (`host` is the address to listen on.)
   */
  as?: HostId;
}

export interface Emulator {
  /** `http://127.0.0.1:PORT`. OpenAI base URL `${url}/v1`; Anthropic `${url}`; Gemini `httpOptions: { baseUrl: url }`. */
  url: string;
  port: number;
  close(): Promise<void>;
  stats: EmulatorStats;
  faults: FaultInjector;
  clock: EmulatorClock;
  /** Resolves once every webhook delivery started so far has finished (at once without the `webhook` option). */
  webhooksSettled(): Promise<void>;
}

/** The emulator's time, for tests: move it to drive batches through their states and to their expiry. */
export interface EmulatorClock {
  readonly tickMs: number;
  now(): number;
  advance(ms: number): number;
  /** Advances `n` (default 1) ticks. */
  tick(n?: number): number;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const tickMs = opts.tickMs && opts.tickMs > 0 ? opts.tickMs : DEFAULT_TICK_MS;
  const deps: EmulatorDeps = {
    clock: opts.manualClock ? Clock.manual(tickMs) : new Clock(tickMs),
    stats: new EmulatorStats(),
    markers: new MarkerMemory(),
    latencyMs: Math.max(0, opts.latencyMs ?? 0),
    limits: { ...DEFAULT_LIMITS, ...hostInputLimit(opts.as), ...opts.limits },
    ...(opts.as ? { host: opts.as } : {}),
  };
  if (opts.webhook) {
    const webhooks = new BatchWebhooks(opts.webhook, deps.stats, opts.manualClock ? undefined : tickMs, opts.log);
    deps.clock.onAdvance(() => webhooks.sweep());
    deps.webhooks = webhooks;
  }
  const faults = new FaultInjector();
  const openaiFiles = new FileStore(deps.limits);
  const openaiBatches = new OpenAiBatchStore(deps.limits.maxBatches, deps.limits.maxBatchBytes);
  const router = new Router();
  router.add(controlRoutes(deps, faults));
  // Before OpenAI's: under /v1 Gemini's routes take only Google clients' requests and let the others through.
  router.add(geminiRoutes(deps));
  const openaiBatchApi = [...openaiFileRoutes(deps, openaiFiles, openaiBatches), ...openaiBatchRoutes(deps, openaiFiles, openaiBatches)];
  router.add(openaiBatchApi);
  // Azure OpenAI's /openai/... paths over the same files and batches.
  router.add(azureRoutes(openaiBatchApi));
  router.add(openaiCompletionRoutes(deps));
  router.add(anthropicRoutes(deps));

  const server = createEmulatorServer({ router, deps, faults, log: opts.log });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    stats: deps.stats,
    faults,
    clock: {
      tickMs,
      now: () => deps.clock.now(),
      advance: (ms) => deps.clock.advance(ms),
      tick: (n = 1) => deps.clock.advance(n * tickMs),
    },
    webhooksSettled: async () => deps.webhooks?.settled(),
    close: () =>
      (closing ??= Promise.all([
        deps.webhooks?.close(),
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
      ]).then(() => undefined)),
  };
}

/** A host's documented input file cap replaces OpenAI's 200 MB (none when the host documents none). */
function hostInputLimit(host: HostId | undefined): Partial<EmulatorLimits> {
  if (!host) return {};
  const max = HOSTS[host].limits.maxBytes;
  return { maxOpenAiInputBytes: Number.isFinite(max) ? max : Number.MAX_SAFE_INTEGER };
}
