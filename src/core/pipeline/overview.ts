import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPipeline, PipelineFileError, type LoadedPipeline } from './load';
import { PIPELINE_FILE, scheduleOf } from './schema';
import { nextRunAfter } from './schedule';
import { lastCycle, readPipelineState, type Cycle } from './state';

/** Folders never searched for pipeline files. */
const SKIP = new Set(['node_modules', '.git', 'dist', 'out', '.venv', 'venv', '__pycache__']);

/** Pipeline files in `dir` and its subfolders (a few levels down, skipping dependency and build folders), sorted. */
export async function findPipelineFiles(dir: string, depth = 4): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string, level: number) => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.isFile() && PIPELINE_FILE.test(e.name)) found.push(join(d, e.name));
      else if (e.isDirectory() && level < depth && !SKIP.has(e.name) && !e.name.startsWith('.')) await walk(join(d, e.name), level + 1);
    }
  };
  await walk(dir, 0);
  return found.sort();
}

/** One pipeline as `pipeline list`, `serve` and the Pipelines view show it. */
export interface PipelineOverview {
  file: string;
  name: string;
  /** The file's problems, when it cannot be used (the rest of the fields are then empty). */
  problem?: string;
  loaded?: LoadedPipeline;
  schedule?: string;
  timezone?: string;
  nextRun?: Date;
  paused: boolean;
  /** The newest schedule slot already run or skipped, and when the schedule started counting (state.ts). */
  lastSlot?: string;
  scheduleSince?: string;
  running?: Cycle;
  last?: Cycle;
  cycles: Cycle[];
}

export async function pipelineOverview(home: string, file: string, now = new Date()): Promise<PipelineOverview> {
  let loaded: LoadedPipeline;
  try {
    loaded = await loadPipeline(file);
  } catch (err) {
    const problem = err instanceof PipelineFileError ? err.message : `${file}: ${err instanceof Error ? err.message : String(err)}`;
    return { file, name: file.split(/[\\/]/).pop()!, problem, paused: false, cycles: [] };
  }
  const state = await readPipelineState(home, loaded.file, loaded.pipeline.name);
  const schedule = scheduleOf(loaded.pipeline);
  const next = schedule ? nextRunAfter(schedule, now) : null;
  const running = state.cycles.findLast((c) => c.status === 'running');
  const last = lastCycle(state);
  return {
    file: loaded.file,
    name: loaded.pipeline.name,
    loaded,
    ...(schedule ? { schedule: schedule.cron, ...(schedule.timezone ? { timezone: schedule.timezone } : {}) } : {}),
    ...(next ? { nextRun: next } : {}),
    paused: state.paused,
    ...(state.lastSlot ? { lastSlot: state.lastSlot } : {}),
    ...(state.scheduleSince ? { scheduleSince: state.scheduleSince } : {}),
    ...(running ? { running } : {}),
    ...(last ? { last } : {}),
    cycles: state.cycles,
  };
}
