import { BoundedSet } from './boundedMap';

/**
 * Failure markers in a request's text (searched in the request serialized as JSON, so any field counts):
 *   [[fail]]       the request errors every time
 *   [[fail-once]]  errors the first time its id (custom_id / Gemini key) is submitted to this emulator process
 *   [[expire]]     never finishes, so its batch ends expired with the other lines' results kept
 * When several appear, expire wins over fail, and fail over fail-once.
 * Answer markers shape a succeeded answer (issue 20, with the providers' own field names):
 *   [[truncate]]   cut off at the request's token limit (finish reason length / max_tokens / MAX_TOKENS) when its id
 *                  comes with the limit it first had; in full once it comes back with a higher limit
 *   [[refuse]]     a refusal (OpenAI `refusal`, Anthropic stop_reason refusal, Gemini finishReason SAFETY)
 *   [[bad-json]]   a request that asks for JSON gets an answer that does not parse
 */
export type Outcome = 'ok' | 'fail' | 'expire';

export const FAIL = '[[fail]]';
export const FAIL_ONCE = '[[fail-once]]';
export const EXPIRE = '[[expire]]';
export const TRUNCATE = '[[truncate]]';
export const REFUSE = '[[refuse]]';
/** In a request that asks for JSON: the answer is a cut-off JSON object (OpenAI, emulator/openai/replies.ts). */
export const BAD_JSON = '[[bad-json]]';

/** How a succeeded answer comes back. */
export type AnswerShape = 'full' | 'truncated' | 'refused';

export class MarkerMemory {
  private readonly seen = new BoundedSet(200_000);
  /** The token limit each `[[truncate]]` request first came with, by id. */
  private readonly firstLimit = new Map<string, number>();

  /** Decides at submission how a succeeded answer is shaped; `limit` is the request's output token limit. */
  shape(requestText: string, id: string, limit: number | undefined): AnswerShape {
    if (requestText.includes(REFUSE)) return 'refused';
    if (!requestText.includes(TRUNCATE)) return 'full';
    const first = this.firstLimit.get(id);
    if (first === undefined) {
      if (this.firstLimit.size >= 200_000) this.firstLimit.clear();
      this.firstLimit.set(id, limit ?? 0);
      return 'truncated';
    }
    return limit !== undefined && limit > first ? 'full' : 'truncated';
  }

  /** Decides a request's outcome at submission; `id` is namespaced by the caller (provider + custom_id). */
  outcome(requestText: string, id: string): Outcome {
    if (requestText.includes(EXPIRE)) return 'expire';
    if (requestText.includes(FAIL)) return 'fail';
    if (requestText.includes(FAIL_ONCE)) {
      if (this.seen.has(id)) return 'ok';
      this.seen.add(id);
      return 'fail';
    }
    return 'ok';
  }
}

export function stripMarkers(text: string): string {
  return text.replace(/\s*\[\[(?:fail|fail-once|expire|truncate|refuse|bad-json)\]\]\s*/g, ' ').trim();
}
