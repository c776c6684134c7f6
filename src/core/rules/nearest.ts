/** Edit distance (insertions, deletions, substitutions), for "did you mean" suggestions. */
export function levenshtein(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The candidate closest to `value` (case-insensitive, ignoring a trailing slash); ties go to the first. */
export function nearest<T extends string>(value: string, candidates: readonly T[]): T {
  const v = value.trim().toLowerCase().replace(/\/+$/, '');
  let best = candidates[0]!;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = levenshtein(v, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
