import type { Job } from '../core/jobs/job';
import type { JobStore } from '../core/jobs/store';
import { isTerminal } from '../core/status';
import type { BatchProvider } from '../providers/types';
import { resultsKept } from './results';

/**
 * Input files Batchwise uploaded, deleted at the provider when nothing needs them any more: the copy of a part the
 * provider refused for quota (its lines are uploaded again on the next create), and, when asked for
 * (`batchwise.deleteInputFilesWhenDone`, `BATCHWISE_DELETE_INPUT_FILES=1`), the input of a part whose results are kept.
 * OpenAI and Gemini keep uploaded files in the account's storage until they expire (30 days, 48 h); Anthropic takes
 * the requests in the create call and has none.
 */

/** The CLI's switch for deleting the input files of finished parts. */
export const DELETE_INPUT_FILES_ENV = 'BATCHWISE_DELETE_INPUT_FILES';

export function deleteInputFilesFromEnv(env: NodeJS.ProcessEnv): boolean {
  const v = env[DELETE_INPUT_FILES_ENV]?.trim().toLowerCase();
  return v === '1' || v === 'true' || v === 'yes';
}

/**
 * Deletes one uploaded file with the adapter's own SDK client. A 404 counts as deleted (it expired, or another
 * process got there first). False when the provider has no files to delete. The adapters are loaded only here, so
 * importing this module does not pull the SDKs into a startup path.
 */
export async function deleteInputFile(provider: BatchProvider, fileId: string, signal?: AbortSignal): Promise<boolean> {
  try {
    if (provider.id === 'openai') {
      const { OpenAIProvider } = await import('../providers/openai.js');
      if (!(provider instanceof OpenAIProvider)) return false;
      await provider.client.files.delete(fileId, { signal });
      return true;
    }
    if (provider.id === 'gemini') {
      const { GeminiProvider } = await import('../providers/gemini.js');
      if (!(provider instanceof GeminiProvider)) return false;
      await provider.client.files.delete({ name: fileId, config: { abortSignal: signal } });
      return true;
    }
  } catch (err) {
    if (statusOf(err) === 404) return true;
    throw err;
  }
  return false;
}

function statusOf(err: unknown): number | undefined {
  const e = err as { status?: unknown; code?: unknown };
  return typeof e.status === 'number' ? e.status : typeof e.code === 'number' ? e.code : undefined;
}

/** Best effort, for files that only take up room (a refused part's copy): a failure leaves the file to expire. */
export async function dropInputFiles(provider: BatchProvider, fileIds: readonly string[], signal?: AbortSignal): Promise<void> {
  for (const id of fileIds) await deleteInputFile(provider, id, signal).catch(() => undefined);
}

/**
 * Deletes the input files of the job's ended parts once its results are kept, each once (`inputFileDeletedAt` on the
 * part). A failure is a warning for the caller to show; the next call tries that file again.
 */
export async function deleteEndedInputFiles(store: JobStore, job: Job, provider: BatchProvider, signal?: AbortSignal): Promise<{ job: Job; deleted: number; warnings: string[] }> {
  const due = job.parts.filter((p) => p.inputFileId && !p.inputFileDeletedAt && isTerminal(p.status));
  if (!due.length || !(await resultsKept(job))) return { job, deleted: 0, warnings: [] };
  const done = new Map<number, string>();
  const warnings: string[] = [];
  for (const part of due) {
    try {
      if (await deleteInputFile(provider, part.inputFileId!, signal)) done.set(part.index, new Date().toISOString());
    } catch (err) {
      if (signal?.aborted) throw err;
      warnings.push(`could not delete the input file ${part.inputFileId} of ${job.id}${job.parts.length > 1 ? ` part ${part.index + 1}` : ''} at ${provider.id}: ${err instanceof Error ? err.message : String(err)}. It stays until the provider expires it; the next status tries again.`);
    }
  }
  if (!done.size) return { job, deleted: 0, warnings };
  const updated = await store.update(job.id, (j) => ({ ...j, parts: j.parts.map((p) => (done.has(p.index) ? { ...p, inputFileDeletedAt: done.get(p.index)! } : p)) }));
  return { job: updated, deleted: done.size, warnings };
}
