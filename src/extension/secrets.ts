import * as vscode from 'vscode';
import type { ProviderId } from '../core/status';
import { API_KEY_ENV } from '../providers/env';

/**
 * API keys in SecretStorage, one per profile. The provider's environment variable is a fallback,
 * so a key exported for the CLI (or the sandbox) also works in VS Code. Keys never reach settings, logs or webviews.
 */
export class ApiKeys {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  private slot(profile: string): string {
    return `batchwise.apiKey.${profile}`;
  }

  /** `env` replaces the provider's variable (an Azure OpenAI profile falls back to AZURE_OPENAI_API_KEY, not OPENAI_API_KEY). */
  async get(profile: string, provider: ProviderId, env: string | undefined = API_KEY_ENV[provider]): Promise<string | undefined> {
    const stored = await this.secrets.get(this.slot(profile));
    if (stored) return stored;
    return env ? process.env[env] || undefined : undefined;
  }

  async set(profile: string, key: string): Promise<void> {
    await this.secrets.store(this.slot(profile), key);
  }

  async delete(profile: string): Promise<void> {
    await this.secrets.delete(this.slot(profile));
  }

  onDidChange(listener: () => void): vscode.Disposable {
    return this.secrets.onDidChange((e) => {
      if (e.key.startsWith('batchwise.apiKey.')) listener();
    });
  }
}
