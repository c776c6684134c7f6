import { stat } from 'node:fs/promises';
import { EXIT_FAILED, EXIT_OK, UsageError, parseCommandArgs, printJson, type CliIO } from '../io';
import { validateFile, errorCount, type ValidationResult } from '../../core/validate';
import { sniffEncoding } from '../../core/jsonl';
import type { ProviderId } from '../../core/status';
import { formatBytes } from '../../core/rules/file';
import { plural } from '../../core/rules/text';

const USAGE = 'batchwise validate <file> [--provider auto|openai|anthropic|gemini] [--json]';
const PROVIDERS = ['auto', 'openai', 'anthropic', 'gemini', 'local'] as const;

/** `batchwise validate`: compiler-style problems (or one JSON document); exit 1 when there are errors. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { provider: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError(`give one input file\nusage: ${USAGE}`);
  const provider = values.provider ?? 'auto';
  if (!(PROVIDERS as readonly string[]).includes(provider)) throw new UsageError(`--provider must be one of auto, openai, anthropic, gemini (got "${provider}")`);

  await checkReadable(file);
  let result: ValidationResult;
  try {
    result = await validateFile(file, { provider: provider as ProviderId | 'auto', signal: io.signal });
  } catch (err) {
    throw new UsageError(`${file}: cannot read: ${errMessage(err)}`);
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
  const warnings = r.diagnostics.filter((d) => d.severity === 'warning').length;
  const problems = errors + warnings === 0 ? 'No problems' : [errors ? plural(errors, 'error') : '', warnings ? plural(warnings, 'warning') : ''].filter(Boolean).join(', ');
  const target = r.provider ? [r.provider, r.endpoint].filter(Boolean).join(' ') : 'provider unknown';
  return [problems, plural(r.requests, 'request'), target, r.model, formatBytes(r.bytes)].filter(Boolean).join(' · ');
}

/** Turns the ways a path can be unusable into one clear sentence each (exit 2), before any parsing. */
async function checkReadable(file: string): Promise<void> {
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new UsageError(`${file}: no such file`);
    throw new UsageError(`${file}: cannot read: ${errMessage(err)}`);
  });
  if (info.isDirectory()) throw new UsageError(`${file} is a directory: give a .jsonl file`);
  if (!info.isFile()) throw new UsageError(`${file} is not a regular file: give a .jsonl file`);
  let encoding: 'utf8' | 'utf16' | 'binary';
  try {
    encoding = await sniffEncoding(file);
  } catch (err) {
    throw new UsageError(`${file}: cannot read: ${errMessage(err)}`);
  }
  if (encoding === 'utf16') throw new UsageError(`${file} is UTF-16 encoded: batch APIs read UTF-8. Save it as UTF-8 (in VS Code: "Save with Encoding" > UTF-8)`);
  if (encoding === 'binary') throw new UsageError(`${file} looks like a binary file (NUL bytes in the first 8 KB), not JSONL text: give a UTF-8 .jsonl file with one JSON request per line`);
}

function errMessage(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return 'permission denied';
  return e instanceof Error ? e.message : String(err);
}


