import { camelCase, normalizeGeminiRequest, type RequestFieldIssue } from '../geminiRequest';
import { levenshtein } from './nearest';
import type { LineContext } from './sink';
import { pathLabel } from './text';

/** `maxOutputTokens` -> `max_output_tokens`, to suggest a name in the spelling the line already uses. */
function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Other APIs' names for a Gemini field (OpenAI, Anthropic habits), too far apart for the edit distance to find. */
const OTHER_API_NAMES: Record<string, string> = { maxTokens: 'maxOutputTokens', maxCompletionTokens: 'maxOutputTokens', stop: 'stopSequences', n: 'candidateCount' };

/** The known field closest to a misspelt one, when it is close enough to be a typo. */
function suggestion(key: string, known: string[]): string | undefined {
  const alias = OTHER_API_NAMES[camelCase(key)];
  if (alias && known.includes(alias)) return key.includes('_') ? snakeCase(alias) : alias;
  const wanted = camelCase(key).toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = levenshtein(wanted, k.toLowerCase());
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  if (!best || bestD > Math.max(2, Math.floor(wanted.length / 4))) return undefined;
  return key.includes('_') ? snakeCase(best) : best;
}

function messageOf(issue: RequestFieldIssue, key: string, fix: string | undefined): string {
  const where = pathLabel(['request', ...issue.path]);
  switch (issue.kind) {
    case 'duplicate':
      return `${where} repeats ${JSON.stringify(issue.other)} in another spelling (snake_case and camelCase name the same ${issue.message} field); Gemini rejects a request that sets a field twice. Keep one of them.`;
    case 'vertex-only':
      return `${where}: ${issue.message} field ${JSON.stringify(key)} is accepted only by Vertex AI, not by the Gemini Developer API that runs these batches; the request would be rejected. Remove it.`;
    default:
      return `${where}: ${issue.message} has no field ${JSON.stringify(key)}${fix ? ` (did you mean ${JSON.stringify(fix)}?)` : ''}; Gemini rejects a request with an unknown field. ${fix ? 'Rename it' : 'Remove it, or check the name against the Gemini API reference'}.`;
  }
}

/**
 * Fields of a GenerateContentRequest that Gemini does not have (misspelt, from another API, Vertex-only) or that
 * are given twice: a warning each, on the key. Batchwise never drops them on the way (such a line goes in an
 * uploaded file exactly as written), so this is where the user learns about them.
 */
export function checkGeminiRequestFields(ctx: LineContext, request: Record<string, unknown>): void {
  for (const issue of normalizeGeminiRequest(request).issues) {
    const key = String(issue.path[issue.path.length - 1]);
    const fix = issue.kind === 'unknown' ? suggestion(key, issue.known) : undefined;
    ctx.report(
      'unknown-field',
      'warning',
      (l) => l.keyRange(['request', ...issue.path]),
      () => messageOf(issue, key, fix),
      fix ? (_l, r) => ({ fix: ctx.replace(`Rename to "${fix}"`, r, JSON.stringify(fix)) }) : undefined,
    );
  }
}
