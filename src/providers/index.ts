import { join } from 'node:path';
import { defaultHome } from './home';
import type { Job } from '../core/jobs/job';
import type { ProviderId } from '../core/status';
import type { AnthropicProvider } from './anthropic';
import type { GeminiProvider } from './gemini';
import { LocalProvider } from './local';
import type { OpenAIProvider } from './openai';
import type { RetryTuning } from './retry';
import { ProviderError, type BatchProvider, type ProviderProfile } from './types';
import { API_KEY_ENV } from './env';
import { AZURE_DEFAULT_API_VERSION, AZURE_ENV, azureProfile, isAzureProfileName } from './azureProfile';
import { HOSTS } from '../core/hosts';
import { detectHost, hostProfile, withDetectedHost } from './hostProfile';

export { ProviderError, type BatchProvider, type ProviderProfile, type RemoteBatch, type SubmitPart, type ListPage } from './types';
export { defaultHome } from './home';
export { withRetry, toProviderError, type RetryOptions, type RetryTuning } from './retry';

export interface CreateProviderOptions {
  /** Where the self-hosted runner keeps its runs (default `$BATCHWISE_HOME/runs`). */
  runsDir?: string;
  /** Retry tuning passed to every call (tests shrink the delays). */
  retry?: RetryTuning;
  /** Replaces fetch for the OpenAI and Anthropic SDKs (tests). */
  fetch?: typeof fetch;
}

const NEEDS_KEY: ReadonlySet<ProviderId> = new Set(['openai', 'anthropic', 'gemini']);

/** The adapter for a profile. A missing key for a hosted provider is a ProviderError naming where keys come from. */
export function createProvider(given: ProviderProfile, apiKey: string | undefined, opts: CreateProviderOptions = {}): BatchProvider {
  // A profile whose base URL is a known batch host's (api.together.xyz, ...) is that host's profile kind.
  const profile = withDetectedHost(given);
  if (NEEDS_KEY.has(profile.provider) && !apiKey && !usesEntraId(profile)) {
    const env = profile.azure ? AZURE_ENV.apiKey : profile.host ? `${HOSTS[profile.host].apiKeyEnv} (or ${API_KEY_ENV.openai})` : API_KEY_ENV[profile.provider];
    const kind = profile.azure ? 'Azure OpenAI' : profile.host ? HOSTS[profile.host].label : profile.provider;
    throw new ProviderError(`No API key for profile "${profile.name}" (${kind}): set ${env} or run "Batchwise: Set API Key".`, 401, 'missing_api_key');
  }
  switch (profile.provider) {
    case 'openai':
      // An Azure profile's endpoint is its base URL: the job records it, and profileForJob finds the profile by it.
      return new (loadAdapters().openai())(profile.azure && !profile.baseUrl ? { ...profile, baseUrl: profile.azure.endpoint } : profile, apiKey ?? '', { retry: opts.retry, fetch: opts.fetch });
    case 'anthropic':
      return new (loadAdapters().anthropic())(profile, apiKey!, { retry: opts.retry, fetch: opts.fetch });
    case 'gemini':
      return new (loadAdapters().gemini())(profile, apiKey!, { retry: opts.retry });
    case 'local':
      return new LocalProvider(profile, apiKey, opts.runsDir ?? join(defaultHome(), 'runs'));
  }
}

/** An Azure profile that signs in with Microsoft Entra ID needs no API key. */
export function usesEntraId(profile: ProviderProfile): boolean {
  return profile.provider === 'openai' && profile.azure?.auth === 'entra';
}

/**
 * The hosted adapters, each required on first use: their SDKs (about 1.2 MB of code, and dist/vendor/*.js in the
 * bundles) are then parsed only by a command or an extension feature that talks to that provider, never at start-up.
 * createProvider stays synchronous for its callers, hence require rather than import().
 */
function loadAdapters() {
  /* eslint-disable @typescript-eslint/no-require-imports -- lazy on purpose, see above */
  return {
    openai: () => (require('./openai') as { OpenAIProvider: typeof OpenAIProvider }).OpenAIProvider,
    anthropic: () => (require('./anthropic') as { AnthropicProvider: typeof AnthropicProvider }).AnthropicProvider,
    gemini: () => (require('./gemini') as { GeminiProvider: typeof GeminiProvider }).GeminiProvider,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/**
 * The built-in profile for a provider: named after it, or `${provider}@${host}` when pointed at another base URL; an
 * openai base URL on a known batch host (api.together.xyz, ...) makes that host's profile (core/hosts.ts).
 */
export function defaultProfile(provider: ProviderId, baseUrl?: string): ProviderProfile {
  if (!baseUrl) return { name: provider, provider };
  const batchHost = provider === 'openai' ? detectHost(undefined, baseUrl) : undefined;
  if (batchHost) return hostProfile(batchHost, baseUrl);
  let host: string;
  try {
    host = new URL(baseUrl).host;
  } catch {
    host = baseUrl;
  }
  return { name: `${provider}@${host}`, provider, baseUrl };
}

/**
 * The profile a job was submitted with: by name (and provider), else one with the same provider and base URL,
 * else a default profile rebuilt from what the job recorded (so a job submitted from the CLI is still polled).
 */
export function profileForJob(job: Pick<Job, 'profile' | 'provider' | 'baseUrl'>, profiles: readonly ProviderProfile[]): ProviderProfile {
  // By name first, so a profile whose base URL changed since (a sandbox back on another port) still matches.
  const byName = profiles.find((p) => p.name === job.profile && p.provider === job.provider);
  if (byName) return byName;
  const byUrl = job.baseUrl ? profiles.find((p) => p.provider === job.provider && normalizeUrl(p.baseUrl ?? p.azure?.endpoint) === normalizeUrl(job.baseUrl)) : undefined;
  if (byUrl) return byUrl;
  if (job.provider === 'openai' && job.baseUrl && isAzureProfileName(job.profile)) {
    // Submitted with `--provider azure` (the job keeps the endpoint, not the api-version): key auth at the GA version.
    return azureProfile({ endpoint: job.baseUrl, apiVersion: AZURE_DEFAULT_API_VERSION, auth: 'key' }, job.profile);
  }
  // A host job (`together@...`) stays that host's, also on a base URL that does not tell (the emulator).
  const host = job.provider === 'openai' ? detectHost(undefined, job.baseUrl, job.profile) : undefined;
  if (host) return hostProfile(host, job.baseUrl, job.profile || undefined);
  return { ...defaultProfile(job.provider, job.baseUrl), name: job.profile || defaultProfile(job.provider, job.baseUrl).name };
}

function normalizeUrl(url: string | undefined): string {
  return (url ?? '').replace(/\/+$/, '');
}
