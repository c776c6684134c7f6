import type { ProviderProfile } from '../../providers/types';

/** No `vscode` here, so the shape of the sandbox profiles is checked against the emulator by tests. */

/** The emulator accepts any non-empty key; this one makes it obvious in logs what is being used. */
export const SANDBOX_KEY = 'sandbox-no-key-needed';

/** One profile per provider at the emulator's URL: OpenAI and the local runner under `/v1`, Anthropic and Gemini at the root. */
export function sandboxProfiles(url: string): ProviderProfile[] {
  return [
    { name: 'sandbox-openai', provider: 'openai', baseUrl: `${url}/v1` },
    { name: 'sandbox-anthropic', provider: 'anthropic', baseUrl: url },
    { name: 'sandbox-gemini', provider: 'gemini', baseUrl: url },
    { name: 'sandbox-local', provider: 'local', baseUrl: `${url}/v1`, concurrency: 4 },
  ];
}
