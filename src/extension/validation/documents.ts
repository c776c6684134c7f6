/** Which documents and files Batchwise validates. No `vscode` import: register.ts passes plain fields. */

/** URI schemes of real content; virtual views (git history, diffs of SCM, output channels) are left alone. */
const IGNORED_SCHEMES = new Set(['git', 'gitfs', 'output', 'vscode-scm', 'review', 'pr', 'gitlens', 'merge-conflict.conflict-diff', 'vscode-notebook-cell-output', 'comment']);

/**
 * VS Code names `.jsonl` files' language `jsonl` ("JSON Lines", built in since 1.9x); older versions or a
 * user's `files.associations` may call it `json` or `plaintext`, so the extension decides too.
 */
export function isJsonlDocument(doc: { languageId: string; scheme: string; path: string }): boolean {
  if (IGNORED_SCHEMES.has(doc.scheme)) return false;
  return doc.languageId === 'jsonl' || isJsonlPath(doc.path);
}

export function isJsonlPath(path: string): boolean {
  return path.toLowerCase().endsWith('.jsonl');
}

/**
 * The files a Validate command acts on. From the explorer VS Code passes the clicked item and the whole
 * selection (which contains the clicked item when it is part of it); from the editor title only the first.
 */
export function commandTargets<T>(uri: T | undefined, uris: readonly T[] | undefined, key: (t: T) => string): T[] {
  const all = uris && uris.length > 0 ? [...uris] : uri !== undefined ? [uri] : [];
  if (uri !== undefined && uris && uris.length > 0 && !uris.some((u) => key(u) === key(uri))) all.unshift(uri);
  const seen = new Set<string>();
  return all.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
