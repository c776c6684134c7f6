import { z } from 'zod';
import type { ProviderLimits } from './limits';

/**
 * OpenAI-compatible batch hosts: services that speak OpenAI's Files + Batches API (or something close to it) on their
 * own base URL. Each is a profile kind of the `openai` provider (`host` on the profile), with the documented limits and
 * quirks below, each with its source. Pure data and pure functions: the validator, the adapter, the CLI and the
 * emulator all read this one table.
 */

export const HOST_IDS = ['together', 'groq', 'fireworks', 'mistral', 'nebius', 'parasail', 'deepinfra', 'openrouter', 'doubleword', 'novita'] as const;
export const HostIdSchema = z.enum(HOST_IDS);
export type HostId = z.infer<typeof HostIdSchema>;

/** How far Batchwise goes with a host: `full` submit/track/results, `partial` with a named gap, `none` not yet. */
export type HostSupport = 'full' | 'partial' | 'none';

export interface HostFacts {
  /** The name messages use ("Together AI"). */
  label: string;
  /** The documented base URL for the openai SDK. */
  baseUrl: string;
  /** Hostnames (exact, or a parent domain) that identify the host in a base URL. */
  hostnames: readonly string[];
  /** The variable the host's own docs and SDK read the key from; OPENAI_API_KEY is the fallback. */
  apiKeyEnv: string;
  /** Per-batch limits, labelled with the host for the validator's messages. */
  limits: ProviderLimits;
  /** The `completion_window` values the host accepts; the first is what Batchwise sends. */
  completionWindows: readonly string[];
  /** Lines carry only `custom_id` and `body`: `method` and `url` are dropped before upload. */
  bodyOnlyLines?: boolean;
  /**
   * Where the model goes besides each line's body: `model_id` on the create call (optional there), or `job` only, with
   * `model` removed from the lines (the host's job carries it and its lines have none).
   */
  modelOnJob?: 'model_id' | 'job';
  /** The `purpose` the host's Files API wants for batch input. */
  uploadPurpose?: string;
  /** The create call answers `{"job": {...}}` instead of the batch object. */
  wrapsCreate?: boolean;
  /** Status spellings that are not OpenAI's lower-case ones, mapped to OpenAI's. */
  statusAliases?: Readonly<Record<string, string>>;
  /** The statuses the host reports in upper case (the emulator plays them so). */
  upperCaseStatuses?: boolean;
  support: HostSupport;
  /** What is missing or different, for the README and `validate`'s messages. */
  note: string;
}

const MB = 1024 * 1024;
const GB = 1024 * MB;

