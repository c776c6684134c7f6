// Issue 12: a bidi override (U+202E) in a custom_id, input or output must not show reversed text in the results
// panel (table, detail, diff, raw JSON). The webview's DOM helpers are run against a minimal document that
// records the text nodes they create.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

class FakeNode {
  children: FakeNode[] = [];
  attrs: Record<string, string> = {};
  className = '';
  constructor(readonly tag: string, public textContent = '') {}
  append(...nodes: FakeNode[]): void {
    this.children.push(...nodes);
  }
  setAttribute(k: string, v: string): void {
    this.attrs[k] = v;
  }
  replaceChildren(): void {
    this.children = [];
  }
  allText(): string {
    return this.textContent + this.children.map((c) => c.allText()).join('');
  }
}

let dom: typeof import('../../src/webview/results/dom.js');
let detail: typeof import('../../src/webview/results/detail.js');
before(async () => {
  (globalThis as unknown as { document: unknown }).document = {
    createElement: (tag: string) => new FakeNode(tag),
    createTextNode: (text: string) => new FakeNode('#text', text),
  };
  dom = await import('../../src/webview/results/dom.js');
  detail = await import('../../src/webview/results/detail.js');
});

const EVIL = 'req-1\u202Egnp.exe\u2066x\u2069';

test('table cells and detail text show bidi controls as code points', () => {
  const cell = dom.text('div', EVIL, 'bw-cell') as unknown as FakeNode;
  assert.equal(cell.allText(), 'req-1<U+202E>gnp.exe<U+2066>x<U+2069>');
  const built = dom.h('section', {}, 'custom_id: ', EVIL) as unknown as FakeNode;
  assert.doesNotMatch(built.allText(), /[\u202A-\u202E\u2066-\u2069]/);
  assert.match(built.allText(), /<U\+202E>/);
});

test('the word diff shows bidi controls as code points on both sides', () => {
  const pre = detail.renderDiff(`Name ${EVIL}`, `Echo: Name ${EVIL} \u202Dmore`) as unknown as FakeNode;
  const shown = pre.allText();
  assert.doesNotMatch(shown, /[\u202A-\u202E\u2066-\u2069]/, shown);
  assert.match(shown, /<U\+202D>more/);
});

test('ordinary right-to-left text is left alone', () => {
  assert.equal((dom.text('div', 'שלום مرحبا') as unknown as FakeNode).allText(), 'שלום مرحبا');
});
