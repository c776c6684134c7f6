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

/** `1 line`, `2 lines`, `1 retry`, `3 retries`: every count in a message agrees with its noun. */
export function countOf(n: number, one: string, many = `${one}s`): string {
  return `${Math.round(n).toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/**
 * A job status as the UI writes it: words, and one spelling of "canceled" (VS Code's and Anthropic's) even though
 * the stored status value is OpenAI's `cancelled`.
 */
export function statusText(status: string): string {
  return status.replace(/_/g, ' ').replace(/\bcancell(ed|ing)\b/g, 'cancel$1');
}
