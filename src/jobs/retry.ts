import { basename, dirname, join, resolve } from 'node:path';
import { isBlankLine, readJsonlFile } from '../core/jsonl';
import { isTerminal } from '../core/status';
import type { Estimate, Job } from '../core/jobs/job';
import type { JobStore } from '../core/jobs/store';
import type { PricingOverrides } from '../core/pricing';
import { lookupPrice } from '../core/pricingData';
import { chainOf, mergeChain, rootOf, type MergedChain } from '../core/results/merge';
import { selectLines, writeInputLines, type IncludeRow } from '../core/results/export';
import type { MergedRow } from '../core/results/rows';
import type { Quality } from '../core/results/quality';
import { raiseTokenLimit } from '../core/results/raiseLimit';
import { enforceSchema, type EnforcementSummary } from '../core/results/enforceSchema';
import { outputFailsSchema } from '../core/results/schemaCheck';
import type { BatchProvider } from '../providers/types';
import { assertInputExists, downloadResults, resultsKept } from './results';

export { assertInputExists } from './results';
import { submitJob, type SubmitOptions } from './submit';

/** Downloads the results of every finished job of the chain that has none yet, then merges the chain. */
export async function loadChain(
  store: JobStore,
  job: Job,
  provider: BatchProvider | undefined,
  opts: { signal?: AbortSignal; pricing?: PricingOverrides; onProgress?: (message: string, done: number, total?: number) => void } = {},
): Promise<MergedChain> {
  const root = await rootOf(store, job);
  let jobs = await chainOf(store, root);
  // Results are joined to the input lines: say which input is gone instead of failing deep inside with ENOENT.
  for (const j of [root, ...jobs.filter((j) => !j.resultsPath && isTerminal(j.status))]) await assertInputExists(j);
  if (provider) {
    let changed = false;
    for (const j of jobs) {
      // A results file deleted from the job folder is downloaded again, not read as every line missing.
      if (isTerminal(j.status) && !(await resultsKept(j)) && j.provider === provider.id) {
        opts.onProgress?.(`Downloading the results of ${j.name}…`, 0);
        await downloadResults(store, j, provider, { ...opts, onProgress: (n) => opts.onProgress?.(`Downloading the results of ${j.name}: ${n.toLocaleString('en-US')} lines so far…`, n) });
        changed = true;
      }
    }
    if (changed) jobs = await chainOf(store, (await store.get(root.id)) ?? root);
  }
  const price = lookupPrice(jobs[0]!.model, opts.pricing) ?? undefined;
  return mergeChain(jobs[0]!, jobs, {
    signal: opts.signal,
    ...(price ? { price } : {}),
    onProgress: (done, total) => opts.onProgress?.(`Reading the results: ${done.toLocaleString('en-US')}${total ? ` of ${total.toLocaleString('en-US')}` : ''} lines…`, done, total || undefined),
  });
}

/** `Name (retry 2)` from `Name` or `Name (retry 1)`. */
export function retryName(name: string, n: number): string {
  return `${name.replace(/ \(retry \d+\)$/, '')} (retry ${n})`;
}

export interface RetryPlan {
  /** The job the retry hangs under: the newest job of the chain, so the chain stays a line root -> retry 1 -> retry 2. */
  parent: Job;
  retryFile: string;
  requests: number;
  name: string;
  attempt: number;
  /** With `enforceSchema`: how many JSON answers go with their schema enforced, and why the others could not. */
  schema?: EnforcementSummary;
}

/**
 * Writes the retry file: the original input lines (byte for byte) of every errored, expired, canceled and
 * missing row of the merged view, to `<parent jobDir>/retry-<n>.jsonl`. Refuses while a retry is still running,
 * since its lines would be sent twice.
 */
export interface RetrySelection {
  /** Which lines go: `failed` (errored, expired, canceled, missing) and/or succeeded lines of these qualities. */
  only?: ReadonlySet<'failed' | Exclude<Quality, 'ok'>>;
  /** Truncated and empty lines go with their token limit multiplied by this (1: as they were). */
  raiseMaxTokens?: number;
  /** Succeeded lines that go again (invalid JSON, schema mismatch) go with their JSON schema enforced where the provider can. */
  enforceSchema?: boolean;
}