/** The documented facts, one entry per host (sources in each `limits.source`). */
export const HOSTS: Record<HostId, HostFacts> = {
  together: {
    label: 'Together AI',
    baseUrl: 'https://api.together.xyz/v1',
    hostnames: ['api.together.xyz', 'api.together.ai'],
    apiKeyEnv: 'TOGETHER_API_KEY',
    limits: {
      maxRequests: 50_000,
      maxBytes: 100 * MB,
      maxCustomIdLength: 64,
      windowHours: 24,
      label: 'Together AI',
      source:
        'https://docs.together.ai/docs/batch-inference (custom_id "max 64 chars"; lines are custom_id + body; upload with purpose=batch-api; statuses VALIDATING, IN_PROGRESS, COMPLETED, FAILED, EXPIRED, CANCELLED; "the completion window defaults to 24h and cannot be changed"); https://www.together.ai/blog/batch-api ("up to 50,000 requests in a single batch file (up to 100MB)"); https://docs.together.ai/reference/batch-create (answers {"job": {...}}, optional model_id)',
    },
    completionWindows: ['24h'],
    bodyOnlyLines: true,
    modelOnJob: 'model_id',
    uploadPurpose: 'batch-api',
    wrapsCreate: true,
    upperCaseStatuses: true,
    support: 'full',
    note: 'custom_id at most 64 characters; Batchwise drops method/url, uploads with purpose batch-api, names the model on the job and reads the upper-case statuses',
  },
  groq: {
    label: 'Groq',
    baseUrl: 'https://api.groq.com/openai/v1',
    hostnames: ['api.groq.com'],
    apiKeyEnv: 'GROQ_API_KEY',
    limits: {
      // 50,000 as OpenAI's: the stored Groq pages name no request cap; the 100 MB is from the groq-python docs.
      maxRequests: 50_000,
      maxBytes: 100 * MB,
      windowHours: 24,
      label: 'Groq',
      source:
        'https://console.groq.com/docs/batch (OpenAI line format, /v1/chat/completions; "24-hour processing window"); groq-python batch docs (input file "up to 100 MB"; completion_window "24h" to "7d")',
    },
    completionWindows: ['24h', '7d'],
    support: 'full',
    note: 'OpenAI\'s format and flow; chat completions only',
  },
  fireworks: {
    label: 'Fireworks AI',
    baseUrl: 'https://api.fireworks.ai/inference/v1',
    hostnames: ['api.fireworks.ai'],
    apiKeyEnv: 'FIREWORKS_API_KEY',
    limits: {
      maxRequests: Number.POSITIVE_INFINITY,
      maxBytes: 500 * MB,
      windowHours: 24,
      label: 'Fireworks AI',
      source:
        'https://docs.fireworks.ai/guides/batch-inference (datasets of custom_id + body lines "under 500MB"; model chosen on the batch inference job; states VALIDATING, PENDING, RUNNING, COMPLETED, FAILED, EXPIRED; "Job timeout: 24 hours maximum")',
    },
    completionWindows: ['24h'],
    bodyOnlyLines: true,
    modelOnJob: 'job',
    statusAliases: { pending: 'validating', running: 'in_progress' },
    support: 'none',
    note: 'its own API (datasets + batch inference jobs, not Files + Batches): validation and the limits work, submit does not yet',
  },
  mistral: {
    label: 'Mistral',
    baseUrl: 'https://api.mistral.ai/v1',
    hostnames: ['api.mistral.ai'],
    apiKeyEnv: 'MISTRAL_API_KEY',
    limits: {
      maxRequests: Number.POSITIVE_INFINITY,
      maxBytes: Number.POSITIVE_INFINITY,
      windowHours: 24,
      label: 'Mistral',
      source:
        'https://docs.mistral.ai/api/endpoint/batch (POST /v1/batch/jobs with input_files, model, endpoint, timeout_hours default 24; lines {"custom_id", "body"}; statuses QUEUED, RUNNING, SUCCESS, FAILED, TIMEOUT_EXCEEDED, CANCELLATION_REQUESTED, CANCELLED)',
    },
    completionWindows: ['24h'],
    bodyOnlyLines: true,
    modelOnJob: 'job',
    statusAliases: { queued: 'validating', running: 'in_progress', success: 'completed', timeout_exceeded: 'expired', cancellation_requested: 'cancelling' },
    support: 'none',
    note: 'its own batch API (/v1/batch/jobs, model on the job): validation and the line conversion work, submit needs a Mistral adapter',
  },
  nebius: {
    label: 'Nebius AI Studio',
    baseUrl: 'https://api.studio.nebius.com/v1',
    hostnames: ['api.studio.nebius.com', 'api.studio.nebius.ai', 'api.tokenfactory.nebius.com'],
    apiKeyEnv: 'NEBIUS_API_KEY',
    limits: {
      maxRequests: 5_000_000,
      maxBytes: 10 * GB,
      windowHours: 24,
      label: 'Nebius AI Studio',
      source:
        'https://docs.studio.nebius.com/ai-models-inference/batch-inference ("Up to 5,000,000 requests", "Up to 10 GB in size", one model per file, "We support only 24h completion window", up to 500 batches)',
    },
    completionWindows: ['24h'],
    support: 'full',
    note: 'OpenAI\'s format and flow with much larger files',
  },
  parasail: {
    label: 'Parasail',
    baseUrl: 'https://api.parasail.io/v1',
    hostnames: ['api.parasail.io'],
    apiKeyEnv: 'PARASAIL_API_KEY',
    limits: {
      maxRequests: 50_000,
      maxBytes: 100 * MB,
      windowHours: 24,
      label: 'Parasail',
      source: 'https://docs.parasail.io/parasail-docs/batch/batch-file-format ("Up to 50,000 requests (lines)", "Up to 100MB total input file size"; /v1/chat/completions and /v1/embeddings; 24-hour window)',
    },
    completionWindows: ['24h'],
    support: 'full',
    note: 'OpenAI\'s format and flow, 100 MB per file',
  },
  deepinfra: {
    label: 'DeepInfra',
    baseUrl: 'https://api.deepinfra.com/v1/openai',
    hostnames: ['api.deepinfra.com'],
    apiKeyEnv: 'DEEPINFRA_TOKEN',
    limits: {
      // No request cap is documented, only the file size.
      maxRequests: Number.POSITIVE_INFINITY,
      maxBytes: 200 * MB,
      windowHours: 24,
      label: 'DeepInfra',
      source:
        'https://docs.deepinfra.com/batch/introduction (/v1/chat/completions, /v1/completions, /v1/embeddings; one model per file); https://docs.deepinfra.com/batch/file-endpoints ("the Batch API, which accepts files of up to 200 MB"); https://docs.deepinfra.com/batch/batch-endpoints (completion_window "Currently only 24h")',
    },
    completionWindows: ['24h'],
    support: 'full',
    note: 'OpenAI\'s format and flow',
  },
  openrouter: {
    label: 'OpenRouter',
    baseUrl: 'https://openrouter.ai/api/v1',
    hostnames: ['openrouter.ai'],
    apiKeyEnv: 'OPENROUTER_API_KEY',
    limits: {
      maxRequests: Number.POSITIVE_INFINITY,
      maxBytes: Number.POSITIVE_INFINITY,
      windowHours: 24,
      label: 'OpenRouter',
      source: 'https://openrouter.ai/docs/client-sdks/typescript/models/batchlistitemcompletionwindow.md (completion_window "24h"); batches are submitted with inline requests and an optional callback_url (issue 19)',
    },
    completionWindows: ['24h'],
    support: 'none',
    note: 'batches take the requests inline (no file upload) and can call a callback_url: needs its own create path, not yet',
  },
  doubleword: {
    label: 'Doubleword',
    baseUrl: 'https://api.doubleword.ai/v1',
    hostnames: ['api.doubleword.ai'],
    apiKeyEnv: 'DOUBLEWORD_API_KEY',
    limits: {
      maxRequests: Number.POSITIVE_INFINITY,
      maxBytes: 200 * MB,
      maxCustomIdLength: 64,
      windowHours: 1,
      label: 'Doubleword',
      source:
        'https://docs.doubleword.ai/batches (OpenAI-compatible; custom_id "string, max 64 characters"; 1-hour and 24-hour SLAs as completion windows); file "Max size: 200MB" (Doubleword skill reference, moltdirectory.com/ai-llms/doubleword-api)',
    },
    completionWindows: ['1h', '24h'],
    support: 'full',
    note: 'custom_id at most 64 characters; Batchwise asks for the 1h window (24h is cheaper and also accepted)',
  },
  novita: {
    label: 'Novita AI',
    baseUrl: 'https://api.novita.ai/openai/v1',
    hostnames: ['api.novita.ai'],
    apiKeyEnv: 'NOVITA_API_KEY',
    limits: {
      maxRequests: Number.POSITIVE_INFINITY,
      maxBytes: Number.POSITIVE_INFINITY,
      windowHours: 48,
      label: 'Novita AI',
      source:
        'https://novita.ai/docs/guides/llm-batch-api (lines {"custom_id", "body"}; one model per file; "completion window is set to a fixed duration of 48 hours"; statuses VALIDATING, PROGRESS, COMPLETED, FAILED, EXPIRED, CANCELLING, CANCELLED; input files kept 15 days, output 30 days); https://novita.ai/docs/api-reference/model-apis-llm-create-batch',
    },
    completionWindows: ['48h'],
    bodyOnlyLines: true,
    statusAliases: { progress: 'in_progress' },
    upperCaseStatuses: true,
    support: 'full',
    note: 'upper-case statuses (PROGRESS for in progress) normalized; method/url dropped; 48h window',
  },
};

