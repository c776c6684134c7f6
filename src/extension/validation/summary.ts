import { plural } from '../../core/rules/text';
import { iconSafeText } from '../../core/safeText';

/**
 * The words Batchwise shows about a validated file: the status bar text, its tooltip and the
 * notification of the Validate command. Pure so the exact format is unit-tested.
 */

/** The fields of a core `ValidationResult` the summary needs. */
export interface SummarizableResult {
  provider: string | null;
  endpoint: string | null;
  model: string | null;
  lines: number;
  requests: number;
  bytes: number;
  diagnostics: ReadonlyArray<{ severity: 'error' | 'warning' | 'info' }>;
  /** Real counts, also past the per-code cap of `diagnostics`. */
  totals?: { errors: number; warnings: number };
}

export interface ValidationSummary {
  errors: number;
  warnings: number;
  infos: number;
  requests: number;
  lines: number;
  bytes: number;
  provider: string | null;
  endpoint: string | null;
  model: string | null;
}

export function summarize(result: SummarizableResult): ValidationSummary {
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  for (const d of result.diagnostics) {
    if (d.severity === 'error') errors++;
    else if (d.severity === 'warning') warnings++;
    else infos++;
  }
  return {
    errors: result.totals?.errors ?? errors,
    warnings: result.totals?.warnings ?? warnings,
    infos,
    requests: result.requests,
    lines: result.lines,
    bytes: result.bytes,
    provider: result.provider,
    endpoint: result.endpoint,
    model: result.model,
  };
}

/** `openai /v1/chat/completions`; the model stands in when a format has no endpoint (Anthropic, Gemini). */
export function targetText(s: Pick<ValidationSummary, 'provider' | 'endpoint' | 'model'>): string {
  if (!s.provider) return 'format not recognized';
  // The endpoint or model is the file's own text, shown in the status bar where `$(icon)` renders.
  const detail = s.endpoint ?? s.model;
  return detail ? `${s.provider} ${iconSafeText(detail, 80)}` : s.provider;
}

/**
 * Status bar text. The leading slot holds the errors (or, with none, the warnings), so the documented
 * `3 errors · 12,000 requests · openai /v1/chat/completions` keeps its shape; warnings next to errors
 * trail at the end. Examples: `$(error) 3 errors · 12,000 requests · openai /v1/chat/completions · 1 warning`,
 * `$(warning) 1 warning · 12 requests · anthropic claude-sonnet-4-5`, `$(check) 12 requests · openai /v1/embeddings`.
 */
export function statusText(s: ValidationSummary): string {
  const parts = [plural(s.requests, 'request'), targetText(s)];
  if (s.errors > 0) {
    parts.unshift(plural(s.errors, 'error'));
    if (s.warnings > 0) parts.push(plural(s.warnings, 'warning'));
    return `$(error) ${parts.join(' · ')}`;
  }
  if (s.warnings > 0) return `$(warning) ${[plural(s.warnings, 'warning'), ...parts].join(' · ')}`;
  return `$(check) ${parts.join(' · ')}`;
}

/** The problem counts, errors first: `3 errors`, `1 warning`; empty when there are none. */
function problemParts(s: ValidationSummary): string[] {
  const parts: string[] = [];
  if (s.errors > 0) parts.push(plural(s.errors, 'error'));
  if (s.warnings > 0) parts.push(plural(s.warnings, 'warning'));
  return parts;
}

/** Words for screen readers: codicons are not read out. */
export function statusAccessibilityLabel(s: ValidationSummary): string {
  const verdict = s.errors > 0 ? problemParts(s).join(', ') : s.warnings > 0 ? `valid, ${problemParts(s).join(', ')}` : 'valid';
  return `Batchwise: ${verdict}, ${plural(s.requests, 'request')}, ${targetText(s)}`;
}

export function statusTooltip(fileName: string, s: ValidationSummary): string {
  const verdict = s.errors > 0 ? 'has errors: the provider would reject this batch' : 'valid';
  const lines = [
    `Batchwise: ${fileName} ${verdict}`,
    `${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}`,
    `${plural(s.requests, 'request')} on ${plural(s.lines, 'line')}, ${formatBytes(s.bytes)}`,
    `Provider: ${s.provider ?? 'not recognized'}${s.endpoint ? `, endpoint ${s.endpoint}` : ''}${s.model ? `, model ${s.model}` : ''}`,
    'Click to open the Problems panel',
  ];
  return lines.join('\n');
}

/**
 * The Validate command's notification: `openai-valid.jsonl: valid — 12 requests · openai /v1/chat/completions`
 * or `openai-broken.jsonl: 5 errors, 1 warning`.
 */
export function notificationText(fileName: string, s: ValidationSummary): string {
  if (s.errors > 0) return `${fileName}: ${problemParts(s).join(', ')}`;
  const warnings = s.warnings > 0 ? ` (${plural(s.warnings, 'warning')})` : '';
  return `${fileName}: valid — ${plural(s.requests, 'request')} · ${targetText(s)}${warnings}`;
}

/** One notification for a multi-file validation: `Validated 7 files: 2 with errors (a.jsonl, b.jsonl), 5 valid`. */
export function multiFileNotificationText(results: ReadonlyArray<{ fileName: string; summary: ValidationSummary }>, failed: readonly string[] = []): string {
  const withErrors = results.filter((r) => r.summary.errors > 0).map((r) => r.fileName);
  const valid = results.length - withErrors.length;
  const parts: string[] = [];
  if (withErrors.length > 0) parts.push(`${withErrors.length} with errors (${listNames(withErrors)})`);
  parts.push(`${valid} valid`);
  if (failed.length > 0) parts.push(`${failed.length} could not be read (${listNames(failed)})`);
  return `Validated ${plural(results.length + failed.length, 'file')}: ${parts.join(', ')}`;
}

function listNames(names: readonly string[], max = 3): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** `1.2 MB`, `830 KB`, `12 bytes` (decimal units, like the provider limits are documented). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return plural(bytes, 'byte');
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(bytes < 10_000 ? 1 : 0)} KB`;
  if (bytes < 1_000_000_000) return `${(bytes / 1_000_000).toFixed(bytes < 10_000_000 ? 1 : 0)} MB`;
  return `${(bytes / 1_000_000_000).toFixed(1)} GB`;
}

/** Progress message while a file is read from disk: `42% of 180 MB`. */
export function progressText(bytesRead: number, totalBytes: number): { percent: number; message: string } {
  const percent = totalBytes > 0 ? Math.min(100, Math.floor((bytesRead / totalBytes) * 100)) : 100;
  return { percent, message: `${percent}% of ${formatBytes(totalBytes)}` };
}
