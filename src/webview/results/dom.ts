import { showBidiControls } from '../../core/safeText';

/**
 * Tiny DOM builder: every text goes through textContent (model output is untrusted; no innerHTML anywhere), with
 * bidi controls shown as `<U+202E>` so an id, input or output cannot show reversed text.
 */
export type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Record<string, string | undefined>, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Record<string, string | undefined>, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(showBidiControls(c)) : c);
  }
}

export function clear(el: Element): void {
  el.replaceChildren();
}

export function text(tag: keyof HTMLElementTagNameMap, value: string, cls?: string): HTMLElement {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  el.textContent = showBidiControls(value);
  return el;
}

export function formatNumber(n: number): string {
  return n.toLocaleString('en-US');
}


