import * as vscode from 'vscode';
import type { Diagnostic as CoreDiagnostic } from '../../core/diagnostics';
import type { ValidationResult } from '../../core/validate';
import { diagnosticKey, toZeroRange, type CoreRange, type ZeroRange } from './ranges';
import { summarize, type ValidationSummary } from './summary';

/** What Batchwise knows about one validated file: the summary for the status bar and the core diagnostics for quick fixes. */
export interface ValidationEntry {
  readonly uri: vscode.Uri;
  readonly summary: ValidationSummary;
  /** Version of the document the result describes; undefined when it was read from disk (no fixes then). */
  readonly version: number | undefined;
  /** Core diagnostics by the identity of the `vscode.Diagnostic` shown for them. */
  readonly byKey: ReadonlyMap<string, CoreDiagnostic>;
  /** Core diagnostics by rule code, in file order: what "fix all" walks. */
  readonly byCode: ReadonlyMap<string, readonly CoreDiagnostic[]>;
}

const SEVERITY: Record<CoreDiagnostic['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** Line lengths of an open document, so ranges are clamped to the text shown. */
export function documentLines(doc: vscode.TextDocument | undefined): { count: number; length(line0: number): number } | undefined {
  return doc ? { count: doc.lineCount, length: (i) => doc.lineAt(i).text.length } : undefined;
}

export function toVsRange(r: CoreRange, doc?: vscode.TextDocument): vscode.Range {
  const z = toZeroRange(r, documentLines(doc));
  return new vscode.Range(z.startLine, z.startCharacter, z.endLine, z.endCharacter);
}

export function fromVsRange(r: vscode.Range): ZeroRange {
  return { startLine: r.start.line, startCharacter: r.start.character, endLine: r.end.line, endCharacter: r.end.character };
}

/** The `code` of a diagnostic as a string, whichever of its shapes VS Code hands back. */
export function codeOf(d: vscode.Diagnostic): string {
  const c = d.code;
  if (c === undefined) return '';
  return typeof c === 'object' ? String(c.value) : String(c);
}

/**
 * Owns the 'batchwise' DiagnosticCollection and the results behind it. Code actions receive copies of
 * the diagnostics (not the objects set here), so fixes are found again by range + code + message.
 */
export class DiagnosticsStore implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('batchwise');
  private readonly entries = new Map<string, ValidationEntry>();
  private readonly busy = new Set<string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires when a file's diagnostics, or whether it is being validated, change. */
  readonly onDidChange = this.changed.event;

  publish(uri: vscode.Uri, result: ValidationResult, doc?: vscode.TextDocument, version?: number): ValidationEntry {
    const byKey = new Map<string, CoreDiagnostic>();
    const byCode = new Map<string, CoreDiagnostic[]>();
    const shown: vscode.Diagnostic[] = [];
    for (const d of result.diagnostics) {
      const range = toVsRange(d, doc);
      const diagnostic = new vscode.Diagnostic(range, d.message, SEVERITY[d.severity]);
      diagnostic.source = 'batchwise';
      diagnostic.code = d.code;
      if (d.related) {
        const line = d.related.line - 1;
        const relatedRange =
          doc && line < doc.lineCount ? doc.lineAt(line).range : new vscode.Range(Math.max(0, line), 0, Math.max(0, line), 0);
        diagnostic.relatedInformation = [new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, relatedRange), d.related.message)];
      }
      shown.push(diagnostic);
      byKey.set(diagnosticKey(fromVsRange(range), d.code, d.message), d);
      const sameCode = byCode.get(d.code);
      if (sameCode) sameCode.push(d);
      else byCode.set(d.code, [d]);
    }
    const entry: ValidationEntry = { uri, summary: summarize(result), version: doc ? (version ?? doc.version) : undefined, byKey, byCode };
    this.entries.set(uri.toString(), entry);
    this.collection.set(uri, shown);
    this.changed.fire(uri);
    return entry;
  }

  get(uri: vscode.Uri): ValidationEntry | undefined {
    return this.entries.get(uri.toString());
  }

  clear(uri: vscode.Uri): void {
    const had = this.entries.delete(uri.toString());
    this.collection.delete(uri);
    if (had) this.changed.fire(uri);
  }

  clearAll(): void {
    const uris = [...this.entries.values()].map((e) => e.uri);
    this.entries.clear();
    this.busy.clear();
    this.collection.clear();
    for (const uri of uris) this.changed.fire(uri);
  }

  setBusy(uri: vscode.Uri, busy: boolean): void {
    const key = uri.toString();
    if (busy === this.busy.has(key)) return;
    if (busy) this.busy.add(key);
    else this.busy.delete(key);
    this.changed.fire(uri);
  }

  isBusy(uri: vscode.Uri): boolean {
    return this.busy.has(uri.toString());
  }

  dispose(): void {
    this.collection.dispose();
    this.changed.dispose();
  }
}
