import * as vscode from 'vscode';
import { join } from 'node:path';
import type { BatchwiseContext } from './context';
import type { ProviderId } from '../core/status';
import { createProvider, defaultProfile, profileForJob, usesEntraId, type BatchProvider, type ProviderProfile } from '../providers/index';
import { AZURE_ENV } from '../providers/azureProfile';
import { HOSTS } from '../core/hosts';
import { withDetectedHost } from '../providers/hostProfile';
import { showInformation, showPick, type PickItem } from './notify';
import { baseUrlProblem } from '../core/baseUrl';
import { PROVIDER_LABEL, mergeProfiles, profileDescription } from '../providers/profileList';

/**
 * Provider profiles for the extension: the `batchwise.profiles` setting, the sandbox's profiles
 * while it runs, and a built-in default per hosted provider. API keys live in SecretStorage per
 * profile name (ApiKeys); a missing key is asked for once, when a profile is first used.
 */

export interface ProfileTarget {
  profile: string;
  provider: ProviderId;
  baseUrl?: string;
}

const HOSTED: readonly ProviderId[] = ['openai', 'anthropic', 'gemini'];
const LAST_PROFILE_KEY = 'batchwise.lastProfile';

/** Profiles the sandbox registered while its emulator runs (in-process, so not in settings). */
let sandboxProfiles: ProviderProfile[] = [];

export function setSandboxProfiles(profiles: ProviderProfile[]): void {
  sandboxProfiles = profiles;
}

export function getSandboxProfiles(): readonly ProviderProfile[] {
  return sandboxProfiles;
}

/** The provider formats a file can go to: OpenAI-format lines also run on a local server. */
export function compatibleProviders(detected: ProviderId): ProviderId[] {
  return detected === 'openai' || detected === 'local' ? ['openai', 'local'] : [detected];
}

/** Every usable profile (see mergeProfiles): the sandbox's, the settings', the built-in defaults. */
export function listProfiles(ctx: BatchwiseContext): ProviderProfile[] {
  return mergeProfiles(sandboxProfiles, ctx.config.profiles, HOSTED.map((p) => defaultProfile(p)));
}

/**
 * The profile a target names. By name first, so a sandbox or a settings profile always uses its
 * current base URL (a job recorded an older one when the sandbox came back on another port);
 * else a profile of the same provider and base URL; else a default rebuilt from the target.
 */
export function resolveProfile(ctx: BatchwiseContext, target: ProfileTarget): ProviderProfile {
  return profileForJob(target, listProfiles(ctx));
}

/**
 * The adapter for a target, asking for the API key when none is stored (and storing it).
 * Undefined when the user cancels the prompt. A local server's key is optional and never asked for.
 */
export async function providerFor(ctx: BatchwiseContext, target: ProfileTarget): Promise<BatchProvider | undefined> {
  const profile = withDetectedHost(resolveProfile(ctx, target));
  // Azure OpenAI: its own key variable; with Entra ID no key at all (DefaultAzureCredential signs in).
  if (usesEntraId(profile)) return createProvider(profile, undefined, { runsDir: join(ctx.store.home, 'runs') });
  // Azure and the batch hosts have their own key variables (a host's falls back to OPENAI_API_KEY, the provider's).
  let key = await ctx.keys.get(profile.name, profile.provider, profile.azure ? AZURE_ENV.apiKey : profile.host ? HOSTS[profile.host].apiKeyEnv : undefined);
  if (!key && profile.provider !== 'local') {
    key = await promptForKey(ctx, profile);
    if (!key) return undefined;
  }
  return createProvider(profile, key, { runsDir: join(ctx.store.home, 'runs') });
}

/** Asks for a profile's key (password box) and stores it in SecretStorage. */
export async function promptForKey(ctx: BatchwiseContext, profile: ProviderProfile, opts: { allowEmpty?: boolean } = {}): Promise<string | undefined> {
  const key = await vscode.window.showInputBox({
    title: `API key for ${profile.name} (${PROVIDER_LABEL[profile.provider]})`,
    prompt: opts.allowEmpty
      ? 'Stored in VS Code SecretStorage. Leave empty to remove the stored key.'
      : `Stored in VS Code SecretStorage, never in settings.${profile.baseUrl ? ` Used for ${profile.baseUrl}.` : ''}`,
    password: true,
    ignoreFocusOut: true,
    placeHolder: profile.provider === 'anthropic' ? 'sk-ant-...' : profile.provider === 'gemini' ? 'AIza...' : 'sk-...',
    validateInput: (v) => (opts.allowEmpty || v.trim() ? undefined : 'Enter a key, or press Escape to cancel'),
  });
  if (key === undefined) return undefined;
  const trimmed = key.trim();
  if (!trimmed) {
    await ctx.keys.delete(profile.name);
    ctx.log.info(`API key removed for profile "${profile.name}"`);
    return undefined;
  }
  await ctx.keys.set(profile.name, trimmed);
  ctx.log.info(`API key stored for profile "${profile.name}"`);
  return trimmed;
}

