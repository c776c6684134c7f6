import { join } from 'node:path';
import type { Job } from '../core/jobs/job';
import { JobStore } from '../core/jobs/store';
import type { ProviderId } from '../core/status';
import { UsageError } from '../cli/io';
import { API_KEY_ENV, BASE_URL_ENV } from '../providers/env';
import { createProvider, defaultHome, defaultProfile, type CreateProviderOptions } from '../providers';
import type { BatchProvider, ProviderProfile } from '../providers/types';

/** The job store the CLI uses: `$BATCHWISE_HOME` (default `~/.batchwise`), shared with the extension. */
export function cliStore(env: NodeJS.ProcessEnv = process.env): JobStore {
  return new JobStore(defaultHome(env));
}

/** Retry tuning from the environment: `BATCHWISE_RETRY_BASE_MS` shortens backoff (tests, the sandbox). */
function retryFromEnv(env: NodeJS.ProcessEnv): CreateProviderOptions['retry'] {
  const base = Number(env.BATCHWISE_RETRY_BASE_MS);
  return Number.isFinite(base) && base >= 0 && env.BATCHWISE_RETRY_BASE_MS !== undefined ? { baseDelayMs: base } : undefined;
}

function keyFor(provider: ProviderId, env: NodeJS.ProcessEnv): string | undefined {
  const name = API_KEY_ENV[provider];
  const key = name ? env[name] : undefined;
  if (provider !== 'local' && !key) {
    throw new UsageError(`${name} is not set: export ${name}=... (any non-empty value works against the emulator)`);
  }
  return key || undefined;
}

function fromProfile(profile: ProviderProfile, env: NodeJS.ProcessEnv, retries?: number): BatchProvider {
  const retry = retries === undefined ? retryFromEnv(env) : { ...retryFromEnv(env), retries };
  return createProvider(profile, keyFor(profile.provider, env), { runsDir: join(defaultHome(env), 'runs'), retry });
}

/** CLI: provider + --base-url (else the SDK's own base URL variable, e.g. OPENAI_BASE_URL) -> adapter, with the key from the provider's environment variable. */
export function providerFromCli(provider: ProviderId, flagBaseUrl?: string, env: NodeJS.ProcessEnv = process.env, profileName?: string): BatchProvider {
  const envName = BASE_URL_ENV[provider];
  const baseUrl = flagBaseUrl || (envName ? env[envName]?.trim() || undefined : undefined);
  if (provider === 'local' && !baseUrl) throw new UsageError('the local provider needs --base-url, e.g. http://localhost:8000/v1 (vLLM) or http://localhost:11434/v1 (Ollama)');
  // A named profile (a pipeline's `profile`) is recorded on the job, so VS Code follows it with that profile's settings.
  return fromProfile({ ...defaultProfile(provider, baseUrl), ...(profileName ? { name: profileName } : {}) }, env);
}

/**
 * CLI: the adapter for an existing job (its provider, base URL and profile name as recorded at submit). `retries`
 * caps the retries of each call for work on the side (e.g. `list` keeping results), which must not stall the command.
 */
export function providerForJob(job: Job, env: NodeJS.ProcessEnv = process.env, opts: { retries?: number } = {}): BatchProvider {
  return fromProfile({ ...defaultProfile(job.provider, job.baseUrl), name: job.profile }, env, opts.retries);
}
