import { readJsonlFile, isBlankLine } from '../jsonl';
import { MergedRows } from './rows';
import { parseResultLine } from './resultLine';
import { SummaryBuilder, type ResultsSummary } from './summary';

/**
 * Rows of a results file opened on its own (a vLLM `run-batch` output, an OpenAI output or error file,
 * Anthropic or Gemini results, a Batchwise results.jsonl): one row per result line, in file order,
 * with no input to join (the detail pane shows the raw line instead).
 */
export async function rowsFromResultsFile(path: string, signal?: AbortSignal): Promise<{ rows: MergedRows; summary: ResultsSummary; skipped: number }> {
  const rows = new MergedRows({ jobId: '', attempt: 1 });
  const summary = new SummaryBuilder();
  let skipped = 0;
  for await (const l of readJsonlFile(path, { signal })) {
    if (isBlankLine(l.text)) continue;
    const r = parseResultLine(l.text);
    if (!r) {
      skipped++;
      continue;
    }
    const i = rows.push(l.line, r.customId, { offset: l.offset, bytes: l.bytes, bom: l.bom === true });
    rows.setResult(i, { outcome: r.outcome, jobId: '', attempt: 1, usage: r.usage, source: { path, offset: l.offset, bytes: l.bytes } });
    summary.add({ outcome: r.outcome, errorCode: r.errorCode, errorMessage: r.errorMessage, usage: r.usage, line: l.line });
  }
  return { rows, summary: summary.build({ jobId: path }), skipped };
}

/**
 * Whether the first non-blank line of `path` is a results line (of any provider or a Batchwise record):
 * tells a results file from a request file, so "Open Results" on an input never shows an empty panel.
 */
export async function looksLikeResultsFile(path: string, signal?: AbortSignal): Promise<boolean> {
  for await (const l of readJsonlFile(path, { signal })) {
    if (isBlankLine(l.text)) continue;
    return parseResultLine(l.text) !== undefined;
  }
  return false;
}
