import { resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { WebhookSecretSchema } from '../../core/webhooks/standardWebhooks';
import { PipelineService, type ServiceLog } from '../../serve/service';
import { startServeHttp } from '../../serve/http';
import { EXIT_OK, UsageError, intOption, parseCommandArgs, type CliIO } from '../io';
import { cliCycleDeps } from './pipeline';

const USAGE = 'serve [--dir DIR] [--port N] [--host H] [--tick S] [--poll S]';

/** The secrets a provider's webhooks may be signed with: BATCHWISE_WEBHOOK_SECRET, or the provider's own variable (several, space- or comma-separated, while one is rotated). */
export function webhookSecrets(env: NodeJS.ProcessEnv): Record<'openai' | 'gemini', string[]> {
  const read = (name: string) => {
    const list = (env[name] ?? '').split(/[\s,]+/).filter(Boolean);
    const bad = list.find((s) => !WebhookSecretSchema.safeParse(s).success);
    if (bad !== undefined) throw new UsageError(`${name} must hold whsec_... secrets (the signing secret of the webhook endpoint, as the provider shows it)`);
    return list;
  };
  const shared = read('BATCHWISE_WEBHOOK_SECRET');
  return { openai: [...read('OPENAI_WEBHOOK_SECRET'), ...shared], gemini: [...read('GEMINI_WEBHOOK_SECRET'), ...shared] };
}

/**
 * `batchwise serve`: a long-running service (systemd, launchd, a container) that runs every pipeline of a folder on
 * its schedule, follows the running cycles, takes the providers' completion webhooks, and answers GET /healthz. It
 * logs one JSON line per event on stdout. SIGINT/SIGTERM stop it: work in flight is left where the store says it is,
 * and the next start carries on.
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { dir: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, tick: { type: 'string' }, poll: { type: 'string' } }, USAGE);
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" (the folder goes with --dir)\nusage: batchwise ${USAGE}`);
  const dir = resolve(values.dir ?? '.');
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) throw new UsageError(`--dir ${dir} is not a folder`);
  const port = intOption(values.port, '--port', 0, 65535) ?? 8788;
  const host = values.host ?? '127.0.0.1';
  const tickMs = (intOption(values.tick, '--tick', 1, 3600) ?? 15) * 1000;
  const pollMs = (intOption(values.poll, '--poll', 1, 3600) ?? 60) * 1000;
  const secrets = webhookSecrets(io.env);
  const log = (entry: ServiceLog) => io.out(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);

  const stop = new AbortController();
  const deps = await cliCycleDeps({ ...io, signal: stop.signal });
  const service = new PipelineService({ dir, deps, log, pollMs });
  const startedAt = new Date();
  const http = await startServeHttp({ host, port, service, secrets, log, startedAt }).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(err.code === 'EADDRINUSE' ? `port ${port} is in use: give another with --port` : `cannot listen on ${host}:${port}: ${err.message}`);
  });
  log({ level: 'info', event: 'serve_started', dir, url: http.url, store: deps.store.home, webhooks: { openai: secrets.openai.length > 0, gemini: secrets.gemini.length > 0 } });

  const stopped = new Promise<void>((done) => {
    const onStop = (why: string) => {
      if (stop.signal.aborted) return;
      log({ level: 'info', event: 'serve_stopping', signal: why });
      stop.abort();
      done();
    };
    process.once('SIGTERM', () => onStop('SIGTERM'));
    io.signal?.addEventListener('abort', () => onStop('SIGINT'), { once: true });
  });

  // One tick at a time: a tick that takes longer than the interval delays the next one, it never overlaps it.
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    try {
      await service.tick();
    } catch (err) {
      log({ level: 'error', event: 'tick_failed', message: err instanceof Error ? err.message : String(err) });
    }
    if (!stop.signal.aborted) timer = setTimeout(() => void loop(), tickMs);
  };
  void loop();
  await stopped;
  clearTimeout(timer);
  await http.close();
  await service.idle().catch(() => undefined);
  log({ level: 'info', event: 'serve_stopped' });
  // A SIGINT sets exit code 130 in main.ts; a stop asked for is a clean exit for a service manager.
  process.exitCode = EXIT_OK;
  return EXIT_OK;
}
