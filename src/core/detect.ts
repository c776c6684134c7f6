import type { ProviderId } from './status';

/**
 * Which provider format one parsed line has, by its top-level keys:
 * OpenAI `custom_id`+`method`/`url`/`body`, Anthropic `custom_id`+`params`, Gemini `key`/`request`.
 * Returns null when the shape says nothing (not an object, or only an id).
 */
export function detectLineProvider(obj: unknown): ProviderId | null {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return null;
  const o = obj as Record<string, unknown>;
  if ('params' in o) return 'anthropic';
  if ('request' in o || ('key' in o && !('custom_id' in o))) return 'gemini';
  if ('body' in o || 'url' in o || 'method' in o) return 'openai';
  return null;
}

/** Tallies line shapes and names the majority; ties go to the provider seen first. */
export class ProviderVote {
  private readonly counts = new Map<ProviderId, number>();
  private seen = 0;

  add(obj: unknown): void {
    const p = detectLineProvider(obj);
    if (!p) return;
    this.seen++;
    this.counts.set(p, (this.counts.get(p) ?? 0) + 1);
  }

  get votes(): number {
    return this.seen;
  }

  winner(): ProviderId | null {
    let best: ProviderId | null = null;
    let bestN = 0;
    for (const [p, n] of this.counts) {
      if (n > bestN) {
        best = p;
        bestN = n;
      }
    }
    return best;
  }
}