interface ProfileItem extends PickItem {
  profile?: ProviderProfile;
  addLocal?: true;
}

/**
 * A QuickPick of the profiles that can take a file for `provider`: the last one used first, then
 * the sandbox, settings and defaults; for OpenAI-format files also "Local server…", which asks for a
 * base URL and concurrency and saves the profile to the settings.
 */
export async function pickProfile(ctx: BatchwiseContext, provider: ProviderId, opts: { title?: string; compatible?: ProviderId[] } = {}): Promise<ProviderProfile | undefined> {
  const allowed = new Set(opts.compatible ?? [provider]);
  const candidates = listProfiles(ctx).filter((p) => allowed.has(p.provider));
  const last = ctx.extension.workspaceState.get<Record<string, string>>(LAST_PROFILE_KEY, {})[provider];
  candidates.sort((a, b) => rank(a) - rank(b));
  function rank(p: ProviderProfile): number {
    if (p.name === last) return 0;
    if (p.provider === provider) return 1;
    return 2;
  }
  const items: ProfileItem[] = candidates.map((p) => ({
    label: p.name,
    description: profileDescription(p, sandboxProfiles[0]?.baseUrl),
    detail: p.baseUrl ?? p.azure?.endpoint ?? (p.provider === 'local' ? undefined : 'official API'),
    profile: p,
  }));
  if (allowed.has('local')) items.push({ icon: 'add', label: 'Local server…', description: 'vLLM, Ollama, LM Studio, llama.cpp or any OpenAI-compatible server', addLocal: true });
  // Nothing to choose between: no question.
  if (items.length === 1 && items[0]!.profile) return items[0]!.profile;
  const picked = await showPick(items, {
    title: opts.title ?? `Provider profile for ${PROVIDER_LABEL[provider]}`,
    placeHolder: 'Where to send the batch',
    ignoreFocusOut: true,
  });
  if (!picked) return undefined;
  const profile = picked.addLocal ? await addLocalServerProfile(ctx) : picked.profile;
  if (profile) {
    const map = { ...ctx.extension.workspaceState.get<Record<string, string>>(LAST_PROFILE_KEY, {}), [provider]: profile.name };
    await ctx.extension.workspaceState.update(LAST_PROFILE_KEY, map);
  }
  return profile;
}

/** Asks for a local server's base URL and concurrency, and saves the profile to the user settings. */
export async function addLocalServerProfile(ctx: BatchwiseContext): Promise<ProviderProfile | undefined> {
  const baseUrl = await vscode.window.showInputBox({
    title: 'Local server: base URL',
    prompt: 'The OpenAI-compatible base URL (vLLM http://localhost:8000/v1, Ollama http://localhost:11434/v1, LM Studio http://localhost:1234/v1)',
    value: 'http://localhost:8000/v1',
    ignoreFocusOut: true,
    validateInput: (v) => {
      const problem = baseUrlProblem(v);
      return problem ? `The base URL ${problem}.` : undefined;
    },
  });
  if (!baseUrl) return undefined;
  const concurrencyText = await vscode.window.showInputBox({
    title: 'Local server: concurrency',
    prompt: 'How many requests to keep in flight',
    value: '8',
    ignoreFocusOut: true,
    validateInput: (v) => (/^[1-9]\d{0,3}$/.test(v.trim()) ? undefined : 'A whole number from 1 to 9999'),
  });
  if (!concurrencyText) return undefined;
  const profile: ProviderProfile = { ...defaultProfile('local', baseUrl.trim()), concurrency: Number(concurrencyText.trim()) };
  const section = vscode.workspace.getConfiguration('batchwise');
  const existing = (section.get<unknown[]>('profiles', []) ?? []).filter((p) => !(typeof p === 'object' && p !== null && (p as { name?: unknown }).name === profile.name));
  await section.update('profiles', [...existing, profile], vscode.ConfigurationTarget.Global);
  ctx.log.info(`Local server profile "${profile.name}" saved (${profile.baseUrl}, concurrency ${profile.concurrency})`);
  const withKey = await showInformation(`Saved profile "${profile.name}". Does the server need an API key?`, 'Set Key', 'No Key');
  if (withKey === 'Set Key') await promptForKey(ctx, profile);
  return profile;
}

/** `Batchwise: Set API Key`: pick a profile, enter (or clear) its key. */
export async function setApiKeyCommand(ctx: BatchwiseContext): Promise<void> {
  const items = await Promise.all(
    listProfiles(ctx).map(async (p) => ({
      label: p.name,
      description: PROVIDER_LABEL[p.provider],
      detail: `${p.baseUrl ?? 'official API'}${(await ctx.keys.get(p.name, p.provider)) ? ' · key set' : ' · no key'}`,
      profile: p,
    })),
  );
  const picked = await showPick(items, { title: 'Set API Key', placeHolder: 'Profile whose key to set', ignoreFocusOut: true });
  if (!picked) return;
  const key = await promptForKey(ctx, picked.profile, { allowEmpty: true });
  if (key) void showInformation(`API key saved for ${picked.profile.name}.`);
}
