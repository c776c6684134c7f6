import { resolve } from 'node:path';
import { checkInputFile } from '../inputFile';
import { ProviderIdSchema, type ProviderId } from '../../core/status';
import { errorCount, validateFile, type ValidationResult } from '../../core/validate';
import { azureProviderFromCli, cliStore, providerFromCli } from '../../jobs/providerForJob';
import { AZURE_ENV } from '../../providers/azureProfile';
import { CreateUncertain, DuplicateSubmission, SubmitInProgress, SubmitInterrupted, SubmitRefused, submitJob } from '../../jobs/submit';
import { providerFailure } from '../errors';
import { checkSpend } from '../budgetGate';
import { API_KEY_ENV } from '../../providers/env';
import { baseUrlProblem } from '../../core/baseUrl';
import { HOSTS, HOST_LIST, HostIdSchema } from '../../core/hosts';
import { pauseLocalRuns, waitForLocalRun } from '../../providers/local';
import { refreshJob } from '../../jobs/refresh';
import type { Job } from '../../core/jobs/job';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError, parseCommandArgs, printJson, type CliIO } from '../io';

const USAGE = 'submit <file> [--provider openai|azure|anthropic|gemini|local] [--base-url URL] [--host HOST] [--name NAME] [--model MODEL] [--max-cost USD] [--max-enqueued-tokens N] [--over-budget] [--force] [--on-complete CMD] [--json]';

