import { GEMINI_LINE_KEYS, GeminiEmbedRequestSchema, GeminiRequestSchema } from '../schemas/gemini';
import { checkRequestId, checkSameAsFirst, checkTemperature, checkUnknownKeys } from './common';
import { checkGeminiRequestFields } from './geminiFields';
import { reportSchemaIssues } from './issues';
import type { LineContext } from './sink';
import type { FileState } from './state';
import { describeValue } from './text';

/** One Gemini batch file line: `key` + `request` (a GenerateContentRequest). */
export function checkGeminiLine(ctx: LineContext, o: Record<string, unknown>, st: FileState): void {
  checkUnknownKeys(ctx, o, GEMINI_LINE_KEYS, st, 'request');
  checkRequestId(ctx, o, 'key', st);
  const request = o.request;
  if (request === undefined || request === null) {
    ctx.report(
      'missing-request',
      'error',
      (l) => (request === null ? l.valueRange(['request']) : { column: 1, endColumn: 2 }),
      () => 'This line has no "request". Add the GenerateContentRequest, e.g. "request": {"contents": [{"role": "user", "parts": [{"text": "..."}]}]}.',
    );
    return;
  }
  if (typeof request !== 'object' || Array.isArray(request)) {
    ctx.report('invalid-request', 'error', (l) => l.valueRange(['request']), () => `request must be a JSON object with "contents" (got ${describeValue(request)}). Write it as {"contents": [{"role": "user", "parts": [{"text": "..."}]}]}.`);
    return;
  }
  const r = request as Record<string, unknown>;
  // `content` (singular) without `contents` is an embeddings request (EmbedContentRequest).
  const isEmbedding = r.content !== undefined && r.contents === undefined;
  const parsed = (isEmbedding ? GeminiEmbedRequestSchema : GeminiRequestSchema).safeParse(r);
  if (!parsed.success) reportSchemaIssues(ctx, 'gemini', ['request'], r, parsed.error.issues);
  if (!isEmbedding) checkGeminiRequestFields(ctx, r);
  for (const key of ['generationConfig', 'generation_config']) {
    const cfg = r[key];
    if (typeof cfg === 'object' && cfg !== null) checkTemperature(ctx, (cfg as Record<string, unknown>).temperature, ['request', key, 'temperature'], 2, 'Gemini');
  }
  // The batch names the model, not the line: lines naming different models cannot go in one batch.
  if (typeof r.model === 'string' && r.model) {
    checkSameAsFirst(ctx, 'model', r.model, ['request', 'model'], st, 'A Gemini batch runs one model, given when the batch is created.');
  }
}
