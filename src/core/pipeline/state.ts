import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../fsAtomic';

/**
 * What a pipeline has done, in the job store (`<home>/pipelines/<key>/state.json`) beside its jobs: its cycles, step by
 * step, so a cycle killed half-way continues where it stopped; the last scheduled slot handled; Pause.
 * The CLI, `serve` and the extension all read and write it.
 */

export const CycleStepSchema = z.enum(['preparing', 'submitting', 'running', 'writing', 'hook', 'done']);
export type CycleStep = z.infer<typeof CycleStepSchema>;

/** `completed`: every line succeeded; `failed`: it ended with failures left; `refused`: nothing sent (budget, invalid input); `error`: it could not go on. */
export const CycleStatusSchema = z.enum(['running', 'completed', 'failed', 'refused', 'error']);
export type CycleStatus = z.infer<typeof CycleStatusSchema>;

export const CycleTriggerSchema = z.enum(['manual', 'schedule', 'catch-up']);
export type CycleTrigger = z.infer<typeof CycleTriggerSchema>;

const HookRunSchema = z.object({
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  /** null: killed, or could not start (see `error`). */
  exitCode: z.number().int().nullable().optional(),
  error: z.string().optional(),
});

const WebhookRunSchema = z.object({
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  delivered: z.boolean().optional(),
  attempts: z.number().int().nonnegative().optional(),
  status: z.number().int().optional(),
  error: z.string().optional(),
});

export const CycleSchema = z.object({
  id: z.string().min(1),
  trigger: CycleTriggerSchema,
  /** The schedule slot this cycle runs for. */
  scheduledFor: z.string().optional(),
  startedAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  step: CycleStepSchema,
  status: CycleStatusSchema,
  /** The status it ends with once its hooks have run (kept so a resumed cycle ends as it would have). */
  ending: CycleStatusSchema.exclude(['running']).optional(),
  /** Why it was refused or stopped, in one sentence. */
  message: z.string().optional(),
  /** The request file submitted (the pipeline's own file, or one the cycle built or had a command write). */
  inputPath: z.string().optional(),
  /** The cycle's jobs: the first submission, then each retry. */
  jobs: z.array(z.string()).default([]),
  succeeded: z.number().int().nonnegative().optional(),
  failed: z.number().int().nonnegative().optional(),
  outputs: z.array(z.string()).default([]),
  results: z.string().optional(),
  hook: HookRunSchema.optional(),
  webhook: WebhookRunSchema.optional(),
});
export type Cycle = z.infer<typeof CycleSchema>;

export const PipelineStateSchema = z.object({
  version: z.literal(1),
  /** The pipeline file's absolute path. */
  file: z.string(),
  name: z.string(),
  paused: z.boolean().default(false),
  /** When the schedule started counting: the first time a scheduler saw the pipeline. */
  scheduleSince: z.string().optional(),
  /** The newest slot already run or skipped. */
  lastSlot: z.string().optional(),
  /** Slots not run: missed while nothing was running, or dropped by `catchUp: skip`. */
  skippedSlots: z.number().int().nonnegative().default(0),
  cycles: z.array(CycleSchema).default([]),
});
export type PipelineState = z.infer<typeof PipelineStateSchema>;

/** The last cycles kept in the state file; their jobs stay in the store. */
export const CYCLES_KEPT = 50;

/** A folder name for the pipeline: readable (its file's name), unique (a hash of its absolute path). */
export function pipelineKey(file: string): string {
  const abs = resolve(file);
  const base = abs.split(/[\\/]/).pop()!.replace(/\.batchwise\.(ya?ml|json)$/i, '').replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 40) || 'pipeline';
  return `${base}-${createHash('sha256').update(abs).digest('hex').slice(0, 10)}`;
}

export function pipelineDir(home: string, file: string): string {
  return join(home, 'pipelines', pipelineKey(file));
}

export function cycleDir(home: string, file: string, cycleId: string): string {
  return join(pipelineDir(home, file), 'cycles', cycleId);
}

function statePath(home: string, file: string): string {
  return join(pipelineDir(home, file), 'state.json');
}

/** `c-20261203-020000-1a2b`: sortable by start, unique. */
export function newCycleId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `c-${t}-${randomBytes(2).toString('hex')}`;
}

export class PipelineStateError extends Error {}

/** The state, or a fresh one; a state file that cannot be read is an error that names it (never silently reset). */
export async function readPipelineState(home: string, file: string, name: string): Promise<PipelineState> {
  const path = statePath(home, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, file: resolve(file), name, paused: false, skippedSlots: 0, cycles: [] };
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PipelineStateError(`${path} is not valid JSON: repair it, or remove it to start the pipeline's history afresh (its jobs stay in the store)`);
  }
  const parsed = PipelineStateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PipelineStateError(`${path} is not a Batchwise pipeline state (${issue?.path.join('.') || '(root)'}: ${issue?.message}): repair it, or remove it to start afresh`);
  }
  return { ...parsed.data, name };
}

/** Read-modify-write; the caller holds the pipeline's lock, except for Pause (a single field, see setPaused). */
export async function updatePipelineState(home: string, file: string, name: string, change: (s: PipelineState) => PipelineState): Promise<PipelineState> {
  const next = change(await readPipelineState(home, file, name));
  const kept = { ...next, cycles: next.cycles.slice(-CYCLES_KEPT) };
  await writeFileAtomic(statePath(home, file), JSON.stringify(PipelineStateSchema.parse(kept), null, 2) + '\n');
  return kept;
}

/** Replaces one cycle (by id) and stamps it. */
export function withCycle(state: PipelineState, cycle: Cycle): PipelineState {
  const stamped = { ...cycle, updatedAt: new Date().toISOString() };
  const i = state.cycles.findIndex((c) => c.id === cycle.id);
  return { ...state, cycles: i < 0 ? [...state.cycles, stamped] : state.cycles.map((c, j) => (j === i ? stamped : c)) };
}

/** The cycle still going (at most one: a new one starts only after it ends). */
export function openCycle(state: PipelineState): Cycle | undefined {
  return state.cycles.findLast((c) => c.status === 'running');
}

export function lastCycle(state: PipelineState): Cycle | undefined {
  return state.cycles.at(-1);
}

/** Pause/Resume: `serve` starts no scheduled cycle of a paused pipeline (a running one finishes). */
export async function setPaused(home: string, file: string, name: string, paused: boolean): Promise<PipelineState> {
  return updatePipelineState(home, file, name, (s) => ({ ...s, paused }));
}
