import { EXIT_FAILED, EXIT_OK, UsageError, parseCommandArgs, printJson, type CliIO } from '../io';
import { validateFile, errorCount, type ValidationResult } from '../../core/validate';
import { checkInputFile, fsReason } from '../inputFile';
import type { ProviderId } from '../../core/status';
import { formatBytes } from '../../core/rules/file';
import { plural } from '../../core/rules/text';
import { AZURE_OPENAI_LIMITS } from '../../core/limits';
import { HOSTS, HOST_LIST, HostIdSchema } from '../../core/hosts';

const USAGE = 'batchwise validate <file> [--provider auto|openai|azure|anthropic|gemini|local] [--host HOST] [--json]';
const PROVIDERS = ['auto', 'openai', 'azure', 'anthropic', 'gemini', 'local'] as const;

/** `batchwise validate`: compiler-style problems (or one JSON document); exit 1 when there are errors. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { provider: { type: 'string' }, host: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError(`give one input file\nusage: ${USAGE}`);
  // `--host together`: the OpenAI format under that host's limits and custom_id rule (core/hosts.ts); reported as `openai`.
  const host = values.host === undefined ? undefined : HostIdSchema.safeParse(values.host);
  if (host && !host.success) throw new UsageError(`--host must be one of ${HOST_LIST} (got "${values.host}")`);
  if (host && values.provider !== undefined && values.provider !== 'openai') throw new UsageError(`--host ${values.host} is an OpenAI-compatible host: use it with --provider openai (or without --provider)`);
  const provider = host ? 'openai' : (values.provider ?? 'auto');
  if (!(PROVIDERS as readonly string[]).includes(provider)) throw new UsageError(`--provider must be one of ${PROVIDERS.join(', ')} (got "${provider}")`);

  await checkInputFile(file);
  let result: ValidationResult;
  try {
    // Azure OpenAI: the OpenAI format under Azure's limits (100,000 requests, no BOM); reported as `openai`.
    result =
      provider === 'azure'
        ? await validateFile(file, { provider: 'openai', limits: AZURE_OPENAI_LIMITS, signal: io.signal })
        : host?.data
          ? await validateFile(file, { provider: 'openai', limits: HOSTS[host.data].limits, signal: io.signal })
          : await validateFile(file, { provider: provider as ProviderId | 'auto', signal: io.signal });
  } catch (err) {
    throw new UsageError(`${file}: cannot read: ${fsReason(err)}`);
  }

  if (values.json) {
    printJson(io, {
      file: result.file,
      provider: result.provider,
      endpoint: result.endpoint,
      model: result.model,
      lines: result.lines,
      requests: result.requests,
      bytes: result.bytes,
      diagnostics: result.diagnostics.map((d) => ({ line: d.line, column: d.column, severity: d.severity, code: d.code, message: d.message })),
    });
  } else {
    for (const d of result.diagnostics) {
      io.out(`${file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}\n`);
      if (d.related) io.out(`${file}:${d.related.line}:1: note: ${d.related.message}\n`);
    }
    io.out(summaryLine(result) + '\n');
  }
  return errorCount(result) > 0 ? EXIT_FAILED : EXIT_OK;
}

/** `3 errors, 1 warning · 12 requests · openai /v1/chat/completions · gpt-4o-mini · 4.2 KB` */
export function summaryLine(r: ValidationResult): string {
  const errors = errorCount(r);
  const warnings = r.totals.warnings;
  const problems = errors + warnings === 0 ? 'No problems' : [errors ? plural(errors, 'error') : '', warnings ? plural(warnings, 'warning') : ''].filter(Boolean).join(', ');
  const target = r.provider ? [r.provider, r.endpoint].filter(Boolean).join(' ') : 'provider unknown';
  return [problems, plural(r.requests, 'request'), target, r.model, formatBytes(r.bytes)].filter(Boolean).join(' · ');
}
