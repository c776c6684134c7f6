import type { ProviderProfile } from './types';

/**
 * Azure OpenAI profiles, without the SDK (the CLI builds them at start-up): named after the resource, so a job that
 * recorded the name is known as an Azure job again.
 */

/** The latest GA api-version the batch docs list ("Latest GA API release: 2024-10-21", how-to/batch.md "API support"). */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

/** The variables `AzureOpenAI` reads (node_modules/openai/azure.js): endpoint, key, api-version. */
export const AZURE_ENV = { endpoint: 'AZURE_OPENAI_ENDPOINT', apiKey: 'AZURE_OPENAI_API_KEY', apiVersion: 'OPENAI_API_VERSION' } as const;

const NAME_PREFIX = 'azure@';

/** `azure@my-resource.openai.azure.com`: the profile name a job records, which tells an Azure job from an OpenAI one. */
export function azureProfileName(endpoint: string): string {
  let host: string;
  try {
    host = new URL(endpoint).host;
  } catch {
    host = endpoint;
  }
  return `${NAME_PREFIX}${host}`;
}

export function isAzureProfileName(name: string | undefined): boolean {
  return name?.startsWith(NAME_PREFIX) === true;
}

/** An Azure profile; `baseUrl` is the endpoint so the job store, the tree and profileForJob see where it goes. */
export function azureProfile(azure: NonNullable<ProviderProfile['azure']>, name?: string): ProviderProfile {
  const endpoint = azure.endpoint.replace(/\/+$/, '');
  return { name: name ?? azureProfileName(endpoint), provider: 'openai', baseUrl: endpoint, azure: { ...azure, endpoint } };
}
