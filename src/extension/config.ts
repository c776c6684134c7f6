import * as vscode from 'vscode';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ProviderProfileSchema, type ProviderProfile } from '../providers/types';
import { PricingOverridesSchema, type PricingOverrides } from '../core/pricing';
import { BudgetSchema, type Budget } from '../core/monitor/budget';
import { QuotaSettingsSchema, type QuotaSettings } from '../core/queue/quotas';

/** One getter per setting, read fresh each time so changes apply without a reload. */
export class Config {
  private get section(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('batchwise');
  }

  /** Job store folder, shared with the CLI. */
  get home(): string {
    const configured = this.section.get<string>('home', '').trim();
    if (configured) return configured.replace(/^~(?=$|\/)/, homedir());
    return process.env.BATCHWISE_HOME || join(homedir(), '.batchwise');
  }

  get provider(): 'auto' | 'openai' | 'anthropic' | 'gemini' {
    const v = this.section.get<string>('provider', 'auto');
    return v === 'openai' || v === 'anthropic' || v === 'gemini' ? v : 'auto';
  }

  /** Profiles from the settings; invalid entries are skipped (the caller can show `invalidProfiles`). */
  get profiles(): ProviderProfile[] {
    const raw = this.section.get<unknown[]>('profiles', []);
    return (Array.isArray(raw) ? raw : []).flatMap((p) => {
      const r = ProviderProfileSchema.safeParse(p);
      return r.success ? [r.data] : [];
    });
  }

  get pollIntervalSeconds(): number {
    return Math.max(1, this.section.get<number>('pollIntervalSeconds', 30));
  }

  get maxConcurrentPolls(): number {
    return Math.max(1, this.section.get<number>('maxConcurrentPolls', 4));
  }

  get notifyOnCompletion(): 'all' | 'failures' | 'none' {
    const v = this.section.get<string>('notifyOnCompletion', 'all');
    return v === 'failures' || v === 'none' ? v : 'all';
  }

  get confirmBeforeSubmit(): boolean {
    return this.section.get<boolean>('confirmBeforeSubmit', true);
  }

  get pricing(): PricingOverrides {
    const r = PricingOverridesSchema.safeParse(this.section.get('pricing', {}));
    return r.success ? r.data : {};
  }

  /** `batchwise.budget`; undefined when unset or not valid (the schema in package.json shows the mistake). */
  get budget(): Budget | undefined {
    const r = BudgetSchema.safeParse(this.section.get('budget'));
    return r.success ? r.data : undefined;
  }

  /** `batchwise.quotas`; empty when unset or not valid (the schema in package.json shows the mistake). */
  get quotas(): QuotaSettings {
    const r = QuotaSettingsSchema.safeParse(this.section.get('quotas', {}));
    return r.success ? r.data : {};
  }

  /** `batchwise.deleteInputFilesWhenDone`: delete the input files uploaded for a job at the provider once its results are kept. */
  get deleteInputFilesWhenDone(): boolean {
    return this.section.get<boolean>('deleteInputFilesWhenDone', false);
  }

  get validationEnabled(): boolean {
    return this.section.get<boolean>('validation.enabled', true);
  }

  get validationDebounceMs(): number {
    return Math.max(0, this.section.get<number>('validation.debounceMs', 300));
  }

  get groupBy(): 'status' | 'day' {
    return this.section.get<string>('tracker.groupBy', 'status') === 'day' ? 'day' : 'status';
  }

  async setGroupBy(value: 'status' | 'day'): Promise<void> {
    await this.section.update('tracker.groupBy', value, vscode.ConfigurationTarget.Global);
  }

  onDidChange(listener: (e: vscode.ConfigurationChangeEvent) => void): vscode.Disposable {
    return vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('batchwise')) listener(e);
    });
  }
}

export const GroupBySchema = z.enum(['status', 'day']);
