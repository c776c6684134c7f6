// Hostile strings per sink (issue 12). VS Code's own patterns are the oracle here: the link pattern of
// notifications (src/vs/base/common/linkedText.ts, parseLinkedText) and the icon pattern of labels
// (src/vs/base/common/iconLabels.ts / themables: `$(name)` and `$(name~spin)`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { iconSafeText, logLine, markdownText, notificationText, plainText, terminalText } from '../../src/core/safeText';

// parseLinkedText's regex, as in VS Code's linkedText.ts.
const VSCODE_LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;
// iconLabels.ts: `$(name)` with an optional `~modifier`.
const VSCODE_ICON = /\$\(([A-Za-z0-9-]+(?:~[A-Za-z]+)?)\)/g;
const links = (s: string) => [...s.matchAll(VSCODE_LINK)].length;
const icons = (s: string) => [...s.matchAll(VSCODE_ICON)].length;

const HOSTILE = [
  '[Details](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22echo%20PWNED%20%3E%20marker%5Cn%22%7D).jsonl',
  '[open settings](command:workbench.action.openSettings) x.jsonl',
  '[[nested [brackets]]](command:x)',
  '[a] (command:workbench.action.openSettings)',
  '[a](file:///etc/passwd)',
  '[a](https://evil.example/?q=1)',
  'see $(zap) and $(sync~spin) and $(check)',
];

test('notification text: no VS Code link and no icon survives, for every hostile string', () => {
  for (const h of HOSTILE) {
    const out = notificationText(`Submitted ${h} as bw-1`);
    assert.equal(links(out), 0, `link survived in: ${out}`);
    assert.equal(icons(out), 0, `icon survived in: ${out}`);
    // The text itself is still readable: every visible character is kept.
    assert.equal(out.replace(/\u200B/g, ''), `Submitted ${h} as bw-1`);
  }
  assert.ok(links('Submitted [Details](command:workbench.action.openSettings)') > 0, 'the oracle finds the unescaped link');
});

test('notification text: bare command: and file: URIs are broken, newlines flattened, long text capped', () => {
  const out = notificationText('go to command:workbench.action.openSettings or FILE:///etc/passwd');
  assert.doesNotMatch(out, /command:/i);
  assert.doesNotMatch(out, /file:/i);
  assert.equal(notificationText('line one\n\n  [x](command:y)\r\nline three').includes('\n'), false);
  const long = notificationText('x'.repeat(50_000));
  assert.ok(long.length <= 1000 && long.endsWith('…'), `capped: ${long.length}`);
});

test('a capped text never ends in half a surrogate pair (half an emoji shows as a replacement character)', () => {
  for (const prefix of ['', 'a']) {
    const out = plainText(`${prefix}${'😀'.repeat(20)}`, 10);
    assert.ok(out.length <= 10 && out.endsWith('…'), out);
    assert.doesNotMatch(out, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/, `no lone surrogate: ${JSON.stringify(out)}`);
  }
});

test('bidi controls and control characters are shown as code points in every sink', () => {
  const s = 'abc\u202Etxt.exe\u2066x\u2069\u200F\u0007';
  for (const f of [plainText, notificationText, iconSafeText, markdownText, logLine]) {
    const out = f(s);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(out, /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u0007]/, `${f.name}: ${JSON.stringify(out)}`);
    assert.match(out.replace(/\\(.)/g, '$1'), /<U\+202E>/, f.name);
  }
});

test('quick pick / status bar / tree text: $(icon) is not rendered, text kept', () => {
  const out = iconSafeText('$(zap) fast $(sync~spin)');
  assert.equal(icons(out), 0);
  assert.equal(out.replace(/\u200B/g, ''), '$(zap) fast $(sync~spin)');
  assert.equal(iconSafeText('a\nb'), 'a b');
});

test('markdown text: no link, image, html, emphasis or icon; bare URIs not auto-linked', () => {
  for (const h of [...HOSTILE, '![img](https://x/y.png)', '<img src=x onerror=alert(1)>', '**bold** _em_ `code`', '&#36;(zap)', 'https://evil.example']) {
    const out = markdownText(h);
    // Every markdown-significant character is backslash-escaped, so a renderer shows it literally.
    assert.doesNotMatch(out, /(?<!\\)[[\]()<>*_`!]/, `unescaped syntax in ${out}`);
    assert.doesNotMatch(out, /(?<!\\)&/, `entity in ${out}`);
    assert.doesNotMatch(out, /https?:\/\//, `auto-link in ${out}`);
    // After markdown unescapes `\(` → `(`, VS Code looks for icons: none may appear.
    assert.equal(icons(out.replace(/\\(.)/g, '$1')), 0, `icon after unescape: ${out}`);
  }
  // The old escaping (`\$\(zap\)`) turns back into an icon once markdown unescapes it: the reason for this.
  assert.equal(icons('\\$\\(zap\\)'.replace(/\\(.)/g, '$1')), 1);
});

test('log lines keep their line breaks but no terminal escapes', () => {
  assert.equal(logLine('a\r\nb\x1b[31m'), 'a\nb<U+001B>[31m');
});

test('terminal text: escape sequences from untrusted text are shown, the CLI own progress sequence kept', () => {
  const hostile = 'error \u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007 \u001b]0;pwned\u0007 \u009b2J done';
  const out = terminalText(hostile);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(out, /[\u001b\u0007\u009b]/, JSON.stringify(out));
  assert.match(out, /<U\+001B>\]8;;https:\/\/evil\.example<U\+0007>click/, 'the text is still there to read');
  assert.equal(terminalText('\rpart 1/2 50%\u001b[K'), '\rpart 1/2 50%\u001b[K');
  assert.equal(terminalText('a\tb\nc\r\n'), 'a\tb\nc\r\n');
});
