import { open, readFile, readdir, rm } from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { join } from 'node:path';
import { z } from 'zod';
import type { ProviderResult } from '../core/results/record';
import type { RequestCounts } from '../core/status';
import { writeFileAtomic, ensureDir } from '../core/fsAtomic';
import { processAlive } from '../core/staleFiles';
import { runBatch, type RunProgress } from '../runner/runner';
import { parseOpenAIOutputLine } from './openaiOutput';
import { ProviderError, type BatchProvider, type ListPage, type ProviderProfile, type RemoteBatch, type SubmitPart } from './types';

const RunStateSchema = z.object({
  id: z.string(),
  baseUrl: z.string(),
  concurrency: z.number().int().positive(),
  total: z.number().int().nonnegative(),
  endpoint: z.string().nullable(),
  model: z.string().nullable(),
  state: z.enum(['running', 'completed', 'cancelled', 'failed']),
  error: z.string().optional(),
  createdAt: z.string(),
  endedAt: z.string().optional(),
});
type RunState = z.infer<typeof RunStateSchema>;

interface ActiveRun {
  controller: AbortController;
  /** Answers already in the output file when this process (re)started the run. */
  baseline: { succeeded: number; failed: number };
  progress: RunProgress;
  done: Promise<void>;
}

/** Runs in this process, by remote id: shared by every LocalProvider instance (the tracker creates one per poll). */
const active = new Map<string, ActiveRun>();
/** Starts under way (lock + counting), so two polls at the same moment do not start the same run twice. */
const starting = new Map<string, Promise<ActiveRun | undefined>>();

/**
 * The self-hosted "batch API": Batchwise sends the lines itself (src/runner) to a vLLM / Ollama / LM Studio /
 * llama.cpp / any OpenAI-compatible server. A run lives in `<runsDir>/<id>/` (input.jsonl, output.jsonl, run.json)
 * so it is tracked like a remote batch. A run progresses while a Batchwise process holds it (the one that
 * created it, or the next one that polls it: a run left `running` by a process that stopped resumes there, skipping
 * the lines already answered). A lock file with the owner's pid keeps two processes from running it at once.
 */
export class LocalProvider implements BatchProvider {
  readonly id = 'local' as const;

  constructor(
    readonly profile: ProviderProfile,
    private readonly apiKey: string | undefined,
    private readonly runsDir: string,
  ) {
    if (!profile.baseUrl) throw new ProviderError(`Profile "${profile.name}" needs a baseUrl, e.g. http://localhost:8000/v1 for vLLM or http://localhost:11434/v1 for Ollama.`);
  }

  private dir(id: string): string {
    return join(this.runsDir, id);
  }

  private async readState(id: string): Promise<RunState> {
    if (!/^local-[\w.-]+$/.test(id)) throw new ProviderError(`"${id}" is not a local run id.`, 404);
    let text: string;
    try {
      text = await readFile(join(this.dir(id), 'run.json'), 'utf8');
    } catch {
      throw new ProviderError(`No local run "${id}" in ${this.runsDir}.`, 404);
    }
    const parsed = RunStateSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new ProviderError(`${join(this.dir(id), 'run.json')} is not a Batchwise run file.`);
    return parsed.data;
  }

  private async writeState(state: RunState): Promise<void> {
    await writeFileAtomic(join(this.dir(state.id), 'run.json'), JSON.stringify(state, null, 2) + '\n');
  }

