import { WebhookSecretSchema } from '../../core/webhooks/standardWebhooks';
import { startEmulator, type EmulatorWebhookOptions } from '../../emulator';
import { HOSTS, HOST_LIST, HostIdSchema } from '../../core/hosts';
import { intOption, parseCommandArgs, UsageError, type CliIO } from '../io';

const USAGE = 'emulator [--port N] [--as HOST] [--tick-ms N] [--latency-ms N] [--enqueued-token-limit N] [--batches-per-hour N] [--webhook-url URL [--webhook-secret whsec_...]]';
/** Read when --webhook-secret is absent, so the secret stays out of `ps` and shell history. */
const SECRET_ENV = 'BATCHWISE_EMULATOR_WEBHOOK_SECRET';

/**
 * `batchwise emulator`: the local sandbox. Prints the base URLs and environment variables to use, logs one line per
 * request, and runs until SIGINT/SIGTERM (or the CLI's abort signal), then closes cleanly with exit code 0.
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { port: { type: 'string' }, as: { type: 'string' }, 'tick-ms': { type: 'string' }, 'latency-ms': { type: 'string' }, 'enqueued-token-limit': { type: 'string' }, 'batches-per-hour': { type: 'string' }, 'webhook-url': { type: 'string' }, 'webhook-secret': { type: 'string' } }, USAGE);
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"\nusage: ${USAGE}`);
  const port = intOption(values.port, '--port', 0, 65535) ?? 0;
  const tickMs = intOption(values['tick-ms'], '--tick-ms', 1, 3_600_000);
  const latencyMs = intOption(values['latency-ms'], '--latency-ms', 0, 600_000);
  // OpenAI's quotas, off unless asked for: in-flight input tokens per model, and batch creations per hour.
  const enqueuedTokenLimit = intOption(values['enqueued-token-limit'], '--enqueued-token-limit', 1, Number.MAX_SAFE_INTEGER);
  const batchesPerHour = intOption(values['batches-per-hour'], '--batches-per-hour', 1, 1_000_000);
  const webhook = webhookOption(values['webhook-url'], values['webhook-secret'], io.env);
  // `--as together`: the OpenAI routes play that OpenAI-compatible host (its limits, statuses, custom_id rule).
  const as = values.as === undefined ? undefined : HostIdSchema.safeParse(values.as);
  if (as && !as.success) throw new UsageError(`--as must be one of ${HOST_LIST} (got "${values.as}")`);

  let emulator;
  try {
    emulator = await startEmulator({ port, tickMs, latencyMs, webhook, ...(as?.data ? { as: as.data } : {}), log: (line) => io.out(`${line}\n`), limits: { ...(enqueuedTokenLimit ? { enqueuedTokenLimit } : {}), ...(batchesPerHour ? { batchesPerHour } : {}) } });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} is already in use; pick another with --port N, or --port 0 for a free one`);
    throw e;
  }
  const { url } = emulator;
  io.out(
    [
      `Batchwise emulator listening on ${url}${as?.data ? ` (OpenAI routes playing ${HOSTS[as.data].label})` : ''}`,
      ...(as?.data ? [`  batchwise submit FILE --base-url ${url}/v1 --host ${as.data}`] : []),
      '',
      'Point a client at it (any non-empty API key works):',
      `  OpenAI     OPENAI_BASE_URL=${url}/v1 OPENAI_API_KEY=anything`,
      `  Anthropic  ANTHROPIC_BASE_URL=${url} ANTHROPIC_API_KEY=anything`,
      `  Gemini     GOOGLE_GEMINI_BASE_URL=${url} GEMINI_API_KEY=anything`,
      `  Azure      AZURE_OPENAI_ENDPOINT=${url} AZURE_OPENAI_API_KEY=anything OPENAI_API_VERSION=2024-10-21   (batchwise submit FILE --provider azure)`,
      `  batchwise  batchwise submit FILE --base-url ${url}/v1   (Anthropic / Gemini: --base-url ${url})`,
      '',
      'In a request\'s text, [[fail]] errors that line every time, [[fail-once]] only on its first submission,',
      `[[expire]] leaves it unfinished so the batch ends expired. Batches end after ${(8 * (tickMs ?? 500)) / 1000} s.`,
      ...(webhook ? [`When an OpenAI or Gemini batch ends, a signed webhook is POSTed to ${webhook.url} (Anthropic has none).`] : []),
      'Stop with Ctrl+C.',
      '',
    ].join('\n'),
  );

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    io.signal?.addEventListener('abort', stop, { once: true });
  });
  await emulator.close();
  io.out('Emulator stopped.\n');
  // A stop requested by the user is the normal end of this command, not an interruption of a job.
  if (process.exitCode === 130) process.exitCode = 0;
  return 0;
}

/** `--webhook-url` with its secret from `--webhook-secret` or the environment; both checked before the server starts. */
function webhookOption(url: string | undefined, flagSecret: string | undefined, env: NodeJS.ProcessEnv): EmulatorWebhookOptions | undefined {
  if (url === undefined) {
    if (flagSecret !== undefined) throw new UsageError(`--webhook-secret needs --webhook-url URL (where to send the webhooks)\nusage: ${USAGE}`);
    return undefined;
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new UsageError(`--webhook-url must be an http:// or https:// URL, e.g. http://127.0.0.1:8787/webhooks/openai, got "${url}"`);
  }
  const secret = flagSecret ?? env[SECRET_ENV];
  const source = flagSecret !== undefined ? '--webhook-secret' : SECRET_ENV;
  if (secret === undefined || secret === '') throw new UsageError(`--webhook-url needs a signing secret: set ${SECRET_ENV}=whsec_... (or pass --webhook-secret whsec_...)`);
  const checked = WebhookSecretSchema.safeParse(secret);
  if (!checked.success) throw new UsageError(`${source} is not a usable secret: ${checked.error.issues[0]?.message ?? 'expected whsec_ + base64'}`);
  return { url: parsed.href, secret: checked.data };
}
