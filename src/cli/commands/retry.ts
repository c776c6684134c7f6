import { EXIT_OK, UsageError, parseCommandArgs, printJson, type CliIO } from '../io';
import { cliStore, providerForJob } from '../../jobs/providerForJob';
import { retryFailed } from '../../jobs/retry';
import { providerFailure } from '../errors';
import { waitForLocalRun } from '../../providers/local';

const USAGE = 'retry <job> [--json]';

/** `batchwise retry`: sends the failed lines of a job's chain (original lines, byte for byte) as a retry job. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, USAGE);
  const ref = positionals[0];
  if (!ref || positionals.length > 1) throw new UsageError(`give one job id\nusage: batchwise ${USAGE}`);
  const store = cliStore(io.env);
  const job = await store.resolve(ref);
  const provider = providerForJob(job, io.env);
  let r;
  try {
    r = await retryFailed({ store, job, provider, signal: io.signal });
  } catch (err) {
    throw providerFailure(err, { provider: job.provider, baseUrl: job.baseUrl, next: `Run "batchwise retry ${job.id}" again once that is fixed (see "batchwise list" for a retry job that was created).` });
  }
  // A self-hosted run lives in this process: keep it alive until the run ends.
  if (r.retryJob && provider.id === 'local') for (const p of r.retryJob.parts) if (p.remoteId) await waitForLocalRun(p.remoteId);
  if (values.json) {
    printJson(io, { job: r.retryJob?.id ?? null, parent: r.parent.id, requests: r.requests });
    return EXIT_OK;
  }
  if (!r.retryJob) {
    io.out(`nothing to retry: every line of ${r.parent.id}'s chain succeeded\n`);
    return EXIT_OK;
  }
  io.out(`submitted ${r.retryJob.id} "${r.retryJob.name}": ${r.requests} failed line${r.requests === 1 ? '' : 's'} of ${r.parent.id} (file ${r.retryFile})\n`);
  io.out(`follow it: batchwise status ${r.retryJob.id} --watch; then: batchwise results ${r.retryJob.id}\n`);
  return EXIT_OK;
}