  /** Takes the run's lock; false when another live process holds it. A lock whose owner died is taken over. */
  private async lock(id: string): Promise<boolean> {
    const path = join(this.dir(id), 'run.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fh = await open(path, 'wx');
        await fh.writeFile(String(process.pid));
        await fh.close();
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const pid = Number(await readFile(path, 'utf8').catch(() => ''));
        if (pid === process.pid) return true;
        if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) return false;
        await rm(path, { force: true });
      }
    }
    return false;
  }

  private async unlock(id: string): Promise<void> {
    const path = join(this.dir(id), 'run.lock');
    const pid = Number(await readFile(path, 'utf8').catch(() => ''));
    if (pid === process.pid) await rm(path, { force: true });
  }

  /** Starts (or resumes) the run in this process, unless another process is running it. */
  private start(state: RunState): Promise<ActiveRun | undefined> {
    const existing = active.get(state.id);
    if (existing) return Promise.resolve(existing);
    let pending = starting.get(state.id);
    if (!pending) {
      pending = this.startNow(state).finally(() => starting.delete(state.id));
      starting.set(state.id, pending);
    }
    return pending;
  }

  private async startNow(state: RunState): Promise<ActiveRun | undefined> {
    if (!(await this.lock(state.id))) return undefined;
    const counted = await this.countOutput(state);
    const controller = new AbortController();
    const run: ActiveRun = {
      controller,
      baseline: { succeeded: counted.succeeded, failed: counted.failed },
      progress: { total: state.total, done: counted.succeeded + counted.failed, succeeded: 0, failed: 0, skipped: 0, inFlight: 0, requestsPerSec: 0, tokensPerSec: 0, etaSeconds: null },
      done: Promise.resolve(),
    };
    active.set(state.id, run);
    run.done = runBatch({
      inputPath: join(this.dir(state.id), 'input.jsonl'),
      outPath: join(this.dir(state.id), 'output.jsonl'),
      baseUrl: state.baseUrl,
      apiKey: this.apiKey,
      concurrency: state.concurrency,
      total: state.total,
      signal: controller.signal,
      onProgress: (p) => (run.progress = p),
    })
      .then(async (summary) => {
        // Stopped (cancel, or the process pausing its runs): run.json says what happens next, nothing to write.
        if (summary.cancelled) return;
        const latest = await this.readState(state.id).catch(() => state);
        if (latest.state === 'running') await this.writeState({ ...latest, state: 'completed', endedAt: new Date().toISOString() });
      })
      .catch(async (err: unknown) => {
        // Recorded in run.json so the tracker shows why the run stopped; a later retrieve does not restart it.
        const message = err instanceof Error ? err.message : String(err);
        await this.writeState({ ...state, state: 'failed', error: message, endedAt: new Date().toISOString() }).catch(() => undefined);
      })
      .finally(async () => {
        active.delete(state.id);
        await this.unlock(state.id).catch(() => undefined);
      });
    return run;
  }

  async create(part: SubmitPart): Promise<RemoteBatch> {
    const id = `local-${part.jobId}-${part.partIndex}`;
    await ensureDir(this.dir(id));
    const out = createWriteStream(join(this.dir(id), 'input.jsonl'));
    let total = 0;
    try {
      for await (const line of part.lines) {
        if (!out.write(line + '\n')) await once(out, 'drain');
        total++;
      }
    } finally {
      out.end();
      await once(out, 'close');
    }
    const state: RunState = {
      id,
      baseUrl: this.profile.baseUrl!,
      concurrency: this.profile.concurrency ?? 8,
      total,
      endpoint: part.endpoint,
      model: part.model,
      state: 'running',
      createdAt: new Date().toISOString(),
    };
    await part.beforeCreate?.();
    await this.writeState(state);
    await this.start(state);
    return this.retrieve(id);
  }

  async retrieve(remoteId: string): Promise<RemoteBatch> {
    const state = await this.readState(remoteId);
    // A run that was going when its process stopped resumes here (answered lines are skipped).
    const run = state.state === 'running' ? await this.start(state) : undefined;
    if (run) {
      const p = run.progress;
      const succeeded = run.baseline.succeeded + p.succeeded;
      const failed = run.baseline.failed + p.failed;
      return this.remote(state, { total: state.total, succeeded, failed, processing: Math.max(0, state.total - succeeded - failed), expired: 0, canceled: 0 }, p);
    }
    return this.remote(state, await this.countOutput(state));
  }

  private remote(state: RunState, counts: RequestCounts, progress?: RunProgress): RemoteBatch {
    const status = state.state === 'running' ? 'in_progress' : state.state;
    return {
      id: state.id,
      status,
      rawStatus: state.state,
      counts,
      ...(state.endpoint ? { endpoint: state.endpoint } : {}),
      ...(state.model ? { model: state.model } : {}),
      createdAt: state.createdAt,
      ...(state.endedAt ? { endedAt: state.endedAt } : {}),
      outputFileId: join(this.dir(state.id), 'output.jsonl'),
      errors: state.error ? [{ code: 'run_failed', message: state.error }] : [],
      ...(progress && state.state === 'running'
        ? {
            throughput: {
              requestsPerSec: progress.requestsPerSec,
              tokensPerSec: progress.tokensPerSec,
              ...(progress.etaSeconds !== null ? { etaSeconds: progress.etaSeconds } : {}),
            },
          }
        : {}),
    };
  }

  private async countOutput(state: RunState): Promise<RequestCounts> {
    const counts: RequestCounts = { total: state.total, succeeded: 0, failed: 0, processing: 0, expired: 0, canceled: 0 };
    for await (const r of this.readOutput(state.id)) {
      if (r.outcome === 'succeeded') counts.succeeded++;
      else counts.failed++;
    }
    const unanswered = Math.max(0, state.total - counts.succeeded - counts.failed);
    if (state.state === 'cancelled') counts.canceled = unanswered;
    else if (state.state === 'running') counts.processing = unanswered;
    else counts.failed += unanswered; // a failed run: lines never answered did not succeed
    return counts;
  }

  /** Answers in the output file; a torn last line (a kill mid-write) is skipped, the runner repairs it on resume. */
  private async *readOutput(id: string, opts: { dedupe?: boolean } = {}): AsyncGenerator<ProviderResult> {
    const path = join(this.dir(id), 'output.jsonl');
    // Counting needs each id once; the results join settles duplicates itself (and keeps memory flat without this Set).
    const seen = opts.dedupe === false ? undefined : new Set<string>();
    try {
      const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
      for await (const line of rl) {
        if (!line.trim()) continue;
        const r = parseOpenAIOutputLine(line);
        if (!r.customId || seen?.has(r.customId)) continue;
        seen?.add(r.customId);
        yield r;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  async list(opts: { after?: string; limit?: number } = {}): Promise<ListPage> {
    const names = (await readdir(this.runsDir).catch(() => [] as string[])).filter((n) => n.startsWith('local-')).sort().reverse();
    const start = opts.after ? names.indexOf(opts.after) + 1 : 0;
    const limit = opts.limit ?? 20;
    const page = names.slice(start, start + limit);
    // Listing reports runs as recorded; it does not resume them (only polling a run does).
    const batches = (await Promise.all(page.map(async (id) => this.readState(id).then(async (s) => this.remote(s, await this.countOutput(s))).catch(() => undefined)))).filter((b): b is RemoteBatch => b !== undefined);
    return { batches, ...(start + limit < names.length ? { next: page[page.length - 1] } : {}) };
  }

  async cancel(remoteId: string): Promise<RemoteBatch> {
    const state = await this.readState(remoteId);
    if (state.state === 'running') await this.writeState({ ...state, state: 'cancelled', endedAt: new Date().toISOString() });
    const run = active.get(remoteId);
    if (run) {
      run.controller.abort();
      await run.done.catch(() => undefined);
    }
    return this.retrieve(remoteId);
  }

  async delete(remoteId: string): Promise<void> {
    const state = await this.readState(remoteId);
    if (state.state === 'running') throw new ProviderError(`Run ${remoteId} is still running: cancel it first.`, 409);
    await rm(this.dir(remoteId), { recursive: true, force: true });
  }

  async *results(batch: RemoteBatch): AsyncIterable<ProviderResult> {
    const state = await this.readState(batch.id);
    // The answered ids are needed only to name what a cancel left out (a Set of 500,000 ids otherwise for nothing).
    const answered = state.state === 'cancelled' ? new Set<string>() : undefined;
    for await (const r of this.readOutput(batch.id, { dedupe: false })) {
      answered?.add(r.customId);
      yield r;
    }
    if (!answered) return;
    // Lines a cancel left unanswered are reported as canceled rather than missing.
    const rl = createInterface({ input: createReadStream(join(this.dir(batch.id), 'input.jsonl')), crlfDelay: Infinity });
    for await (const line of rl) {
      const id = customIdOf(line);
      if (id !== undefined && !answered.has(id)) yield { customId: id, outcome: 'canceled', raw: null, errorCode: 'batch_cancelled', errorMessage: 'The run was canceled before this request was sent.' };
    }
  }

  consoleUrl(): string | undefined {
    return undefined;
  }
}


function customIdOf(line: string): string | undefined {
  try {
    const v = JSON.parse(line) as { custom_id?: unknown };
    return typeof v.custom_id === 'string' ? v.custom_id : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until a local run in this process finishes (the CLI keeps the process alive with it). */
export async function waitForLocalRun(remoteId: string): Promise<void> {
  await active.get(remoteId)?.done.catch(() => undefined);
}

/**
 * Stops every run of this process without cancelling it (run.json stays `running`), e.g. on Ctrl+C or when the
 * extension deactivates: the next poll, from any process, resumes where it stopped.
 */
export async function pauseLocalRuns(): Promise<void> {
  const runs = [...active.values()];
  for (const run of runs) run.controller.abort();
  await Promise.all(runs.map((r) => r.done.catch(() => undefined)));
}
