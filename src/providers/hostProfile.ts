import { HOSTS, HostIdSchema, hostFromBaseUrl, type HostId } from '../core/hosts';
import type { ProviderProfile } from './types';

/**
 * Profiles for the OpenAI-compatible batch hosts (core/hosts.ts): provider `openai` with `host` set, named
 * `together@api.together.xyz` so a job that recorded the name is known as that host's job again, also when its base URL
 * (the emulator, a proxy) does not tell.
 */

/** `together@api.together.xyz`: the profile name a job records. */
export function hostProfileName(host: HostId, baseUrl: string): string {
  let where: string;
  try {
    where = new URL(baseUrl).host;
  } catch {
    where = baseUrl;
  }
  return `${host}@${where}`;
}

/** The host a recorded profile name stands for (`together@...`), else undefined. */
export function hostOfProfileName(name: string | undefined): HostId | undefined {
  const prefix = name?.split('@', 1)[0];
  const parsed = HostIdSchema.safeParse(prefix);
  return parsed.success && name?.includes('@') ? parsed.data : undefined;
}

/** A host profile: the host's documented base URL unless another is given (the emulator, a proxy). */
export function hostProfile(host: HostId, baseUrl?: string, name?: string): ProviderProfile {
  const url = baseUrl ?? HOSTS[host].baseUrl;
  return { name: name ?? hostProfileName(host, url), provider: 'openai', baseUrl: url, host };
}

/** The host an openai base URL or profile name points at: the explicit one, else the URL's hostname, else the name. */
export function detectHost(explicit: HostId | undefined, baseUrl: string | undefined, profileName?: string): HostId | undefined {
  return explicit ?? hostFromBaseUrl(baseUrl) ?? hostOfProfileName(profileName);
}

/** Where a host profile's key comes from: the host's own variable, else OPENAI_API_KEY (what the openai SDK reads). */
export function hostApiKey(host: HostId, env: NodeJS.ProcessEnv): string | undefined {
  return env[HOSTS[host].apiKeyEnv]?.trim() || env.OPENAI_API_KEY?.trim() || undefined;
}

/** A settings profile with `host` filled in from its base URL when it names a known batch host (openai only, not Azure). */
export function withDetectedHost(profile: ProviderProfile): ProviderProfile {
  if (profile.provider !== 'openai' || profile.azure || profile.host) return profile;
  const host = hostFromBaseUrl(profile.baseUrl);
  return host ? { ...profile, host } : profile;
}
