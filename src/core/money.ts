/**
 * One way to print a cost everywhere (confirmation, tree, results panel, CLI). Batch jobs often cost fractions of a
 * cent, so small amounts keep two significant digits instead of rounding to $0.0000. Dependency-free: the webview
 * bundles it too.
 */
export function formatMoney(n: number | null | undefined, currency = 'USD'): string {
  if (n === null || n === undefined) return 'n/a';
  const a = Math.abs(n);
  if (a > 0 && a < 0.000001) return currency === 'USD' ? '< $0.000001' : `< 0.000001 ${currency}`;
  const digits = n === 0 ? '0.00' : a >= 1 ? n.toFixed(2) : a >= 0.01 ? n.toFixed(4) : String(Number(n.toPrecision(2)));
  return currency === 'USD' ? `$${digits}` : `${digits} ${currency}`;
}
