import type { z } from 'zod';
import type { ProviderId } from '../status';
import type { JsonPath } from '../jsonLocate';
import type { LineContext } from './sink';
import { schemaFix } from './schemaFixes';
import { PROVIDER_NAMES, describeValue, pathLabel } from './text';

type Issue = z.core.$ZodIssue;

const TOKEN_KEYS = new Set(['max_tokens', 'max_completion_tokens', 'max_output_tokens', 'maxOutputTokens']);

/** The code a schema issue gets: a few fields have their own (quick fixes key on them), the rest the section's. */
export function issueCode(provider: ProviderId, issuePath: PropertyKey[], missing: boolean): string {
  const last = issuePath[issuePath.length - 1];
  if (last === 'role') return 'invalid-role';
  if (typeof last === 'string' && TOKEN_KEYS.has(last)) {
    return provider === 'anthropic' && missing && issuePath.length === 1 ? 'missing-max-tokens' : 'invalid-max-tokens';
  }
  if (provider === 'anthropic' && issuePath[0] === 'system') return 'invalid-system';
  if (provider === 'anthropic') return 'invalid-params';
  if (provider === 'gemini') return 'invalid-request';
  return 'invalid-body';
}

/** Reports each schema issue of a request section (`body`, `params`, `request`) at the exact value. */
export function reportSchemaIssues(ctx: LineContext, provider: ProviderId, prefix: JsonPath, section: unknown, issues: readonly Issue[]): void {
  for (const issue of issues) {
    const rel = issue.path as PropertyKey[];
    const { found, value } = valueAt(section, rel);
    const missing = !found || value === undefined;
    const code = issueCode(provider, rel, missing);
    const path: JsonPath = [...prefix, ...(rel.filter((k) => typeof k !== 'symbol') as (string | number)[])];
    const last = rel[rel.length - 1];
    ctx.report(
      code,
      'error',
      (l) => (missing ? l.ancestorRange(path) : l.valueRange(path)),
      () => `${pathLabel(path)} ${missing ? 'is missing' : problem(issue, value)}. ${hint(provider, typeof last === 'string' ? last : '', missing, value)}`,
      code === 'missing-max-tokens'
        ? (l) => {
            const ins = l.insertFirstProperty(prefix, 'max_tokens', '1024');
            return ins ? { fix: { title: 'Add "max_tokens": 1024', edits: [{ line: ctx.line, column: ins.column, endLine: ctx.line, endColumn: ins.column, text: ins.text }] } } : {};
          }
        : (l) => {
            const fix = schemaFix(ctx, l, { provider, code, prefix, rel: path.slice(prefix.length), section, value, missing, ...(issue.code === 'invalid_value' ? { allowed: issue.values } : {}) });
            return fix ? { fix } : {};
          },
    );
  }
}

function valueAt(root: unknown, path: PropertyKey[]): { found: boolean; value: unknown } {
  let cur: unknown = root;
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null || !(k in (cur as object))) return { found: false, value: undefined };
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return { found: true, value: cur };
}

function problem(issue: Issue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_value':
      return `must be ${issue.values.length > 1 ? 'one of ' : ''}${issue.values.map((v) => JSON.stringify(v)).join(', ')} (got ${describeValue(value)})`;
    case 'invalid_type':
      if (issue.expected === 'int') return `must be a whole number (got ${describeValue(value)})`;
      return `must be ${article(issue.expected)} (got ${describeValue(value)})`;
    case 'too_small':
      if (issue.origin === 'array') return 'must not be empty';
      if (issue.origin === 'string') return 'must not be an empty string';
      return `must be greater than ${String(issue.minimum)} (got ${describeValue(value)})`;
    case 'invalid_union': {
      const kinds = [...new Set(issue.errors.map((e) => (e[0]?.code === 'invalid_type' ? article(e[0].expected) : 'another shape')))];
      return `must be ${kinds.join(' or ')} (got ${describeValue(value)})`;
    }
    case 'invalid_format':
      return `has the wrong format (got ${describeValue(value)})`;
    default:
      return `is not valid: ${issue.message}`;
  }
}

function article(expected: string): string {
  if (expected === 'array') return 'an array';
  if (expected === 'object') return 'an object';
  if (expected === 'int') return 'a whole number';
  return `a ${expected}`;
}

const MODEL_EXAMPLE: Record<ProviderId, string> = { openai: 'gpt-4o-mini', local: 'meta-llama/Llama-3.1-8B-Instruct', anthropic: 'claude-sonnet-4-5', gemini: 'gemini-2.5-flash' };

function hint(provider: ProviderId, key: string, missing: boolean, value: unknown): string {
  const name = PROVIDER_NAMES[provider];
  switch (key) {
    case 'model':
      return `Add the model name, e.g. "model": "${MODEL_EXAMPLE[provider]}".`;
    case 'messages':
      return 'Give a non-empty array like [{"role": "user", "content": "..."}].';
    case 'role':
      if (provider === 'anthropic') return value === 'system' ? 'Anthropic takes the system prompt in params.system, not as a message: move it there.' : 'Anthropic messages alternate "user" and "assistant".';
      if (provider === 'gemini') return value === 'assistant' ? 'Gemini calls the assistant\'s turns "model": rename the role.' : 'Gemini roles are "user" and "model"; the system prompt goes in systemInstruction.';
      return 'Use one of the chat roles system, developer, user, assistant or tool.';
    case 'content':
      return missing ? 'Give the message text, e.g. "content": "...".' : 'Give the text as a string, or an array of content parts like [{"type": "text", "text": "..."}].';
    case 'input':
    case 'prompt':
      return `Give the ${key} as a string or a non-empty array (e.g. of strings).`;
    case 'max_tokens':
    case 'max_completion_tokens':
    case 'max_output_tokens':
    case 'maxOutputTokens':
      if (provider === 'anthropic' && missing) return 'Anthropic requires it: add "max_tokens": 1024 (the most tokens the reply may use).';
      return 'Use a whole number above 0, without quotes, e.g. 1024.';
    case 'contents':
      return 'Give an array like [{"role": "user", "parts": [{"text": "..."}]}].';
    case 'parts':
      return 'Give a non-empty array like [{"text": "..."}].';
    case 'system':
      return 'Give a string, or an array of {"type": "text", "text": "..."} blocks.';
    case 'text':
      return 'Give the text as a string.';
    case 'type':
      return 'Each block needs a "type", e.g. "text".';
    case 'temperature':
      return 'Use a number without quotes, e.g. 0.7.';
    case 'stream':
      return 'Batches cannot stream: remove "stream" or set it to false.';
    default:
      return `Check it against the ${name} API reference.`;
  }
}
