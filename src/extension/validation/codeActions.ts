import * as vscode from 'vscode';
import type { Diagnostic as CoreDiagnostic, TextEdit } from '../../core/diagnostics';
import { writeFileAtomic } from '../../core/fsAtomic';
import { codeOf, fromVsRange, toVsRange, type DiagnosticsStore, type ValidationEntry } from './diagnosticsStore';
import { mergeFixes } from './fixAll';
import { fixAllTitle } from '../../core/rules/problemNames';
import { diagnosticKey } from './ranges';

export const REMOVE_BOM_COMMAND = 'batchwise.validation.removeBom';

/** The byte order mark rule; the fix for it depends on how VS Code holds the file (see `bomAction`). */
export function isBomCode(code: string): boolean {
  return /(^|[-_])bom($|[-_])/i.test(code) || /byte-order-mark/i.test(code);
}

/**
 * Quick fixes from the validator's own `fix` (one edit list per diagnostic), plus "fix all of this kind"
 * that merges every fix with the same code into one undoable edit.
 */
export class ValidationCodeActions implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly store: DiagnosticsStore) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const entry = this.store.get(doc.uri);
    // Fixes were computed for one version of the text; after an edit they could land in the wrong place.
    if (!entry || entry.version !== doc.version) return [];
    const actions: vscode.CodeAction[] = [];
    const fixAllDone = new Set<string>();
    for (const shown of context.diagnostics) {
      if (shown.source !== 'batchwise') continue;
      const code = codeOf(shown);
      const core = entry.byKey.get(diagnosticKey(fromVsRange(shown.range), code, shown.message));
      if (!core) continue;
      if (isBomCode(code)) {
        actions.push(bomAction(doc, shown));
        continue;
      }
      if (!core.fix || core.fix.edits.length === 0) continue;
      const single = new vscode.CodeAction(core.fix.title, vscode.CodeActionKind.QuickFix);
      single.edit = workspaceEdit(doc, core.fix.edits);
      single.diagnostics = [shown];
      single.isPreferred = true;
      actions.push(single);
      if (!fixAllDone.has(code)) {
        fixAllDone.add(code);
        const all = fixAllAction(doc, entry, code);
        if (all) actions.push(all);
      }
    }
    return actions;
  }
}

function workspaceEdit(doc: vscode.TextDocument, edits: readonly TextEdit[]): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  for (const e of edits) edit.replace(doc.uri, toVsRange(e, doc), e.text);
  return edit;
}

/** One action for every fixable diagnostic with `code`; only offered when there are at least two. */
function fixAllAction(doc: vscode.TextDocument, entry: ValidationEntry, code: string): vscode.CodeAction | undefined {
  const fixable = (entry.byCode.get(code) ?? []).filter((d): d is CoreDiagnostic & { fix: NonNullable<CoreDiagnostic['fix']> } => d.fix !== undefined && d.fix.edits.length > 0);
  if (fixable.length < 2) return undefined;
  const merged = mergeFixes(fixable.map((d) => d.fix));
  if (merged.applied < 2) return undefined;
  const action = new vscode.CodeAction(fixAllTitle(code, merged.applied), vscode.CodeActionKind.QuickFix);
  action.edit = workspaceEdit(doc, merged.edits);
  return action;
}

/**
 * VS Code keeps a BOM out of the text and saves it back because the document's encoding is `utf8bom`,
 * so deleting a character does nothing. If the text does hold U+FEFF (an untitled buffer) it is deleted;
 * otherwise a command rewrites the file without the BOM and reopens the document as plain UTF-8.
 */
function bomAction(doc: vscode.TextDocument, shown: vscode.Diagnostic): vscode.CodeAction {
  const action = new vscode.CodeAction('Remove the byte order mark (save as UTF-8 without BOM)', vscode.CodeActionKind.QuickFix);
  action.diagnostics = [shown];
  action.isPreferred = true;
  const first = new vscode.Range(0, 0, 0, 1);
  if (doc.lineCount > 0 && doc.getText(first) === '\uFEFF') {
    action.edit = new vscode.WorkspaceEdit();
    action.edit.delete(doc.uri, first);
  } else {
    action.command = { command: REMOVE_BOM_COMMAND, title: action.title, arguments: [doc.uri] };
  }
  return action;
}

/** Drops the BOM from the file on disk (saving pending edits first) and switches the document to `utf8`. */
export async function removeBom(uri: vscode.Uri): Promise<boolean> {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc?.isDirty && !(await doc.save())) return false;
  const bytes = await vscode.workspace.fs.readFile(uri);
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    if (uri.scheme === 'file') await writeFileAtomic(uri.fsPath, bytes.subarray(3));
    else await vscode.workspace.fs.writeFile(uri, bytes.subarray(3));
  }
  if (doc) {
    // Without this the editor would write the BOM back on the next save.
    await vscode.workspace.openTextDocument(uri, { encoding: 'utf8' }).then(
      () => undefined,
      () => undefined,
    );
  }
  return true;
}
