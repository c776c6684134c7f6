// One place that turns untrusted text (file and job names, anything from a JSONL line, anything a provider sends)
// into text that is safe for each place VS Code renders it. VS Code turns `[label](command:ID?ARGS)` in
// notifications into a working link, `$(name)` in quick picks, status bar items and tooltips into an icon, and
// markdown in tooltips into formatting; bidi controls reorder what is shown around them.

/** Zero-width space: invisible, and enough to stop VS Code's link and icon patterns from matching. */
const ZWSP = '\u200B';
const ELLIPSIS = '…';

/** Bidi embedding/override/isolate controls and marks: shown as `<U+202E>` so text cannot be reordered. */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
/** C0/C1 control characters except tab (newlines are handled first). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

const codePoint = (c: string): string => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`;

/** Bidi controls shown as `<U+202E>`, nothing else changed: for text shown in full (the results webview). */
export function showBidiControls(value: string): string {
  return value.replace(BIDI, codePoint);
}

/** Bidi and control characters made visible, newlines flattened, length capped: the base of every sink. */
export function plainText(value: unknown, max = 300): string {
  const text = String(value ?? '')
    .replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' ')
    .replace(BIDI, codePoint)
    .replace(CONTROL, codePoint);
  if (text.length <= max) return text;
  let cut = Math.max(0, max - 1);
  // Never split a surrogate pair: half an emoji renders as a replacement character.
  if (cut > 0 && /[\uD800-\uDBFF]/.test(text[cut - 1])) cut -= 1;
  return `${text.slice(0, cut)}${ELLIPSIS}`;
}

/** Breaks `$(name)` so no icon is rendered from untrusted text (quick picks, status bar, tooltips). */
function breakIcons(text: string): string {
  return text.replace(/\$\(/g, `$${ZWSP}(`);
}

/**
 * For `show{Information,Warning,Error}Message` text and modal details: no link survives (`](` is broken, and so
 * are bare `command:` / `file:` URIs), no icon, one line. The whole message goes through it, so our own text must
 * not rely on links or icons there (it does not).
 */
export function notificationText(value: unknown, max = 1000): string {
  return breakIcons(plainText(value, max))
    .replace(/\](\s*)\(/g, `]${ZWSP}$1(`)
    .replace(/\b(command|file|vscode|vscode-insiders)\s*:/gi, `$1${ZWSP}:`);
}

/** Quick-pick labels, descriptions and details, status bar text, tree labels and descriptions. */
export function iconSafeText(value: unknown, max = 300): string {
  return breakIcons(plainText(value, max));
}

/**
 * Untrusted text inside a MarkdownString (tooltips): markdown syntax escaped, so it cannot add links, images or
 * formatting; `$(` broken, since backslash-escaping it does not stop VS Code's icon rendering (the markdown is
 * unescaped before icons are looked up); `:` escaped so bare URIs are not auto-linked.
 */
export function markdownText(value: unknown, max = 500): string {
  return plainText(value, max)
    .replace(/[\\`*_{}[\]()#+\-.!|<>~:&]/g, (c) => `\\${c}`)
    .replace(/\$\\\(/g, `$${ZWSP}\\(`);
}

/** A line for an output channel or a log: no control characters, no bidi reordering; long lines kept. */
export function logLine(value: unknown): string {
  return String(value ?? '')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(BIDI, codePoint).replace(CONTROL, codePoint))
    .join('\n');
}

/**
 * What the CLI writes to a terminal: escape sequences from untrusted text (a provider error, a file name, a model
 * output) could set the window title, print hyperlinks (OSC 8) or rewrite what is on screen, so ESC and the other
 * control characters are shown as code points. Kept: newline, tab, carriage return and the one sequence the CLI
 * itself writes (`ESC[K`, clear to end of line, after a progress line).
 */
export function terminalText(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/\u001B(?!\[K)|[\u0000-\u0008\u000B\u000C\u000E-\u001A\u001C-\u001F\u007F-\u009F]/g, codePoint);
}
