import * as vscode from 'vscode';
import { parsePipeline, PipelineFileError } from '../../core/pipeline/load';
import { PIPELINE_FILE } from '../../core/pipeline/schema';

/** Whether a document is a pipeline file Batchwise reads (on disk, named `*.batchwise.yaml|yml|json`). */
export function isPipelineDocument(doc: vscode.TextDocument): boolean {
  return doc.uri.scheme === 'file' && PIPELINE_FILE.test(doc.uri.fsPath);
}

/**
 * The problems of an open pipeline file as diagnostics, from the same loader the CLI and `serve` use, as it is edited
 * (debounced); cleared when the file closes. The JSON schema gives completion; these give the loader's own messages
 * (the field probably meant, the schedule that does not parse).
 */
export class PipelineDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('batchwise-pipeline');
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subs: vscode.Disposable[];

  constructor(private readonly debounceMs: () => number) {
    this.subs = [
      vscode.workspace.onDidOpenTextDocument((d) => this.check(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        clearTimeout(this.timers.get(d.uri.toString()));
        this.collection.delete(d.uri);
      }),
    ];
    for (const d of vscode.workspace.textDocuments) this.check(d);
  }

  private schedule(doc: vscode.TextDocument): void {
    if (!isPipelineDocument(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => this.check(doc), this.debounceMs()));
  }

  check(doc: vscode.TextDocument): void {
    if (!isPipelineDocument(doc)) return;
    this.timers.delete(doc.uri.toString());
    try {
      parsePipeline(doc.uri.fsPath, doc.getText());
      this.collection.set(doc.uri, []);
    } catch (err) {
      if (!(err instanceof PipelineFileError)) throw err;
      this.collection.set(doc.uri, err.problems.map((p) => toDiagnostic(doc, p)));
    }
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const s of this.subs) s.dispose();
    this.collection.dispose();
  }
}

/** The loader's 1-based position, underlined to the end of the word there (the key or value it names). */
function toDiagnostic(doc: vscode.TextDocument, p: { line: number; column: number; message: string }): vscode.Diagnostic {
  const line = Math.min(Math.max(0, p.line - 1), Math.max(0, doc.lineCount - 1));
  const text = doc.lineCount ? doc.lineAt(line).text : '';
  const start = Math.min(Math.max(0, p.column - 1), text.length);
  const word = /^("[^"]*"|'[^']*'|[^\s:,{}[\]]+)/.exec(text.slice(start));
  const end = word ? start + word[0].length : Math.max(start, text.length);
  const d = new vscode.Diagnostic(new vscode.Range(line, start, line, end === start ? text.length : end), p.message, vscode.DiagnosticSeverity.Error);
  d.source = 'batchwise';
  d.code = 'pipeline';
  return d;
}
