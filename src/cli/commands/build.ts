import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { buildFile, DataFileError, dataFormatOf, loadTemplateFile, NothingToBuild, resolveTemplate, TemplateError, TextEncodingError, type TemplateFile } from '../../core/build';
import { checkOutputFile, fsReason } from '../inputFile';
import { CliError, EXIT_FAILED, EXIT_OK, intOption, parseCommandArgs, printJson, UsageError, type CliIO } from '../io';

const USAGE =
  'build <data> [--template FILE] [--to openai|anthropic|gemini] [--model M] [--system TEXT] [--user TEXT] [--max-tokens N] [--id-column C] [--limit N] [--out FILE] [--json]';
const TARGETS = ['openai', 'anthropic', 'gemini'] as const;

/**
 * `batchwise build`: a table (CSV, TSV, JSONL, JSON array, Parquet) and a template -> a request file for one provider
 * and its `.rows.jsonl` sidecar. Exit 0 when every row became a request, 1 when some rows were skipped (listed with
 * their row numbers; the rest are written) or the data cannot be read, 2 for a usage or template mistake.
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      template: { type: 'string' },
      to: { type: 'string' },
      model: { type: 'string' },
      system: { type: 'string' },
      user: { type: 'string' },
      'max-tokens': { type: 'string' },
      'id-column': { type: 'string' },
      limit: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
    },
    USAGE,
  );
  const data = positionals[0];
  if (!data || positionals.length > 1) throw new UsageError(`expected one data file\nusage: ${USAGE}`);
  const to = values.to as TemplateFile['to'];
  if (to !== undefined && !TARGETS.includes(to)) throw new UsageError(`--to must be one of ${TARGETS.join(', ')}\nusage: ${USAGE}`);
  const maxTokens = intOption(values['max-tokens'], '--max-tokens', 1);
  const limit = intOption(values.limit, '--limit', 1);
  await checkDataFile(data);
  try {
    dataFormatOf(data);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (values.out !== undefined) {
    if (resolve(values.out) === resolve(data)) throw new UsageError('--out must differ from the data file');
    await checkOutputFile(values.out, '--out');
  }

  let template;
  try {
    const file = values.template ? await loadTemplateFile(values.template) : {};
    template = resolveTemplate(file, { to, model: values.model, system: values.system, user: values.user, max_tokens: maxTokens, id_column: values['id-column'] });
  } catch (e) {
    if (e instanceof TemplateError) throw new UsageError(e.message);
    if ((e as NodeJS.ErrnoException).code) throw new UsageError(`${values.template}: cannot read: ${fsReason(e)}`);
    throw e;
  }

  let summary;
  try {
    summary = await buildFile(data, template, { ...(values.out ? { out: values.out } : {}), ...(limit ? { limit } : {}), ...(io.signal ? { signal: io.signal } : {}) });
  } catch (e) {
    if (e instanceof TemplateError) throw new UsageError(e.message);
    if (e instanceof DataFileError || e instanceof TextEncodingError || e instanceof NothingToBuild) throw new CliError(e.message, EXIT_FAILED);
    throw e;
  }

  if (values.json) printJson(io, summary);
  else {
    io.out(`built ${summary.requests} ${summary.provider} request${summary.requests === 1 ? '' : 's'} (${summary.model}): ${summary.out}\n`);
    io.out(`source rows: ${summary.rowsOut}\n`);
    if (summary.skippedCount) io.out(`skipped ${summary.skippedCount} row${summary.skippedCount === 1 ? '' : 's'}:\n`);
    for (const s of summary.skipped) io.out(`  row ${s.row}: ${s.reason}\n`);
    if (summary.skippedCount > summary.skipped.length) io.out(`  ... and ${summary.skippedCount - summary.skipped.length} more\n`);
    for (const w of summary.warnings) io.out(`note: ${w}\n`);
  }
  return summary.skippedCount > 0 ? EXIT_FAILED : EXIT_OK;
}

async function checkDataFile(file: string): Promise<void> {
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new UsageError(`${file}: no such file`);
    throw new UsageError(`${file}: cannot read: ${fsReason(err)}`);
  });
  if (!info.isFile()) throw new UsageError(`${file} is ${info.isDirectory() ? 'a directory' : 'not a regular file'}: give a CSV, TSV, JSONL, JSON or Parquet file`);
}
