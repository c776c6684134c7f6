import { cliStore } from '../../jobs/providerForJob';
import { aggregate, localTimeZone, parseSince, type GroupBy, type Stats } from '../../core/monitor/aggregate';
import { loadJobStats } from '../../core/monitor/load';
import { ProviderIdSchema } from '../../core/status';
import { formatMoney, formatTurnaround } from '../../core/format';
import { EXIT_OK, UsageError, parseCommandArgs, printJson, type CliIO } from '../io';

const USAGE = 'stats [--since 7d|30d|90d|all|YYYY-MM-DD] [--by day|provider|model] [--provider P] [--model M] [--profile NAME] [--pipeline NAME] [--json]';
const BY: readonly GroupBy[] = ['day', 'provider', 'model'];

/**
 * `batchwise stats`: the numbers across every job in the store over a period (default 30 days): lines and success
 * rate (once per line across retries), tokens, cost against standard prices, turnaround, spend, top errors. Days
 * and months are the local ones (TZ).
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { since: { type: 'string' }, by: { type: 'string' }, provider: { type: 'string' }, model: { type: 'string' }, profile: { type: 'string' }, pipeline: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"\nusage: batchwise ${USAGE}`);
  const by = values.by ?? 'day';
  if (!(BY as readonly string[]).includes(by)) throw new UsageError(`--by takes day, provider or model (got "${by}")`);
  const provider = values.provider === undefined ? undefined : ProviderIdSchema.safeParse(values.provider);
  if (provider && !provider.success) throw new UsageError(`--provider must be one of ${ProviderIdSchema.options.join(', ')} (got "${values.provider}")`);
  const timeZone = localTimeZone(io.env);
  const now = new Date();
  let since;
  try {
    since = parseSince(values.since ?? '30d', now, timeZone);
  } catch (err) {
    throw new UsageError(`--since: ${(err as Error).message}`);
  }
  const { stats, problems } = await loadJobStats(cliStore(io.env));
  for (const p of problems) io.err(`warning: skipped ${p.path}: ${p.message}\n`);
  const s = aggregate(stats, { ...(since ? { since } : {}), by: by as GroupBy, timeZone, now, ...(provider?.data ? { provider: provider.data } : {}), ...(values.model ? { model: values.model } : {}), ...(values.profile ? { profile: values.profile } : {}), ...(values.pipeline ? { pipeline: values.pipeline } : {}) });
  if (values.json) printJson(io, s);
  else io.out(describe(s, by, values.since ?? '30d'));
  return EXIT_OK;
}

const pct = (r: number | null) => (r === null ? '-' : `${(r * 100).toFixed(1)}%`);
const secs = formatTurnaround;

function describe(s: Stats, by: string, period: string): string {
  const out = [
    `${s.jobs} job${s.jobs === 1 ? '' : 's'} (${period === 'all' ? 'all time' : `since ${period}`}): ${Object.entries(s.byStatus).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}`,
    `lines: ${s.requests} requested, ${s.succeeded} succeeded, ${s.failed} failed (${s.failedBy.errored} errored, ${s.failedBy.expired} expired, ${s.failedBy.canceled} canceled, ${s.failedBy.missing} missing)${s.processing ? `, ${s.processing} in progress` : ''}; success rate ${pct(s.successRate)}`,
    `tokens: ${s.inputTokens} in, ${s.outputTokens} out; cost ${formatMoney(s.costUsd)} at the batch rate (${formatMoney(s.standardCostUsd)} standard, saved ${formatMoney(s.savedUsd)}); month to date ${formatMoney(s.monthToDateUsd)}${s.jobsWithoutCost ? `; ${s.jobsWithoutCost} job(s) without a known cost` : ''}`,
    `turnaround: median ${secs(s.turnaroundSeconds.median)}, p90 ${secs(s.turnaroundSeconds.p90)}, max ${secs(s.turnaroundSeconds.max)}`,
  ];
  if (s.groups.length) {
    out.push('', `by ${by}:`);
    for (const g of s.groups) out.push(`  ${g.key}  ${g.jobs} job(s), ${g.requests} lines, ${g.succeeded} succeeded, ${g.failed} failed, ${formatMoney(g.costUsd)}`);
  }
  if (s.topErrors.length) {
    out.push('', 'top errors:');
    for (const e of s.topErrors) out.push(`  ${e.count} x ${e.message}  (${e.jobs.slice(0, 3).join(', ')}${e.jobs.length > 3 ? ', ...' : ''})`);
  }
  if (s.running.length) {
    out.push('', 'running:');
    for (const r of s.running) out.push(`  ${r.id} "${r.name}" ${r.done}/${r.total}${r.etaSeconds !== null ? `, about ${secs(r.etaSeconds)} left` : ''}`);
  }
  return out.join('\n') + '\n';
}
