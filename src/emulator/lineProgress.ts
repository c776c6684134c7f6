import type { Outcome } from './markers';
import { promptHash } from './replies';

/** Which lines are finished at a processed share: the first lines in input order, never the `[[expire]]` ones. */
export function processedMask(outcomes: readonly Outcome[], fraction: number): boolean[] {
  const eligible = outcomes.reduce((n, o) => n + (o === 'expire' ? 0 : 1), 0);
  let left = Math.floor(eligible * fraction);
  return outcomes.map((o) => {
    if (o === 'expire' || left <= 0) return false;
    left -= 1;
    return true;
  });
}

export interface LineTally {
  succeeded: number;
  failed: number;
  unfinished: number;
}

export function tally(outcomes: readonly Outcome[], done: readonly boolean[]): LineTally {
  const t = { succeeded: 0, failed: 0, unfinished: 0 };
  outcomes.forEach((o, i) => {
    if (!done[i]) t.unfinished += 1;
    else if (o === 'fail') t.failed += 1;
    else t.succeeded += 1;
  });
  return t;
}

/**
 * Result files of OpenAI and Anthropic are not in input order on the real services; the emulator returns them in a
 * stable order sorted by a hash of the id, so a consumer that joins by position instead of by id fails its tests.
 */
export function resultOrder(ids: readonly string[]): number[] {
  return ids.map((id, i) => ({ i, k: promptHash(id) })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i)).map((x) => x.i);
}
