import type { Diagnostic } from '../diagnostics';
import type { ProviderLimits } from '../limits';
import type { ProviderId } from '../status';
import type { DiagnosticSink } from './sink';
import { PROVIDER_NAMES, plural } from './text';

/** What each provider does with a leading byte order mark. */
const BOM_EFFECT: Record<ProviderId, string> = {
  openai: 'OpenAI reads it as part of the first line, which then is not valid JSON, and can fail the whole batch',
  anthropic: 'Batchwise strips it before sending the requests to Anthropic, but other tools reading this file may not',
  gemini: 'Gemini\'s file import may read it as part of the first line and reject that request',
  local: 'Batchwise strips it, but vLLM\'s run-batch reads it as part of the first line and aborts',
};

/** What each provider does with an empty line. */
const BLANK_EFFECT: Record<ProviderId, string> = {
  openai: 'OpenAI may count it as an invalid line and fail the batch',
  anthropic: 'Batchwise skips it when it builds the Anthropic request list, but other tools may not',
  gemini: 'Gemini\'s file import may reject it as a request without a key',
  local: 'Batchwise and vLLM skip it, but an OpenAI upload of the same file may fail',
};

/**
 * A service that refuses BOM files (Azure OpenAI) makes the BOM an error, so the file is stopped before upload: Azure
 * fails it with an unrelated message (MicrosoftDocs/azure-ai-docs articles/ai-foundry/openai/how-to/batch.md, Known issues).
 */
export function reportBom(sink: DiagnosticSink, provider: ProviderId | null, limits?: Pick<ProviderLimits, 'label' | 'rejectsBom'>): void {
  if (!sink.wants('bom')) return;
  const refused = limits?.rejectsBom === true;
  const effect = refused
    ? `${limits?.label ?? PROVIDER_NAMES[provider ?? 'openai']} refuses such files, and with a misleading error ("A valid model deployment name couldn't be extracted from the input file"), so Batchwise does not submit it`
    : BOM_EFFECT[provider ?? 'openai'];
  sink.push({
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 1,
    severity: refused ? 'error' : 'warning',
    code: 'bom',
    message: `The file starts with a UTF-8 byte order mark (BOM): ${effect}. Save it as UTF-8 without BOM.`,
    // Line text (and every column) excludes the BOM, as editors show it, so no text edit can remove it:
    // apply this fix by rewriting the file with removeUtf8Bom (jsonl.ts). No edits, so generic appliers do nothing wrong.
    fix: { title: 'Remove the byte order mark (save as UTF-8 without BOM)', edits: [] },
  });
}

export function reportBlankLine(sink: DiagnosticSink, provider: ProviderId | null, line: number, length: number, isLast: boolean): void {
  if (!sink.wants('blank-line')) return;
  const effect = BLANK_EFFECT[provider ?? 'openai'];
  const d: Diagnostic = {
    line,
    column: 1,
    endLine: line,
    endColumn: length + 1,
    severity: 'warning',
    code: 'blank-line',
    message: `Line ${line} is blank: ${effect}. Delete it.`,
  };
  // Deleting the whole line (up to the next line's start) when there is one after it.
  if (!isLast) d.fix = { title: 'Delete the blank line', edits: [{ line, column: 1, endLine: line + 1, endColumn: 1, text: '' }] };
  sink.push(d);
}

export function reportTooManyRequests(sink: DiagnosticSink, provider: ProviderId, limits: Omit<ProviderLimits, 'source'>, requests: number, firstLineOver: number, file: string): void {
  reportOverLimit(sink, 'too-many-requests', firstLineOver, `The file has ${plural(requests, 'request')}; ${limits.label ?? PROVIDER_NAMES[provider]} accepts at most ${limits.maxRequests.toLocaleString('en-US')} per batch, and this line is the first over the limit.`, file);
}

export function reportFileTooLarge(sink: DiagnosticSink, provider: ProviderId, limits: Omit<ProviderLimits, 'source'>, bytes: number, firstLineOver: number, file: string): void {
  const [size, max] = sizesApart(bytes, limits.maxBytes);
  reportOverLimit(sink, 'file-too-large', firstLineOver, `The file is ${size}; ${limits.label ?? PROVIDER_NAMES[provider]} accepts at most ${max} per batch, and this line is the first past the limit.`, file);
}

/** A provider limit passed: an error at the start of the first line over it, with the command that splits the file. */
function reportOverLimit(sink: DiagnosticSink, code: 'too-many-requests' | 'file-too-large', line: number, what: string, file: string): void {
  if (!sink.wants(code)) return;
  sink.push({ line, column: 1, endLine: line, endColumn: 2, severity: 'error', code, message: `${what} Split it into parts with \`batchwise split ${file} --out-dir parts\`.` });
}

export function reportEmpty(sink: DiagnosticSink): void {
  if (!sink.wants('empty-file')) return;
  sink.push({
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 1,
    severity: 'error',
    code: 'empty-file',
    message: 'The file has no requests: a batch file needs one JSON request per line. Add at least one request.',
  });
}

/** Two sizes in words that differ whenever the sizes do: exact bytes when the rounded figures would be equal. */
export function sizesApart(a: number, b: number): [string, string] {
  const [fa, fb] = [formatBytes(a), formatBytes(b)];
  if (fa !== fb || a === b) return [fa, fb];
  return [`${fa} (${a.toLocaleString('en-US')} bytes)`, `${fb} (${b.toLocaleString('en-US')} bytes)`];
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}
