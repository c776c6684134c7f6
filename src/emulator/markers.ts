import { BoundedSet } from './boundedMap';

/**
 * Failure markers in a request's text (searched in the request serialized as JSON, so any field counts):
 *   [[fail]]       the request errors every time
 *   [[fail-once]]  errors the first time its id (custom_id / Gemini key) is submitted to this emulator process
 *   [[expire]]     never finishes, so its batch ends expired with the other lines' results kept
 * When several appear, expire wins over fail, and fail over fail-once.
 */
export type Outcome = 'ok' | 'fail' | 'expire';

export const FAIL = '[[fail]]';
export const FAIL_ONCE = '[[fail-once]]';
export const EXPIRE = '[[expire]]';

export class MarkerMemory {
  private readonly seen = new BoundedSet(200_000);

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
  return text.replace(/\s*\[\[(?:fail|fail-once|expire)\]\]\s*/g, ' ').trim();
}
