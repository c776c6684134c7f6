import type { ProviderId } from '../core/status';
import type { ProviderProfile } from './types';
import { HOSTS } from '../core/hosts';
import { withDetectedHost } from './hostProfile';

/** No `vscode` here: which profiles a picker offers, and how each is described, is tested without a window. */

export const PROVIDER_LABEL: Record<ProviderId, string> = { openai: 'OpenAI', anthropic: 'Anthropic', gemini: 'Google Gemini', local: 'Local server' };

const sameUrl = (a: string | undefined, b: string | undefined) => (a ?? '').replace(/\/+$/, '') === (b ?? '').replace(/\/+$/, '');

/**
 * Every usable profile, each name once: the sandbox's first (the user started it to use it), then the settings',
 * then the built-in defaults. A sandbox profile that a settings profile already covers (same provider, same URL:
 * `npm run demo` configures its emulator in the settings, and the sandbox shares that emulator) is left out, so a
 * picker never offers two look-alikes for one server.
 */
export function mergeProfiles(sandbox: readonly ProviderProfile[], settings: readonly ProviderProfile[], defaults: readonly ProviderProfile[]): ProviderProfile[] {
  const out: ProviderProfile[] = [];
  const seen = new Set<string>();
  const add = (p: ProviderProfile) => {
    if (seen.has(p.name)) return;
    seen.add(p.name);
    out.push(p);
  };
  for (const p of sandbox) if (!settings.some((s) => s.provider === p.provider && s.baseUrl && sameUrl(s.baseUrl, p.baseUrl))) add(p);
  settings.forEach(add);
  defaults.forEach(add);
  return out;
}

/** The origin of a base URL on this machine (127.0.0.1, localhost, [::1]), else undefined. */
export function loopbackOrigin(baseUrl: string | undefined): string | undefined {
  if (!baseUrl) return undefined;
  try {
    const u = new URL(baseUrl);
    return u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

/** What a profile is, for a picker's description: "OpenAI · sandbox (local emulator)", "Anthropic · official API". */
export function profileDescription(p: ProviderProfile, sandboxUrl: string | undefined): string {
  if (p.azure) return `Azure OpenAI · ${p.azure.auth === 'entra' ? 'Microsoft Entra ID' : 'API key'} · api-version ${p.azure.apiVersion}`;
  const host = withDetectedHost(p).host;
  if (host) return `${HOSTS[host].label} · OpenAI-compatible batch host${HOSTS[host].support === 'none' ? ' (validation only)' : ''}`;
  const kind =
    sandboxUrl && loopbackOrigin(p.baseUrl) === loopbackOrigin(sandboxUrl)
      ? 'sandbox (local emulator, no API key needed)'
      : !p.baseUrl
        ? 'official API'
        : p.provider === 'local'
          ? 'OpenAI-compatible server'
          : loopbackOrigin(p.baseUrl)
            ? 'a server on this machine'
            : 'custom base URL';
  return `${PROVIDER_LABEL[p.provider]} · ${kind}`;
}