/** `together`, `groq`, ... as a sentence for messages. */
export const HOST_LIST = HOST_IDS.join(', ');

/** The host a base URL points at (by hostname), or undefined for OpenAI itself, a proxy or the emulator. */
export function hostFromBaseUrl(baseUrl: string | undefined): HostId | undefined {
  if (!baseUrl) return undefined;
  let hostname: string;
  try {
    hostname = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  return HOST_IDS.find((id) => HOSTS[id].hostnames.some((h) => hostname === h || hostname.endsWith(`.${h}`)));
}

/** A host's status in OpenAI's spelling: lower case, with the host's own names (`PROGRESS`, `RUNNING`) mapped. */
export function openAIStatusOf(host: HostId | undefined, raw: string): string {
  const lower = raw.toLowerCase();
  const alias = host ? HOSTS[host].statusAliases?.[lower] : undefined;
  return alias ?? lower;
}

/** The status the emulator shows for an OpenAI status when it plays `host` (upper case, the host's own names). */
export function hostStatusOf(host: HostId, openAIStatus: string): string {
  const facts = HOSTS[host];
  const own = Object.entries(facts.statusAliases ?? {}).find(([, v]) => v === openAIStatus)?.[0] ?? openAIStatus;
  return facts.upperCaseStatuses ? own.toUpperCase() : own;
}
