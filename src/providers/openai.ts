import OpenAI, { AzureOpenAI, toFile, toStreamingFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import type { ProviderResult } from '../core/results/record';
import type { TokenUsage } from '../core/status';
import { normalizeOpenAIStatus, openAICounts } from './normalize';
import { withRetry, type RetryTuning } from './retry';
import { downloadLines, ReplayableLines } from './streams';
import { ProviderError, type AzureProfile, type BatchProvider, type ListPage, type ProviderProfile, type RemoteBatch, type SubmitPart } from './types';
import { consoleUrlFor } from '../core/consoles';
import { parseOpenAIOutputLine } from './openaiOutput';
import { HOSTS, openAIStatusOf, type HostFacts } from '../core/hosts';
import { toHostLines } from '../core/hostLines';

// Kept here too: callers read OpenAI output lines from the adapter's module.
export { parseOpenAIOutputLine };

export interface OpenAIProviderOptions {
  /** Retry tuning (tests use a tiny base delay or a fake sleep). */
  retry?: RetryTuning;
  /** Replaces fetch (tests simulate a response lost after the request went through). */
  fetch?: typeof fetch;
  /** Per-request timeout of the SDK, ms (default 10 min as the SDK). */
  timeoutMs?: number;
  /** Parts up to this size are uploaded from memory, larger ones streamed from a temp file (default 16 MB). */
  uploadMemoryLimit?: number;
  /** Azure profiles with `auth: "entra"`: where bearer tokens come from (tests; default DefaultAzureCredential). */
  azureTokenProvider?: () => Promise<string>;
}

/** Batch metadata keys: they let an ambiguous create be found again instead of repeated. */
export const META_JOB = 'batchwise_job';
export const META_PART = 'batchwise_part';
export const META_SHA = 'batchwise_sha256';

/**
 * OpenAI Batch API (and Azure OpenAI / any OpenAI-compatible batch API through the profile's base URL):
 * upload the part as a `batch` file, create the batch, poll, cancel, and read both the output and the error file.
 */
export class OpenAIProvider implements BatchProvider {
  readonly id = 'openai' as const;
  readonly client: OpenAI;
  private readonly retry: RetryTuning;
  private readonly uploadMemoryLimit: number | undefined;

  constructor(
    readonly profile: ProviderProfile,
    apiKey: string,
    opts: OpenAIProviderOptions = {},
  ) {
    this.retry = opts.retry ?? {};
    this.uploadMemoryLimit = opts.uploadMemoryLimit;
    const common = {
      // retry.ts is the only retry loop, so a create is never repeated blindly underneath it.
      maxRetries: 0,
      ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    };
    this.client = profile.azure
      ? azureClient(profile.azure, apiKey, common, opts.azureTokenProvider)
      : new OpenAI({
          apiKey,
          baseURL: profile.baseUrl ?? 'https://api.openai.com/v1',
          organization: profile.organization ?? null,
          project: profile.project ?? null,
          ...common,
        });
  }

  async create(part: SubmitPart, signal?: AbortSignal): Promise<RemoteBatch> {
    if (!part.endpoint) throw new ProviderError('The input has no endpoint: every line needs "url" (e.g. "/v1/chat/completions").');
    const endpoint = this.batchEndpoint(part.endpoint);
    const deployment = this.profile.azure?.deployment;
    if (deployment && part.model && part.model !== deployment) {
      // Azure would accept the upload and fail the batch later with model_not_found / model_mismatch.
      throw new ProviderError(`The lines name "${part.model}" as their model, but Azure OpenAI runs a batch on the deployment the lines name, and profile "${this.profile.name}" is for deployment "${deployment}". Set each line's "model" to "${deployment}".`, 400, 'model_not_deployment');
    }
    const host = this.hostFacts();
    if (host?.support === 'none') {
      throw new ProviderError(`Batchwise cannot submit to ${host.label} yet: ${host.note}. Validate the file with this profile, then submit it with the host's own tools.`, 400, 'host_not_supported');
    }
    // Hosts with their own line variant (no method/url, model on the job) get the lines converted on the way out.
    const data = await ReplayableLines.from(this.profile.host ? toHostLines(part.lines, this.profile.host) : part.lines, part.bytes, this.uploadMemoryLimit);
    try {
      const filename = `batchwise-${part.jobId}-part${part.partIndex}.jsonl`;
      // An upload repeated after a lost response only leaves an unused file behind (not billed, expires in 30 days).
      const file = await withRetry(
        async () => {
          const upload = data.inMemory ? await toFile(data.inMemory, filename, { type: 'application/jsonl' }) : toStreamingFile(data.stream(), filename, { type: 'application/jsonl' });
          return this.client.files.create({ file: upload, purpose: (host?.uploadPurpose ?? 'batch') as 'batch' }, { signal });
        },
        { ...this.retry, signal, idempotent: true },
      );
      const metadata = { [META_JOB]: part.jobId, [META_PART]: String(part.partIndex), [META_SHA]: part.sha256.slice(0, 64) };
      await part.beforeCreate?.();
      const params = {
        input_file_id: file.id,
        endpoint: endpoint as OpenAI.Batches.BatchCreateParams['endpoint'],
        completion_window: (host?.completionWindows[0] ?? '24h') as '24h',
        metadata,
        // Together takes the model on the job too (`model_id`); the SDK sends unknown keys as they are.
        ...(host?.modelOnJob === 'model_id' && part.model ? { model_id: part.model } : {}),
      };
      const batch = await this.createOrDropInput(file.id, () =>
        withRetry(
          async () => unwrapCreated(await this.client.batches.create(params, { signal })),
          {
            ...this.retry,
            signal,
            idempotent: false,
            // After a reset or timeout the batch may exist: look for it by its metadata before creating it again.
            recover: async () => (await this.findByMetadata(part.jobId, part.partIndex, signal)) ?? undefined,
          },
        ),
      );
      const remote = this.toRemote(batch);
      remote.inputFileId ??= file.id;
      return remote;
    } finally {
      await data.dispose();
    }
  }

  /**
   * A create the service refused (a 4xx: invalid, over a quota, rate limited past the retries) made no batch, so the
   * file uploaded for it is deleted rather than left in the account's storage. After a 5xx or a lost response a batch
   * may exist and read that file: it is kept.
   */
  private async createOrDropInput<T>(fileId: string, create: () => Promise<T>): Promise<T> {
    try {
      return await create();
    } catch (err) {
      const status = (err as { status?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) await this.client.files.delete(fileId).catch(() => undefined);
      throw err;
    }
  }

  /** The batch created for this job part, if any (newest first, the first 200 batches). */
  async findByMetadata(jobId: string, partIndex: number, signal?: AbortSignal): Promise<Batch | undefined> {
    let after: string | undefined;
    for (let page = 0; page < 2; page++) {
      const res = await withRetry(() => this.client.batches.list({ limit: 100, ...(after ? { after } : {}) }, { signal }), { ...this.retry, signal });
      const hit = res.data.find((b) => b.metadata?.[META_JOB] === jobId && b.metadata?.[META_PART] === String(partIndex));
      if (hit) return hit;
      if (!res.hasNextPage() || res.data.length === 0) return undefined;
      after = res.data[res.data.length - 1]!.id;
    }
    return undefined;
  }

  /** The remote batch of a job part whose id was never recorded (a submit killed right after the create). */
  async findPart(jobId: string, partIndex: number, signal?: AbortSignal): Promise<RemoteBatch | undefined> {
    const b = await this.findByMetadata(jobId, partIndex, signal);
    return b ? this.toRemote(b) : undefined;
  }

  async retrieve(remoteId: string, signal?: AbortSignal): Promise<RemoteBatch> {
    return this.toRemote(await withRetry(() => this.client.batches.retrieve(remoteId, { signal }), { ...this.retry, signal }));
  }

  async list(opts: { after?: string; limit?: number } = {}, signal?: AbortSignal): Promise<ListPage> {
    const page = await withRetry(() => this.client.batches.list({ limit: opts.limit ?? 20, ...(opts.after ? { after: opts.after } : {}) }, { signal }), { ...this.retry, signal });
    const last = page.data[page.data.length - 1];
    return { batches: page.data.map((b) => this.toRemote(b)), ...(page.hasNextPage() && last ? { next: last.id } : {}) };
  }

  async cancel(remoteId: string, signal?: AbortSignal): Promise<RemoteBatch> {
    return this.toRemote(await withRetry(() => this.client.batches.cancel(remoteId, { signal }), { ...this.retry, signal }));
  }

  /**
   * Output file AND error file: a batch can be `completed` with every line in the error file, and a cancelled or
   * expired batch has partial output plus `batch_cancelled` / `batch_expired` lines in its error file.
   */
  async *results(batch: RemoteBatch, signal?: AbortSignal): AsyncIterable<ProviderResult> {
    let current = batch;
    if (!current.outputFileId && !current.errorFileId) current = await this.retrieve(batch.id, signal);
    for (const fileId of [current.outputFileId, current.errorFileId]) {
      if (!fileId) continue;
      const lines = downloadLines(async () => {
        const res = await this.client.files.content(fileId, { signal });
        if (!res.body) throw new ProviderError(`File ${fileId} came back without a body.`);
        return res.body as unknown as AsyncIterable<Uint8Array>;
      }, { ...this.retry, signal });
      for await (const line of lines) {
        if (!line.trim()) continue;
        yield parseOpenAIOutputLine(line);
      }
    }
  }

  /** The OpenAI-compatible host this profile is for (core/hosts.ts), if any. */
  private hostFacts(): HostFacts | undefined {
    return this.profile.host ? HOSTS[this.profile.host] : undefined;
  }

  /**
   * Azure's create takes the endpoint without `/v1` (`"endpoint": "/chat/completions"`, how-to/batch REST and Python
   * tabs) while its lines may say `/v1/chat/completions` (the current input examples) or `/chat/completions`.
   */
  private batchEndpoint(endpoint: string): string {
    return this.profile.azure ? endpoint.replace(/^\/v1(?=\/)/, '') : endpoint;
  }

  consoleUrl(remoteId: string): string | undefined {
    return consoleUrlFor('openai', this.profile.baseUrl, remoteId);
  }

  toRemote(b: Batch): RemoteBatch {
    // Azure's preview api-versions answer `"status": "Validating"` and ISO-string timestamps (how-to/batch REST tab).
    // Hosts spell statuses their own way (Together, Novita: upper case; Novita's PROGRESS): mapped to OpenAI's first.
    const status = normalizeOpenAIStatus(openAIStatusOf(this.profile.host, String(b.status)));
    const ended = b.completed_at ?? b.failed_at ?? b.expired_at ?? b.cancelled_at ?? undefined;
    const createdAt = isoTime(b.created_at);
    const endedAt = ended === undefined ? undefined : isoTime(ended);
    const usage: TokenUsage | undefined = b.usage
      ? { inputTokens: b.usage.input_tokens ?? 0, outputTokens: b.usage.output_tokens ?? 0, ...(b.usage.input_tokens_details?.cached_tokens ? { cachedTokens: b.usage.input_tokens_details.cached_tokens } : {}) }
      : undefined;
    return {
      id: b.id,
      status,
      rawStatus: String(b.status),
      counts: openAICounts(b.request_counts, status),
      endpoint: b.endpoint,
      ...(b.model ? { model: b.model } : {}),
      ...(createdAt ? { createdAt } : {}),
      ...(endedAt ? { endedAt } : {}),
      inputFileId: b.input_file_id,
      ...(b.output_file_id ? { outputFileId: b.output_file_id } : {}),
      ...(b.error_file_id ? { errorFileId: b.error_file_id } : {}),
      errors: (b.errors?.data ?? []).map((e) => ({
        ...(typeof e.line === 'number' && e.line > 0 ? { line: e.line } : {}),
        code: e.code ?? 'error',
        message: e.message ?? 'The batch failed validation.',
      })),
      ...(usage ? { usage } : {}),
      ...(b.metadata ? { metadata: { ...b.metadata } as Record<string, string> } : {}),
    };
  }
}

/** Together answers a create with `{"job": {...}}` (docs.together.ai/reference/batch-create): the batch is inside. */
function unwrapCreated(res: Batch): Batch {
  const job = (res as unknown as { job?: unknown }).job;
  return !res.id && typeof job === 'object' && job !== null ? (job as Batch) : res;
}

/** A batch timestamp as ISO text: unix seconds (OpenAI, Azure GA) or an ISO string (Azure previews); undefined if neither. */
function isoTime(value: number | string | null | undefined): string | undefined {
  if (value === null || value === undefined || value === 0) return undefined;
  const ms = typeof value === 'number' ? value * 1000 : Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

type ClientCommon = { maxRetries: number; timeout?: number; fetch?: typeof fetch };

/**
 * The SDK's own Azure client: `{endpoint}/openai/...?api-version=...` with the `api-key` header, or a bearer token from
 * Microsoft Entra ID. `baseURL` is given (not `endpoint`) so an OPENAI_BASE_URL in the environment cannot clash with it,
 * and no `deployment`: the SDK would then post batches to `/deployments/{name}/batches`, while global batch lives at
 * `/openai/batches` and takes the deployment from each line's `model`.
 */
function azureClient(azure: AzureProfile, apiKey: string | undefined, common: ClientCommon, tokenProvider?: () => Promise<string>): OpenAI {
  const baseURL = `${azure.endpoint.replace(/\/+$/, '')}/openai`;
  if (azure.auth === 'entra') {
    // apiKey '' (not undefined, which makes the SDK read AZURE_OPENAI_API_KEY and refuse the pair as ambiguous).
    return new AzureOpenAI({ baseURL, apiVersion: azure.apiVersion, apiKey: '', azureADTokenProvider: tokenProvider ?? entraTokenProvider(), ...common });
  }
  return new AzureOpenAI({ baseURL, apiVersion: azure.apiVersion, apiKey: apiKey ?? '', ...common });
}

/** Scope of Azure OpenAI tokens (https://learn.microsoft.com/azure/ai-foundry/openai/how-to/managed-identity). */
const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';

/** DefaultAzureCredential's bearer tokens; @azure/identity (and MSAL) is loaded only for an Entra ID profile. */
function entraTokenProvider(): () => Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose: only Entra ID profiles need it
  const identity = require('@azure/identity') as typeof import('@azure/identity');
  return identity.getBearerTokenProvider(new identity.DefaultAzureCredential(), COGNITIVE_SERVICES_SCOPE);
}
