import { EXIT_OK, UsageError, parseCommandArgs, printJson, type CliIO } from '../io';
import { cliStore, providerForJob } from '../../jobs/providerForJob';
import { retryFailed } from '../../jobs/retry';
import { providerFailure } from '../errors';
import { waitForLocalRun } from '../../providers/local';
import { describeEnforcement } from '../../core/results/enforceSchema';

const USAGE = 'retry <job> [--only failed,truncated,empty,refused,invalid_json,schema_mismatch] [--raise-max-tokens N] [--enforce-schema] [--json]';
const SELECTABLE = ['failed', 'truncated', 'empty', 'refused', 'invalid_json', 'schema_mismatch'] as const;
type Selectable = (typeof SELECTABLE)[number];

/** `--only truncated,empty`: which lines go again; default the failed ones. */
function parseOnly(value: string | undefined): Set<Selectable> | undefined {
  if (value === undefined) return undefined;
  const picked = value.split(',').map((x) => x.trim()).filter(Boolean);
  const bad = picked.filter((x) => !(SELECTABLE as readonly string[]).includes(x));
  if (!picked.length || bad.length) throw new UsageError(`--only takes a comma-separated list of ${SELECTABLE.join(', ')}${bad.length ? ` (not: ${bad.join(', ')})` : ''}`);
  return new Set(picked as Selectable[]);
}

/**
 * `batchwise retry`: sends the failed lines of a job's chain (original lines, byte for byte) as a retry job; with
 * --only, succeeded lines flagged truncated, empty or refused too, truncated and empty ones with their token limit
 * raised (x2 unless --raise-max-tokens says otherwise); with --enforce-schema, invalid JSON and schema mismatches
 * go with their schema enforced where the provider can (core/results/enforceSchema.ts).
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, only: { type: 'string' }, 'raise-max-tokens': { type: 'string' }, 'enforce-schema': { type: 'boolean' } }, USAGE);
  const only = parseOnly(values.only);
  const raiseText = values['raise-max-tokens'];
  const raise = raiseText === undefined ? (only && (only.has('truncated') || only.has('empty')) ? 2 : 1) : Number(raiseText);
  if (!Number.isFinite(raise) || raise < 1 || raise > 16) throw new UsageError(`--raise-max-tokens is a factor from 1 to 16 (2 doubles the limit), got "${raiseText}"`);
  const ref = positionals[0];
  if (!ref || positionals.length > 1) throw new UsageError(`give one job id\nusage: batchwise ${USAGE}`);
  const store = cliStore(io.env);
  const job = await store.resolve(ref);
  const provider = providerForJob(job, io.env);
  let r;
  try {
    r = await retryFailed({ store, job, provider, signal: io.signal, ...(only ? { only } : {}), raiseMaxTokens: raise, enforceSchema: values['enforce-schema'] === true });
  } catch (err) {
    throw providerFailure(err, { provider: job.provider, baseUrl: job.baseUrl, next: `Run "batchwise retry ${job.id}" again once that is fixed (see "batchwise list" for a retry job that was created).` });
  }
  // A self-hosted run lives in this process: keep it alive until the run ends.
  if (r.retryJob && provider.id === 'local') for (const p of r.retryJob.parts) if (p.remoteId) await waitForLocalRun(p.remoteId);
  if (values.json) {
    printJson(io, { job: r.retryJob?.id ?? null, parent: r.parent.id, requests: r.requests, ...(r.schema ? { schema: r.schema } : {}) });
    return EXIT_OK;
  }
  if (!r.retryJob) {
    io.out(only ? `nothing to retry: no line of ${r.parent.id}'s chain is ${[...only].join(' or ')}\n` : `nothing to retry: every line of ${r.parent.id}'s chain succeeded\n`);
    return EXIT_OK;
  }
  io.out(`submitted ${r.retryJob.id} "${r.retryJob.name}": ${r.requests} ${only ? [...only].join('/') : 'failed'} line${r.requests === 1 ? '' : 's'} of ${r.parent.id}${raise > 1 ? ` (token limits of truncated and empty lines x${raise})` : ''} (file ${r.retryFile})\n`);
  if (r.schema) io.out(`${describeEnforcement(r.schema)}\n`);
  io.out(`follow it: batchwise status ${r.retryJob.id} --watch; then: batchwise results ${r.retryJob.id}\n`);
  return EXIT_OK;
}

