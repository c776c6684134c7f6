import { ANTHROPIC_LINE_KEYS, AnthropicParamsSchema } from '../schemas/anthropic';
import { checkRequestId, checkTemperature, checkUnknownKeys } from './common';
import { reportSchemaIssues } from './issues';
import type { LineContext } from './sink';
import type { FileState } from './state';
import { describeValue } from './text';

/** One Anthropic Message Batches request: `custom_id` + `params` (a Messages request). Models may differ per request. */
export function checkAnthropicLine(ctx: LineContext, o: Record<string, unknown>, st: FileState): void {
  checkUnknownKeys(ctx, o, ANTHROPIC_LINE_KEYS, st, 'params');
  checkRequestId(ctx, o, 'custom_id', st);
  const params = o.params;
  if (params === undefined || params === null) {
    ctx.report(
      'missing-params',
      'error',
      (l) => (params === null ? l.valueRange(['params']) : { column: 1, endColumn: 2 }),
      () => 'This request has no "params". Add the Messages request, e.g. "params": {"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": [{"role": "user", "content": "..."}]}.',
    );
    return;
  }
  if (typeof params !== 'object' || Array.isArray(params)) {
    ctx.report('invalid-params', 'error', (l) => l.valueRange(['params']), () => `params must be a JSON object with the Messages request (got ${describeValue(params)}). Write it as {"model": "...", "max_tokens": 1024, "messages": [...]}.`);
    return;
  }
  const p = params as Record<string, unknown>;
  const parsed = AnthropicParamsSchema.safeParse(p);
  if (!parsed.success) reportSchemaIssues(ctx, 'anthropic', ['params'], p, parsed.error.issues);
  checkTemperature(ctx, p.temperature, ['params', 'temperature'], 1, 'Anthropic');
  if (!st.model && typeof p.model === 'string' && p.model) st.model = { value: p.model, line: ctx.line };
}