export async function buildRetryFile(opts: { store: JobStore; job: Job; provider?: BatchProvider; includeSchemaFailures?: boolean; signal?: AbortSignal } & RetrySelection): Promise<RetryPlan> {
  const chain = await loadChain(opts.store, opts.job, opts.provider, { signal: opts.signal });
  const running = chain.jobs.filter((j) => !isTerminal(j.status));
  if (running.length) throw new Error(`${running.map((j) => j.id).join(', ')} is still ${running[0]!.status}: wait until it ends, then retry what is still failed.`);
  const parent = chain.jobs.reduce((a, b) => (b.attempt > a.attempt || (b.attempt === a.attempt && b.createdAt > a.createdAt) ? b : a));
  const n = parent.attempt;
  const retryFile = join(opts.store.jobDir(parent.id), `retry-${n}.jsonl`);
  const only = opts.only;
  const flagged = (row: MergedRow) => only !== undefined && row.quality !== undefined && only.has(row.quality);
  const schema: IncludeRow | undefined = opts.includeSchemaFailures ? (_row, text, output) => outputFailsSchema(text, output) : undefined;
  const include: IncludeRow | undefined = only || schema ? (row, text, output) => flagged(row) || (schema?.(row, text, output) ?? false) : undefined;
  const lines = await selectLines(chain.root.inputPath, chain.rows, { signal: opts.signal, ...(include ? { include } : {}) });
  if (only && !only.has('failed')) for (let i = 0; i < chain.rows.length; i++) if (chain.rows.outcome(i) !== 'succeeded') lines.delete(chain.rows.line(i));
  // Truncated and empty answers need more room, not the same request again.
  const raise = new Set<number>();
  const factor = opts.raiseMaxTokens ?? 1;
  if (factor > 1) for (let i = 0; i < chain.rows.length; i++) if (lines.has(chain.rows.line(i)) && (chain.rows.quality(i) === 'truncated' || chain.rows.quality(i) === 'empty')) raise.add(chain.rows.line(i));
  // Answers that did not parse or follow the schema: constrained decoding instead of the same luck again.
  const enforce = new Set<number>();
  if (opts.enforceSchema) for (let i = 0; i < chain.rows.length; i++) if (lines.has(chain.rows.line(i)) && chain.rows.outcome(i) === 'succeeded') enforce.add(chain.rows.line(i));
  const enforced = { lines: 0, asIs: new Map<string, number>() };
  const transform =
    raise.size || enforce.size
      ? (line: number, text: string) => {
          let out = raise.has(line) ? (raiseTokenLimit(text, factor)?.text ?? text) : text;
          if (enforce.has(line)) {
            const e = enforceSchema(out);
            if (e.text !== undefined) {
              out = e.text;
              enforced.lines++;
            } else enforced.asIs.set(e.why, (enforced.asIs.get(e.why) ?? 0) + 1);
          }
          return out;
        }
      : undefined;
  const requests = await writeInputLines(chain.root.inputPath, lines, retryFile, opts.signal, transform);
  const plan: RetryPlan = { parent, retryFile, requests, name: retryName(chain.root.name, n), attempt: parent.attempt + 1 };
  if (opts.enforceSchema) plan.schema = { enforced: enforced.lines, asIs: [...enforced.asIs].map(([reason, count]) => ({ reason, lines: count })) };
  return plan;
}

/** `<jobs>/<parent id>/retry-<n>.jsonl`: the name buildRetryFile gives a retry file. */
const RETRY_FILE = /^retry-(\d+)\.jsonl$/;

/**
 * The plan for a retry file already on disk (written by "Review File First", maybe edited since): its parent is
 * the job whose folder holds it. Undefined for any other file. `submittedAs` lists the jobs already sent from it.
 */
export async function planForRetryFile(store: JobStore, path: string): Promise<(RetryPlan & { submittedAs: Job[] }) | undefined> {
  const full = resolve(path);
  const m = RETRY_FILE.exec(basename(full));
  const folder = dirname(full);
  if (!m || resolve(dirname(folder)) !== resolve(store.jobsDir)) return undefined;
  const parent = await store.get(basename(folder));
  if (!parent) return undefined;
  const root = await rootOf(store, parent);
  let requests = 0;
  for await (const l of readJsonlFile(full)) if (!isBlankLine(l.text)) requests++;
  const { jobs } = await store.list();
  return { parent, retryFile: full, requests, name: retryName(root.name, Number(m[1])), attempt: parent.attempt + 1, submittedAs: jobs.filter((j) => resolve(j.inputPath) === full) };
}

/** How many lines are failed, and how many more succeeded with an output that fails the request's JSON schema. */
export async function retryCandidates(chain: MergedChain, signal?: AbortSignal): Promise<{ failed: number; schemaFailures: number; tooShort: number }> {
  const failed = (await selectLines(chain.root.inputPath, chain.rows, { signal })).size;
  const all = (await selectLines(chain.root.inputPath, chain.rows, { signal, include: (_row, text, output) => outputFailsSchema(text, output) })).size;
  // Succeeded lines cut off at their token limit, or empty: worth sending again with more room.
  const q = chain.summary.quality;
  return { failed, schemaFailures: all - failed, tooShort: (q?.truncated ?? 0) + (q?.empty ?? 0) };
}

/** Submits a retry file (possibly edited by the user) as a retry job linked to its parent. */
export async function submitRetry(opts: { store: JobStore; plan: RetryPlan; provider: BatchProvider; signal?: AbortSignal; estimate?: Estimate; pipeline?: Job['pipeline'] } & Pick<SubmitOptions, 'quota' | 'quotaSettings'>): Promise<Job> {
  return submitJob({
    store: opts.store,
    provider: opts.provider,
    inputPath: opts.plan.retryFile,
    name: opts.plan.name,
    parentId: opts.plan.parent.id,
    attempt: opts.plan.attempt,
    // Gemini takes the model from the batch: a retry goes to the model its parent went to.
    ...(opts.provider.id === 'gemini' && opts.plan.parent.model ? { model: opts.plan.parent.model } : {}),
    signal: opts.signal,
    ...(opts.estimate ? { estimate: opts.estimate } : {}),
    ...(opts.pipeline ? { pipeline: opts.pipeline } : {}),
    ...(opts.quota ? { quota: opts.quota } : {}),
    ...(opts.quotaSettings ? { quotaSettings: opts.quotaSettings } : {}),
  });
}

/** Builds the retry file and, unless `submit` is false or nothing failed, submits it. */
export async function retryFailed(opts: {
  store: JobStore;
  job: Job;
  provider: BatchProvider;
  submit?: boolean;
  signal?: AbortSignal;
} & RetrySelection): Promise<{ retryJob?: Job; retryFile: string; requests: number; parent: Job; schema?: RetryPlan['schema'] }> {
  const plan = await buildRetryFile(opts);
  const result = { retryFile: plan.retryFile, requests: plan.requests, parent: plan.parent, ...(plan.schema ? { schema: plan.schema } : {}) };
  if (plan.requests === 0 || opts.submit === false) return result;
  return { ...result, retryJob: await submitRetry({ store: opts.store, plan, provider: opts.provider, signal: opts.signal }) };
}
