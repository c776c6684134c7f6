import { isTerminal } from '../../core/status';
import { cancelJob } from '../../jobs/cancel';
import { cliStore, providerForJob } from '../../jobs/providerForJob';
import { providerFailure } from '../errors';
import { EXIT_OK, UsageError, parseCommandArgs, printJson, type CliIO } from '../io';
import { failedLines, jobCounts } from '../../core/jobs/counts';

const USAGE = 'cancel <job> [--json]';

/** `batchwise cancel`: asks the provider to cancel every running part; finished lines keep their results. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, USAGE);
  const ref = positionals[0];
  if (!ref || positionals.length > 1) throw new UsageError(`give one job id (see: batchwise list)\nusage: ${USAGE}`);
  const store = cliStore(io.env);
  let job = await store.resolve(ref);
  const already = isTerminal(job.status);
  if (!already) {
    try {
      job = await cancelJob(store, job, providerForJob(job, io.env), io.signal);
    } catch (err) {
      throw providerFailure(err, { provider: job.provider, baseUrl: job.baseUrl, next: `The cancel may not have reached the provider: run "batchwise cancel ${job.id}" again, then check with "batchwise status ${job.id}".` });
    }
  }
  const c = jobCounts(job);
  if (values.json) printJson(io, { job: job.id, status: job.status, counts: { total: c.total, succeeded: c.succeeded, failed: failedLines(c) } });
  else if (already) io.out(`${job.id} has already ended (${job.status}): nothing to cancel\n`);
  else io.out(`${job.id}: ${job.status === 'cancelled' ? 'cancelled' : `cancel requested (${job.status})`}; lines already finished keep their results. Check with: batchwise status ${job.id}\n`);
  return EXIT_OK;
}
