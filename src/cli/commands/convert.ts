import { resolve } from 'node:path';
import { convertFile, defaultOutPath, type LineFormat } from '../../core/convert';
import { isBlankLine, readJsonlFile } from '../../core/jsonl';
import { checkInputFile, checkOutputFile } from '../inputFile';
import { EXIT_FAILED, EXIT_OK, parseCommandArgs, printJson, UsageError, type CliIO } from '../io';

const USAGE = 'convert <file> --to openai|anthropic|gemini [--out FILE] [--model M] [--max-tokens N] [--json]';
const FORMATS: readonly LineFormat[] = ['openai', 'anthropic', 'gemini'];

/**
 * `batchwise convert`: rewrites a batch file for another provider. Exit 0 when every line converted,
 * 1 when some could not (they are listed with their line numbers; the others are written).
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      to: { type: 'string' },
      out: { type: 'string' },
      model: { type: 'string' },
      'max-tokens': { type: 'string' },
      json: { type: 'boolean' },
    },
    USAGE,
  );
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError(`expected one file\nusage: ${USAGE}`);
  const to = values.to as LineFormat | undefined;
  if (!to || !FORMATS.includes(to)) throw new UsageError(`--to must be one of ${FORMATS.join(', ')}\nusage: ${USAGE}`);
  let defaultMaxTokens: number | undefined;
  if (values['max-tokens'] !== undefined) {
    defaultMaxTokens = Number(values['max-tokens']);
    if (!Number.isInteger(defaultMaxTokens) || defaultMaxTokens < 1) throw new UsageError('--max-tokens must be a positive integer');
  }
  await checkInputFile(file);
  if (!(await hasContent(file))) {
    // Converting would replace --out with an empty file.
    io.err(`batchwise convert: ${file} has no requests, nothing to convert: it needs one JSON request per line\n`);
    return EXIT_FAILED;
  }
  const out = values.out ?? defaultOutPath(file, to);
  if (resolve(out) === resolve(file)) throw new UsageError('--out must differ from the input file');
  await checkOutputFile(out, '--out');

  const r = await convertFile(file, out, { to, model: values.model, defaultMaxTokens, signal: io.signal });
  if (values.json) {
    printJson(io, { file: r.file, out: r.out, to: r.to, lines: r.lines, converted: r.converted, failed: r.failed, problems: r.problems, from: r.from, dropped: r.dropped, ...(r.modelWarning ? { warning: r.modelWarning } : {}) });
  } else {
    const from = Object.entries(r.from)
      .map(([f, n]) => `${n} ${f}`)
      .join(', ');
    io.out(`converted ${r.converted} of ${r.lines} lines${from ? ` (${from})` : ''} to ${to}: ${r.out}\n`);
    for (const p of r.problems) io.out(`  line ${p.line}: ${p.reason}\n`);
    if (r.failed > r.problems.length) io.out(`  ... and ${r.failed - r.problems.length} more\n`);
    const dropped = Object.entries(r.dropped);
    if (dropped.length) io.out(`note: left out (no ${to} equivalent): ${dropped.map(([k, n]) => `${k} (${n} line${n === 1 ? '' : 's'})`).join(', ')}\n`);
    if (r.modelWarning) io.out(`note: ${r.modelWarning}\n`);
  }
  return r.failed > 0 ? EXIT_FAILED : EXIT_OK;
}

/** True when the file has a non-blank line. */
async function hasContent(path: string): Promise<boolean> {
  for await (const l of readJsonlFile(path)) if (!isBlankLine(l.text)) return true;
  return false;
}
