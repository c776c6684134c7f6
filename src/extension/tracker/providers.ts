import * as vscode from 'vscode';
import type { BatchwiseContext } from '../context';
import type { Job } from '../../core/jobs/job';
import type { BatchProvider } from '../../providers/types';
import { providerFor, resolveProfile, type ProfileTarget } from '../profiles';

/**
 * One adapter per profile for the tracker. Background polls ask for a missing API key at most once per profile
 * per session (the promise is cached, a cancel included), so a running job never floods the user with prompts;
 * a key change or a settings change starts over.
 */
export class TrackerProviders implements vscode.Disposable {
  private readonly cache = new Map<string, Promise<BatchProvider | undefined>>();
  private readonly subs: vscode.Disposable[];

  constructor(private readonly ctx: BatchwiseContext) {
    this.subs = [ctx.keys.onDidChange(() => this.cache.clear()), ctx.config.onDidChange(() => this.cache.clear())];
  }

  /** Keyed by the profile the job resolves to now, so a sandbox restarted on another port gets a fresh adapter. */
  private key(job: Pick<Job, 'provider' | 'profile' | 'baseUrl'>): string {
    return JSON.stringify(resolveProfile(this.ctx, this.target(job)));
  }

  private target(job: Pick<Job, 'provider' | 'profile' | 'baseUrl'>): ProfileTarget {
    return { profile: job.profile, provider: job.provider, ...(job.baseUrl ? { baseUrl: job.baseUrl } : {}) };
  }

  /** `interactive`: a user action, so a cancelled key prompt earlier is asked again. */
  async get(job: Pick<Job, 'provider' | 'profile' | 'baseUrl'>, interactive = false): Promise<BatchProvider | undefined> {
    const k = this.key(job);
    const cached = this.cache.get(k);
    if (cached && !(interactive && (await cached) === undefined)) return cached;
    const p = providerFor(this.ctx, this.target(job)).catch((err: unknown) => {
      this.ctx.log.error(`profile "${job.profile}" (${job.provider}) is not usable`, err);
      this.cache.delete(k);
      throw err;
    });
    this.cache.set(k, p);
    return p;
  }

  /** For background work: throws a message that says what to do when there is no adapter. */
  async require(job: Job, interactive = false): Promise<BatchProvider> {
    const provider = await this.get(job, interactive);
    if (!provider) throw new Error(`no API key for profile "${job.profile}" (${job.provider}): run "Batchwise: Set API Key", then Refresh`);
    return provider;
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.cache.clear();
  }
}
