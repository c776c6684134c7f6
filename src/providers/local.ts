import { mkdir, readFile, readdir } from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { join } from 'node:path';
import { z } from 'zod';
import type { ProviderResult } from '../core/results/record';
import type { RequestCounts } from '../core/status';
import { writeFileAtomic } from '../core/fsAtomic';
import { runBatch, type RunProgress } from '../runner/runner';
import { parseOpenAIOutputLine } from './openai';
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
  progress: RunProgress;
  done: Promise<void>;
}

/** Runs in this process, by remote id: shared by every LocalProvider instance (the tracker creates one per poll). */
const active = new Map<string, ActiveRun>();

/**
 * The self-hosted "batch API": Batchwise sends the lines itself (src/runner) to a vLLM / Ollama / LM Studio /
 * llama.cpp / any OpenAI-compatible server. A run lives in `<runsDir>/<id>/` (input, output, run.json) so it is
 * tracked like a remote batch and resumes where it stopped after a restart.
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
    let text: string;
    try {
      text = await readFile(join(this.dir(id), 'run.json'), 'utf8');
    } catch {
      throw new ProviderError(`No local run "${id}" in ${this.runsDir}.`, 404);
    }
    return RunStateSchema.parse(JSON.parse(text));
  }

  private async writeState(state: RunState): Promise<void> {
    await writeFileAtomic(join(this.dir(state.id), 'run.json'), JSON.stringify(state, null, 2) + '\n');
  }

  private start(state: RunState): ActiveRun {
    const controller = new AbortController();
    const run: ActiveRun = {
      controller,
      progress: { total: state.total, done: 0, succeeded: 0, failed: 0, skipped: 0, inFlight: 0, requestsPerSec: 0, tokensPerSec: 0, etaSeconds: null },
      done: Promise.resolve(),
    };
    run.done = runBatch({
      inputPath: join(this.dir(state.id), 'input.jsonl'),
      outPath: join(this.dir(state.id), 'output.jsonl'),
      baseUrl: state.baseUrl,
      apiKey: this.apiKey,
      concurrency: state.concurrency,
      signal: controller.signal,
      onProgress: (p) => (run.progress = p),
    })
      .then(async (summary) => {
        if (!summary.cancelled) await this.writeState({ ...state, state: 'completed', endedAt: new Date().toISOString() });
      })
      .catch(async (err: unknown) => {
        // Recorded in run.json so the tracker shows why the run stopped; a later retrieve does not restart it.
        const message = err instanceof Error ? err.message : String(err);
        await this.writeState({ ...state, state: 'failed', error: message, endedAt: new Date().toISOString() }).catch(() => undefined);
      })
      .finally(() => active.delete(state.id));
    active.set(state.id, run);
    return run;
  }

  async create(part: SubmitPart): Promise<RemoteBatch> {
    const id = `local-${part.jobId}-${part.partIndex}`;
    await mkdir(this.dir(id), { recursive: true });
    const out = createWriteStream(join(this.dir(id), 'input.jsonl'));
    let total = 0;
    for await (const line of part.lines) {
      if (!out.write(line + '\n')) await once(out, 'drain');
      total++;
    }
    out.end();
    await once(out, 'close');
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
    await this.writeState(state);
    this.start(state);
    return this.retrieve(id);
  }

  async retrieve(remoteId: string): Promise<RemoteBatch> {
    const state = await this.readState(remoteId);
    let run = active.get(remoteId);
    // A run that was going when the process stopped resumes (answered lines are skipped).
    if (!run && state.state === 'running') run = this.start(state);
    if (run) {
      const p = run.progress;
      return this.remote(state, { total: state.total, succeeded: p.succeeded, failed: p.failed, processing: Math.max(0, state.total - p.done), expired: 0, canceled: 0 }, p);
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
      endpoint: state.endpoint ?? undefined,
      model: state.model ?? undefined,
      createdAt: state.createdAt,
      endedAt: state.endedAt,
      outputFileId: join(this.dir(state.id), 'output.jsonl'),
      errors: state.error ? [{ code: 'run_failed', message: state.error }] : [],
      metadata: progress
        ? {
            requestsPerSec: progress.requestsPerSec.toFixed(2),
            tokensPerSec: progress.tokensPerSec.toFixed(0),
            ...(progress.etaSeconds !== null ? { etaSeconds: String(progress.etaSeconds) } : {}),
          }
        : undefined,
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
    else counts.processing = unanswered;
    return counts;
  }

  private async *readOutput(id: string): AsyncGenerator<ProviderResult> {
    const path = join(this.dir(id), 'output.jsonl');
    let rl;
    try {
      rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
      for await (const line of rl) {
        const r = parseOpenAIOutputLine(line);
        if (r) yield r;
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
    const batches = await Promise.all(page.map((id) => this.retrieve(id)));
    return { batches, ...(start + limit < names.length ? { next: page[page.length - 1] } : {}) };
  }

  async cancel(remoteId: string): Promise<RemoteBatch> {
    const state = await this.readState(remoteId);
    const run = active.get(remoteId);
    if (state.state === 'running') await this.writeState({ ...state, state: 'cancelled', endedAt: new Date().toISOString() });
    if (run) {
      run.controller.abort();
      await run.done.catch(() => undefined);
    }
    return this.retrieve(remoteId);
  }

  async *results(batch: RemoteBatch): AsyncIterable<ProviderResult> {
    const state = await this.readState(batch.id);
    const answered = new Set<string>();
    for await (const r of this.readOutput(batch.id)) {
      answered.add(r.customId);
      yield r;
    }
    if (state.state !== 'cancelled') return;
    // Lines a cancel left unanswered are reported as canceled rather than missing.
    const rl = createInterface({ input: createReadStream(join(this.dir(batch.id), 'input.jsonl')), crlfDelay: Infinity });
    for await (const line of rl) {
      const id = customIdOf(line);
      if (id !== undefined && !answered.has(id)) yield { customId: id, outcome: 'canceled', raw: null, errorCode: 'batch_cancelled', errorMessage: 'The run was cancelled before this request was sent.' };
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
