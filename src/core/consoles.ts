import type { ProviderId } from './status';

/** The hosts whose batches have a page in the provider's web console; proxies, Azure and the emulator have none. */
const CONSOLE_HOSTS: Record<ProviderId, RegExp | undefined> = {
  openai: /^https:\/\/api\.openai\.com\b/,
  anthropic: /^https:\/\/api\.anthropic\.com\b/,
  gemini: /^https:\/\/generativelanguage\.googleapis\.com\b/,
  local: undefined,
};

/**
 * The provider's web page for a batch, or undefined. One rule for the adapters (which open it) and the tree
 * (which shows the menu item only when there is a page).
 */
export function consoleUrlFor(provider: ProviderId, baseUrl: string | undefined, remoteId: string): string | undefined {
  const host = CONSOLE_HOSTS[provider];
  if (!host || (baseUrl && !host.test(baseUrl))) return undefined;
  switch (provider) {
    case 'openai':
      return `https://platform.openai.com/batches/${encodeURIComponent(remoteId)}`;
    case 'anthropic':
      // Console page of one batch in the default workspace (URL shape as the console shows it; not an API contract).
      return `https://console.anthropic.com/workspaces/default/batches/${encodeURIComponent(remoteId)}`;
    case 'gemini':
      // AI Studio has no page per batch; the batches list is the closest.
      return 'https://aistudio.google.com/batches';
    default:
      return undefined;
  }
}