/** `batchwise submit`: validate, split by the provider's limits, create the remote batches, record the job. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { provider: { type: 'string' }, 'base-url': { type: 'string' }, host: { type: 'string' }, name: { type: 'string' }, model: { type: 'string' }, 'max-cost': { type: 'string' }, 'max-enqueued-tokens': { type: 'string' }, 'over-budget': { type: 'boolean' }, force: { type: 'boolean' }, json: { type: 'boolean' }, 'on-complete': { type: 'string' } },
    USAGE,
  );
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError(`give one input file\nusage: ${USAGE}`);
  const input = resolve(file);
  await checkInputFile(file);
  const baseUrl = values['base-url'];
  const urlProblem = baseUrl === undefined ? undefined : baseUrlProblem(baseUrl);
  if (urlProblem) throw new UsageError(`--base-url ${urlProblem}`);
  const maxCost = values['max-cost'] === undefined ? undefined : Number(values['max-cost']);
  if (maxCost !== undefined && !(Number.isFinite(maxCost) && maxCost >= 0)) throw new UsageError(`--max-cost is an amount in USD such as 5 or 12.50, got "${values['max-cost']}"`);
  const maxTokensFlag = values['max-enqueued-tokens'];
  const maxEnqueuedTokens = maxTokensFlag === undefined ? undefined : Number(maxTokensFlag.replace(/_/g, ''));
  if (maxEnqueuedTokens !== undefined && !(Number.isInteger(maxEnqueuedTokens) && maxEnqueuedTokens > 0)) throw new UsageError(`--max-enqueued-tokens is the provider's enqueued-token quota for the model, a whole number such as 2000000, got "${maxTokensFlag}"`);

  // `--host together`: an OpenAI-compatible batch host (core/hosts.ts), a profile kind of the openai provider.
  const hostFlag = values.host === undefined ? undefined : HostIdSchema.safeParse(values.host);
  if (hostFlag && !hostFlag.success) throw new UsageError(`--host must be one of ${HOST_LIST} (got "${values.host}")`);
  if (hostFlag && values.provider !== undefined && values.provider !== 'openai') throw new UsageError(`--host ${values.host} is an OpenAI-compatible host: use it with --provider openai (or without --provider)`);

  let provider: ProviderId;
  let validation;
  // Azure OpenAI takes OpenAI-format files: an `openai` job with an Azure profile (AZURE_OPENAI_* variables).
  const azure = values.provider === 'azure';
  if (azure || hostFlag) {
    provider = 'openai';
  } else if (values.provider !== undefined) {
    const parsed = ProviderIdSchema.safeParse(values.provider);
    if (!parsed.success) throw new UsageError(`--provider must be one of ${[...ProviderIdSchema.options, 'azure'].join(', ')} (got "${values.provider}")`);
    provider = parsed.data;
  } else {
    validation = await validateFile(input, { provider: 'auto', signal: io.signal });
    if (!validation.provider) {
      // Nothing to detect from (empty, or no line is a request): the line errors say what to fix, not --provider.
      if (errorCount(validation) > 0) {
        printRefusal(io, file, validation);
        return EXIT_FAILED;
      }
      throw new UsageError(`cannot tell which provider ${file} is for: pass --provider openai|anthropic|gemini|local`);
    }
    provider = validation.provider;
  }
  const adapter = azure ? azureProviderFromCli(baseUrl, io.env) : providerFromCli(provider, baseUrl, io.env, undefined, hostFlag?.data);
  const host = adapter.profile.host ? HOSTS[adapter.profile.host] : undefined;
  if (host?.support === 'none') throw new UsageError(`Batchwise cannot submit to ${host.label} yet: ${host.note}. \`batchwise validate ${file} --host ${adapter.profile.host}\` checks the file against its limits.`);
  const store = cliStore(io.env);
  await checkSpend({ store, io, input, provider, ...(values.model ? { model: values.model } : {}), ...(maxCost !== undefined ? { maxCost } : {}), overBudget: values['over-budget'] === true });

  try {
    let job: Job = await submitJob({
      store,
      provider: adapter,
      inputPath: input,
      name: values.name,
      model: values.model,
      force: values.force,
      signal: io.signal,
      // A host has its own limits: the auto-detect pass (OpenAI's) is not reused for it.
      validation: validation?.provider === provider && !host ? validation : undefined,
      ...(maxEnqueuedTokens !== undefined ? { quota: { enqueuedTokens: maxEnqueuedTokens } } : {}),
      onProgress: (msg) => {
        if (!values.json) io.err(`${msg}\n`);
      },
    });
    if (provider === 'local') job = await followLocalRun(job, io, Boolean(values.json), () => refreshJob(store, job, adapter));
    const onComplete = values['on-complete'];
    if (onComplete !== undefined) {
      // Follows the job to its end like `status --watch`, then runs the command once; with --json, status's one document.
      if (!values.json) io.out(`Submitted ${job.id} "${job.name}": ${job.requests} request(s); waiting for it to end to run --on-complete\n`);
      const status = await import('./status.js');
      return status.run([job.id, '--watch', '--interval', '1', '--on-complete', onComplete, ...(values.json ? ['--json'] : [])], io);
    }
    if (values.json) {
      printJson(io, {
        job: job.id,
        parts: job.parts.map((p) => ({ index: p.index, remoteId: p.remoteId, status: p.status, lineStart: p.lineStart, lineEnd: p.lineEnd, requests: p.requests })),
      });
    } else {
      const where = adapter.profile.baseUrl ? ` at ${adapter.profile.baseUrl}` : '';
      io.out(`Submitted ${job.id} "${job.name}": ${job.requests} request(s) in ${job.parts.length} batch(es) to ${azure ? 'Azure OpenAI' : (host?.label ?? provider)}${where}\n`);
      for (const p of job.parts) io.out(`  part ${p.index + 1}: ${p.remoteId ?? 'queued'} (lines ${p.lineStart}-${p.lineEnd}, ${p.requests} requests) ${p.status}\n`);
      io.out(`Follow it with: batchwise status ${job.id} --watch\n`);
    }
    return EXIT_OK;
  } catch (err) {
    if (err instanceof SubmitRefused) {
      printRefusal(io, file, err.result);
      return EXIT_FAILED;
    }
    if (err instanceof SubmitInterrupted) {
      io.err(`batchwise submit: ${err.message}\n`);
      return EXIT_INTERRUPTED;
    }
    if (err instanceof DuplicateSubmission || err instanceof SubmitInProgress) {
      io.err(`batchwise submit: ${err.message}\n`);
      return EXIT_FAILED;
    }
    const status = (err as { status?: unknown }).status;
    if (status === 401 || status === 403) {
      const env = azure ? AZURE_ENV.apiKey : API_KEY_ENV[provider];
      io.err(`batchwise submit: the provider refused the API key (HTTP ${status}): ${(err as Error).message}\ncheck ${env ?? 'the API key'}\n`);
      return EXIT_USAGE;
    }
    // One account of what happened: a create that may have gone through says so (and nothing else).
    const next = err instanceof CreateUncertain ? `Run "batchwise status ${err.job.id}" before submitting again.` : 'No batch was created for the part that failed (a part created before it stays tracked: batchwise list).';
    throw providerFailure(err, { provider, baseUrl: adapter.profile.baseUrl, next, mayHaveActed: err instanceof CreateUncertain });
  }
}

/** The validation errors that stop a submit, compiler-style on stderr (stdout stays empty, also with --json). */
function printRefusal(io: CliIO, file: string, result: ValidationResult): void {
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  for (const d of errors.slice(0, 20)) io.err(`${file}:${d.line}:${d.column}: error ${d.code}: ${d.message}\n`);
  if (errors.length > 20) io.err(`... and ${errors.length - 20} more (batchwise validate ${file})\n`);
  io.err(`${errors.length} error(s): nothing was submitted\n`);
}

/**
 * A local run makes progress only while a Batchwise process holds it, so submit stays with it until it ends.
 * Ctrl+C pauses it (not a cancel): `batchwise status JOB --watch` resumes it where it stopped.
 */
async function followLocalRun(job: Job, io: CliIO, json: boolean, refresh: () => Promise<Job>): Promise<Job> {
  const onAbort = () => void pauseLocalRuns();
  io.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (!json) io.err(`Running ${job.requests} request(s) against the local server; Ctrl+C pauses, "batchwise status ${job.id} --watch" resumes\n`);
    for (const p of job.parts) if (p.remoteId) await waitForLocalRun(p.remoteId);
  } finally {
    io.signal?.removeEventListener('abort', onAbort);
  }
  return io.signal?.aborted ? job : refresh();
}
