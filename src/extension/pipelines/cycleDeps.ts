import type { BatchwiseContext } from '../context';
import type { Job } from '../../core/jobs/job';
import type { LoadedPipeline } from '../../core/pipeline/load';
import type { Pipeline } from '../../core/pipeline/schema';
import { openCycle, readPipelineState } from '../../core/pipeline/state';
import { localTimeZone } from '../../core/monitor/aggregate';
import type { CycleDeps } from '../../jobs/pipeline/cycle';
import { defaultProfile, type BatchProvider } from '../../providers/index';
import { providerFor, resolveProfile, type ProfileTarget } from '../profiles';

/** A pipeline's `provider`, `profile` and `baseUrl` as the profile target the rest of the extension resolves. */
export function pipelineTarget(p: Pick<Pipeline, 'provider' | 'profile' | 'baseUrl'>): ProfileTarget {
  return { provider: p.provider, profile: p.profile ?? defaultProfile(p.provider, p.baseUrl).name, ...(p.baseUrl ? { baseUrl: p.baseUrl } : {}) };
}

/**
 * The cycle's dependencies in the extension: adapters from the extension's profiles and SecretStorage keys (asked for
 * now, before the cycle starts, since the cycle asks for adapters synchronously), the `batchwise.budget` setting, and
 * polls starting at the tracker's interval. Undefined when the user cancels a key prompt.
 */
export async function extensionCycleDeps(ctx: BatchwiseContext, loaded: LoadedPipeline, extra: Partial<CycleDeps>): Promise<CycleDeps | undefined> {
  const adapters = new Map<string, BatchProvider>();
  const keyOf = (t: ProfileTarget) => JSON.stringify(resolveProfile(ctx, t));
  const add = async (t: ProfileTarget): Promise<boolean> => {
    const k = keyOf(t);
    if (adapters.has(k)) return true;
    const provider = await providerFor(ctx, t);
    if (provider) adapters.set(k, provider);
    return !!provider;
  };
  const target = pipelineTarget(loaded.pipeline);
  if (!(await add(target))) return undefined;
  // A cycle left open (VS Code closed mid-cycle) continues with the jobs it has: their profiles are resolved too.
  const open = openCycle(await readPipelineState(ctx.store.home, loaded.file, loaded.pipeline.name));
  for (const id of open?.jobs ?? []) {
    const job = await ctx.store.get(id);
    if (job && !(await add(jobTarget(job)))) return undefined;
  }
  const budget = ctx.config.budget;
  return {
    store: ctx.store,
    env: process.env,
    providerFor: () => adapters.get(keyOf(target))!,
    providerForJob: (job) => {
      const a = adapters.get(keyOf(jobTarget(job)));
      if (!a) throw new Error(`no adapter for job ${job.id} (profile "${job.profile}", ${job.provider}): run "Batchwise: Set API Key" for it, then Run Now again`);
      return a;
    },
    ...(budget ? { budget } : {}),
    quotas: ctx.config.quotas,
    deleteInputFiles: ctx.config.deleteInputFilesWhenDone,
    timeZone: localTimeZone(),
    intervalMs: Math.min(5000, ctx.config.pollIntervalSeconds * 1000),
    ...extra,
  };
}

function jobTarget(job: Pick<Job, 'provider' | 'profile' | 'baseUrl'>): ProfileTarget {
  return { provider: job.provider, profile: job.profile, ...(job.baseUrl ? { baseUrl: job.baseUrl } : {}) };
}
