import { join } from 'node:path';
import type { Job } from '../core/jobs/job';
import { JobStore } from '../core/jobs/store';
import type { ProviderId } from '../core/status';
import { UsageError } from '../cli/io';
import { API_KEY_ENV, BASE_URL_ENV } from '../providers/env';
import { createProvider, defaultHome, defaultProfile, type CreateProviderOptions } from '../providers';
import type { BatchProvider, ProviderProfile } from '../providers/types';
import { AZURE_DEFAULT_API_VERSION, AZURE_ENV, azureProfile, isAzureProfileName } from '../providers/azureProfile';
import { HOSTS, type HostId } from '../core/hosts';
import { detectHost, hostApiKey, hostProfile } from '../providers/hostProfile';

/** The job store the CLI uses: `$BATCHWISE_HOME` (default `~/.batchwise`), shared with the extension. */
export function cliStore(env: NodeJS.ProcessEnv = process.env): JobStore {
  return new JobStore(defaultHome(env));
}

/** Retry tuning from the environment: `BATCHWISE_RETRY_BASE_MS` shortens backoff (tests, the sandbox). */
function retryFromEnv(env: NodeJS.ProcessEnv): CreateProviderOptions['retry'] {
  const base = Number(env.BATCHWISE_RETRY_BASE_MS);
  return Number.isFinite(base) && base >= 0 && env.BATCHWISE_RETRY_BASE_MS !== undefined ? { baseDelayMs: base } : undefined;
}

function keyFor(profile: ProviderProfile, env: NodeJS.ProcessEnv): string | undefined {
  const provider = profile.provider;
  if (profile.azure) return profile.azure.auth === 'entra' ? undefined : env[AZURE_ENV.apiKey]?.trim() || undefined;
  if (profile.host) {
    const key = hostApiKey(profile.host, env);
    const own = HOSTS[profile.host].apiKeyEnv;
    if (!key) throw new UsageError(`${own} is not set: export ${own}=... (${API_KEY_ENV.openai} works too; any non-empty value works against the emulator)`);
    return key;
  }
  const name = API_KEY_ENV[provider];
  const key = name ? env[name] : undefined;
  if (provider !== 'local' && !key) {
    throw new UsageError(`${name} is not set: export ${name}=... (any non-empty value works against the emulator)`);
  }
  return key || undefined;
}

function fromProfile(profile: ProviderProfile, env: NodeJS.ProcessEnv, retries?: number): BatchProvider {
  const retry = retries === undefined ? retryFromEnv(env) : { ...retryFromEnv(env), retries };
  return createProvider(profile, keyFor(profile, env), { runsDir: join(defaultHome(env), 'runs'), retry });
}

/** CLI: provider + --base-url (else the SDK's own base URL variable, e.g. OPENAI_BASE_URL) -> adapter, with the key from the provider's environment variable. */
export function providerFromCli(provider: ProviderId, flagBaseUrl?: string, env: NodeJS.ProcessEnv = process.env, profileName?: string, flagHost?: HostId): BatchProvider {
  const envName = BASE_URL_ENV[provider];
  const baseUrl = flagBaseUrl || (envName ? env[envName]?.trim() || undefined : undefined);
  if (provider === 'local' && !baseUrl) throw new UsageError('the local provider needs --base-url, e.g. http://localhost:8000/v1 (vLLM) or http://localhost:11434/v1 (Ollama)');
  // `--host together`, or a base URL on a known batch host: that host's profile kind of the openai provider.
  const host = provider === 'openai' ? detectHost(flagHost, baseUrl) : undefined;
  if (host) return fromProfile(hostProfile(host, baseUrl, profileName), env);
  // A named profile (a pipeline's `profile`) is recorded on the job, so VS Code follows it with that profile's settings.
  return fromProfile({ ...defaultProfile(provider, baseUrl), ...(profileName ? { name: profileName } : {}) }, env);
}

/**
 * `--provider azure`: the endpoint (`--base-url` or AZURE_OPENAI_ENDPOINT), OPENAI_API_VERSION (else the GA default),
 * the key in AZURE_OPENAI_API_KEY; without a key, Microsoft Entra ID (DefaultAzureCredential: `az login`, a managed
 * identity, AZURE_CLIENT_ID/AZURE_TENANT_ID/...). The same variables the openai SDK's AzureOpenAI client reads.
 */
export function azureProfileFromEnv(env: NodeJS.ProcessEnv, endpoint?: string, name?: string): ProviderProfile {
  const url = endpoint?.trim() || env[AZURE_ENV.endpoint]?.trim();
  if (!url) throw new UsageError(`--provider azure needs the resource endpoint: export ${AZURE_ENV.endpoint}=https://RESOURCE.openai.azure.com (or pass --base-url)`);
  const apiVersion = env[AZURE_ENV.apiVersion]?.trim() || AZURE_DEFAULT_API_VERSION;
  return azureProfile({ endpoint: url, apiVersion, auth: env[AZURE_ENV.apiKey]?.trim() ? 'key' : 'entra' }, name);
}

/** CLI: an Azure OpenAI adapter configured from the environment (see azureProfileFromEnv). */
export function azureProviderFromCli(flagBaseUrl?: string, env: NodeJS.ProcessEnv = process.env, profileName?: string): BatchProvider {
  return fromProfile(azureProfileFromEnv(env, flagBaseUrl, profileName), env);
}

/**
 * CLI: the adapter for an existing job (its provider, base URL and profile name as recorded at submit). `retries`
 * caps the retries of each call for work on the side (e.g. `list` keeping results), which must not stall the command.
 */
export function providerForJob(job: Job, env: NodeJS.ProcessEnv = process.env, opts: { retries?: number } = {}): BatchProvider {
  // An Azure job keeps its endpoint as base URL; the api-version and the key come from the environment as at submit.
  if (job.provider === 'openai' && job.baseUrl && isAzureProfileName(job.profile)) return fromProfile(azureProfileFromEnv(env, job.baseUrl, job.profile), env, opts.retries);
  // A host job (`together@...`) keeps its host, also on a base URL that does not tell (the emulator, a proxy).
  const host = job.provider === 'openai' ? detectHost(undefined, job.baseUrl, job.profile) : undefined;
  if (host) return fromProfile(hostProfile(host, job.baseUrl, job.profile), env, opts.retries);
  return fromProfile({ ...defaultProfile(job.provider, job.baseUrl), name: job.profile }, env, opts.retries);
}
