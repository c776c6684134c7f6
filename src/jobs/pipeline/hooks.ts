import { delimiter, join } from 'node:path';
import { ensureDir } from '../../core/fsAtomic';
import type { LoadedPipeline } from '../../core/pipeline/load';
import type { Cycle, CycleStatus } from '../../core/pipeline/state';
import { deliverWebhook } from '../../core/webhooks/deliver';
import { describeRun, runShellCommand } from './shellCommand';

const INTERRUPTED = 'the process running it stopped before it ended; it is not run again (a hook runs at most once per cycle)';

/** The variables an onComplete command gets, beside the environment it was started from. */
export function hookEnv(cycle: Cycle, status: CycleStatus, loaded: LoadedPipeline): Record<string, string> {
  return {
    BATCHWISE_PIPELINE: loaded.pipeline.name,
    BATCHWISE_PIPELINE_FILE: loaded.file,
    BATCHWISE_CYCLE: cycle.id,
    BATCHWISE_JOB: cycle.jobs[0] ?? '',
    BATCHWISE_JOBS: cycle.jobs.join(' '),
    BATCHWISE_STATUS: status,
    BATCHWISE_SUCCEEDED: String(cycle.succeeded ?? 0),
    BATCHWISE_FAILED: String(cycle.failed ?? 0),
    BATCHWISE_RESULTS: cycle.results ?? '',
    BATCHWISE_OUTPUTS: cycle.outputs.join(delimiter),
    ...(cycle.message ? { BATCHWISE_MESSAGE: cycle.message } : {}),
  };
}

/** The body of the cycle's webhook: what `pipeline run --json` prints. */
function webhookData(cycle: Cycle, status: CycleStatus, loaded: LoadedPipeline) {
  return {
    pipeline: loaded.pipeline.name,
    cycle: cycle.id,
    job: cycle.jobs[0] ?? null,
    jobs: cycle.jobs,
    status,
    succeeded: cycle.succeeded ?? 0,
    failed: cycle.failed ?? 0,
    outputs: cycle.outputs,
    ...(cycle.scheduledFor ? { scheduledFor: cycle.scheduledFor } : {}),
    startedAt: cycle.startedAt,
    ...(cycle.message ? { message: cycle.message } : {}),
  };
}

/**
 * The onComplete command and webhook, each once per cycle: the start is recorded before it runs, so a process
 * killed while a hook ran does not run it a second time on resume (it is reported as interrupted instead).
 */
export async function runCompletionHooks(opts: {
  cycle: Cycle;
  status: CycleStatus;
  loaded: LoadedPipeline;
  env: NodeJS.ProcessEnv;
  save: (c: Cycle) => Promise<Cycle>;
  /** The cycle's folder in the job store: the hook's output goes to hook.log there. */
  cycleFolder: string;
  deliver?: typeof deliverWebhook;
  signal?: AbortSignal;
}): Promise<Cycle> {
  const { loaded, status, signal } = opts;
  let cycle = opts.cycle;
  const hooks = loaded.pipeline.onComplete;
  const now = () => new Date().toISOString();

  if (hooks?.command) {
    if (cycle.hook && cycle.hook.finishedAt === undefined) cycle = await opts.save({ ...cycle, hook: { ...cycle.hook, finishedAt: now(), exitCode: null, error: INTERRUPTED } });
    else if (!cycle.hook) {
      const startedAt = now();
      cycle = await opts.save({ ...cycle, hook: { startedAt } });
      try {
        await ensureDir(opts.cycleFolder);
        const run = await runShellCommand(hooks.command, { cwd: loaded.dir, env: { ...opts.env, ...hookEnv(cycle, status, loaded) }, stdoutTo: join(opts.cycleFolder, 'hook.log'), signal });
        cycle = await opts.save({ ...cycle, hook: { startedAt, finishedAt: now(), exitCode: run.exitCode, ...(run.exitCode !== 0 ? { error: describeRun('the hook', run) } : {}) } });
      } catch (err) {
        if (signal?.aborted) throw err;
        cycle = await opts.save({ ...cycle, hook: { startedAt, finishedAt: now(), exitCode: null, error: `the hook could not start: ${err instanceof Error ? err.message : String(err)}` } });
      }
    }
  }

  const hook = hooks?.webhook;
  if (hook && cycle.webhook?.finishedAt === undefined) {
    const startedAt = cycle.webhook?.startedAt ?? now();
    const secret = hook.secret ?? opts.env[hook.secretEnv!];
    if (!secret) {
      cycle = await opts.save({ ...cycle, webhook: { startedAt, finishedAt: now(), delivered: false, attempts: 0, error: `${hook.secretEnv} is not set: the webhook was not sent` } });
    } else {
      cycle = await opts.save({ ...cycle, webhook: { startedAt } });
      // The same message id on every attempt, also after a restart: the receiver can drop a second delivery.
      const r = await (opts.deliver ?? deliverWebhook)({ id: `msg_${cycle.id.replace(/[^A-Za-z0-9]/g, '')}`, url: hook.url, secret, type: `batchwise.cycle.${status}`, data: webhookData(cycle, status, loaded), ...(signal ? { signal } : {}) });
      cycle = await opts.save({ ...cycle, webhook: { startedAt, finishedAt: now(), delivered: r.delivered, attempts: r.attempts, ...(r.status !== undefined ? { status: r.status } : {}), ...(r.error ? { error: r.error } : {}) } });
    }
  }
  return cycle;
}
