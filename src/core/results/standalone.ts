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
