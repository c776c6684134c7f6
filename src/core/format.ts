// How figures print, the same in the extension, the webview and the CLI. Dependency-free: the webview bundles it.

/**
 * One way to print a cost everywhere (confirmation, tree, results panel, CLI). Batch jobs often cost fractions of a
 * cent, so small amounts keep two significant digits instead of rounding to $0.0000.
 */
export function formatMoney(n: number | null | undefined, currency = 'USD'): string {
  if (n === null || n === undefined) return 'n/a';
  const a = Math.abs(n);
  if (a > 0 && a < 0.000001) return currency === 'USD' ? '< $0.000001' : `< 0.000001 ${currency}`;
  const digits = n === 0 ? '0.00' : a >= 1 ? n.toFixed(2) : a >= 0.01 ? n.toFixed(4) : String(Number(n.toPrecision(2)));
  return currency === 'USD' ? `$${digits}` : `${digits} ${currency}`;
}

/** A batch's turnaround: `42 s`, `3 min 5 s`, `2 h 10 min`. */
export function formatTurnaround(seconds: number | null): string {
  if (seconds === null) return 'n/a';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}
