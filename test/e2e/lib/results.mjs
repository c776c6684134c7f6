// Reading and driving the results panel (a webview) the way a person does; shared by the suites.

const squash = (t) => t.replace(/\s+/g, ' ');

/** The results header (counts) when the panel has one, else the whole page: rows like "req-2 succeeded" must not count. */
export async function headerText(frame) {
  const header = frame.locator('header, .bw-header, [role="banner"]').first();
  return squash((await header.count()) ? await header.innerText() : await frame.locator('body').innerText());
}

/** A count in the results panel's header, shown as "4 succeeded" (value above label). 0 when absent. */
export function countOf(text, word) {
  const m = new RegExp(`(\\d+)\\s*(?:${word})\\b`, 'i').exec(text);
  return m ? Number(m[1]) : 0;
}

/** Picks an entry of the results panel's outcome filter (a vscode-single-select, or a native select). */
export async function chooseFilter(wb, frame, label) {
  const native = frame.locator('select').filter({ has: frame.locator('option', { hasText: label }) });
  if (await native.count()) return native.first().selectOption({ label });
  const select = await wb.expectVisible(frame.locator('vscode-single-select, [aria-label*="filter" i]'), 'an outcome filter in the results panel');
  await select.click();
  const option = frame.getByRole('option', { name: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) });
  await (await wb.expectVisible(option, `a "${label}" entry in the outcome filter`)).click();
}
