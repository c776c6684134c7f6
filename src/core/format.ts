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

/** Decimals that show `a` with two significant digits, at least cents; at most 6 (below that it prints `< $0.000001`). */
function decimalsFor(a: number): number {
  if (a >= 1) return 2;
  return Math.min(6, Math.max(2, 1 - Math.floor(Math.log10(a))));
}

/**
 * One precision for every amount of a message (standard, batch, saving...), chosen so the smallest still shows
 * two significant digits; `difference` prints a - b from the rounded figures, so saving = standard - batch to the
 * last digit shown.
 */
export function moneyFormat(values: readonly (number | null | undefined)[], currency = 'USD'): { money: (n: number | null | undefined) => string; difference: (a: number | null | undefined, b: number | null | undefined) => string } {
  const shown = values.filter((v): v is number => typeof v === 'number' && Math.abs(v) >= 0.000001);
  const digits = shown.length ? Math.max(...shown.map((v) => decimalsFor(Math.abs(v)))) : 2;
  const scale = 10 ** digits;
  const units = (n: number) => Math.round(n * scale);
  const print = (u: number) => {
    const s = (u / scale).toFixed(digits);
    return currency === 'USD' ? (u < 0 ? `-$${s.slice(1)}` : `$${s}`) : `${s} ${currency}`;
  };
  const money = (n: number | null | undefined): string => {
    if (n === null || n === undefined) return 'n/a';
    if (n !== 0 && Math.abs(n) < 0.000001) return formatMoney(n, currency);
    return print(units(n));
  };
  const difference = (a: number | null | undefined, b: number | null | undefined): string =>
    a === null || a === undefined || b === null || b === undefined ? 'n/a' : print(units(a) - units(b));
  return { money, difference };
}
