import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { BatchwiseContext } from '../context';
import { errorMessage } from '../errors';
import type { DiagnosticsStore } from './diagnosticsStore';
import { commandTargets, isJsonlPath } from './documents';
import type { LargeFileValidation } from './largeFiles';
import type { LiveValidation } from './liveValidation';
import { multiFileNotificationText, notificationText, summarize, type ValidationSummary } from './summary';
import { showError, showInformation, showWarning } from '../notify';

/** Above this many files one summary notification replaces one per file. */
const NOTIFY_EACH_UP_TO = 3;
/** A folder in the selection is searched for `.jsonl` files, up to this many. */
const MAX_FILES_IN_FOLDER = 500;

export interface FileValidation {
  uri: vscode.Uri;
  summary: ValidationSummary;
}

/**
 * `batchwise.validate`: from the palette (the active file, or a file picker), the editor title, or the
 * explorer context menu with a multi-selection (`(uri, uris)`). Open documents are validated as shown,
 * unsaved edits included; other files from disk. Reports the verdict in a notification.
 */
export class ValidateCommand {
  constructor(
    private readonly ctx: BatchwiseContext,
    private readonly store: DiagnosticsStore,
    private readonly live: LiveValidation,
    private readonly large: LargeFileValidation,
  ) {}

  async execute(uri?: unknown, uris?: unknown): Promise<FileValidation[]> {
    let targets = commandTargets(
      uri instanceof vscode.Uri ? uri : undefined,
      Array.isArray(uris) ? uris.filter((u): u is vscode.Uri => u instanceof vscode.Uri) : undefined,
      (u) => u.toString(),
    );
    if (targets.length === 0) targets = await this.defaultTargets();
    if (targets.length === 0) return [];
    const files = await expandFolders(targets);
    if (files.length === 0) {
      void showWarning('Batchwise: no .jsonl files in the selection.');
      return [];
    }
    const done: FileValidation[] = [];
    const failed: string[] = [];
    for (const file of files) {
      try {
        const summary = await this.validateOne(file);
        if (summary) done.push({ uri: file, summary });
      } catch (err) {
        failed.push(basename(file.path));
        const why = errorMessage(err);
        this.ctx.log.error(`Validate ${file.fsPath}`, err);
        if (files.length <= NOTIFY_EACH_UP_TO) void showError(`Batchwise could not validate ${basename(file.path)}: ${why}`);
      }
    }
    this.report(done, files.length > NOTIFY_EACH_UP_TO ? failed : []);
    return done;
  }

  private async validateOne(uri: vscode.Uri): Promise<ValidationSummary | undefined> {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString() && !d.isClosed);
    if (doc) return (await this.live.validateNow(doc))?.summary;
    if (uri.scheme !== 'file') {
      // Not on the local disk (a virtual file system): let VS Code read it, then validate the text.
      return (await this.live.validateNow(await vscode.workspace.openTextDocument(uri)))?.summary;
    }
    const result = await this.large.validate(uri);
    return result ? (this.store.get(uri)?.summary ?? summarize(result)) : undefined;
  }

  private async defaultTargets(): Promise<vscode.Uri[]> {
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active) return [active];
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    if (input instanceof vscode.TabInputText) return [input.uri];
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: true,
      openLabel: 'Validate',
      title: 'Batchwise: validate JSONL files',
      filters: { 'JSON Lines': ['jsonl'] },
    });
    return picked ?? [];
  }

  private report(done: FileValidation[], failed: string[]): void {
    if (done.length === 0) return;
    const showProblems = 'Show Problems';
    const follow = (choice: string | undefined) => {
      if (choice === showProblems) void vscode.commands.executeCommand('workbench.actions.view.problems');
    };
    if (done.length + failed.length > NOTIFY_EACH_UP_TO) {
      const text = multiFileNotificationText(done.map((d) => ({ fileName: basename(d.uri.path), summary: d.summary })), failed);
      const anyErrors = failed.length > 0 || done.some((d) => d.summary.errors > 0);
      void (anyErrors ? showError(text, showProblems) : showInformation(text, showProblems)).then(follow);
      return;
    }
    for (const d of done) {
      const text = notificationText(basename(d.uri.path), d.summary);
      if (d.summary.errors > 0) void showError(text, showProblems).then(follow);
      else if (d.summary.warnings > 0) void showInformation(text, showProblems).then(follow);
      else void showInformation(text).then(follow);
    }
  }
}

/** Replaces folders in the selection by the `.jsonl` files inside them. */
async function expandFolders(targets: vscode.Uri[]): Promise<vscode.Uri[]> {
  const out: vscode.Uri[] = [];
  const seen = new Set<string>();
  const add = (u: vscode.Uri) => {
    if (!seen.has(u.toString())) {
      seen.add(u.toString());
      out.push(u);
    }
  };
  for (const t of targets) {
    let isFolder = false;
    try {
      isFolder = ((await vscode.workspace.fs.stat(t)).type & vscode.FileType.Directory) !== 0;
    } catch {
      // Untitled buffers and deleted files have no stat: validate them as they are (or fail with a message).
    }
    if (!isFolder) {
      add(t);
      continue;
    }
    const found = await vscode.workspace.findFiles(new vscode.RelativePattern(t, '**/*.jsonl'), '**/node_modules/**', MAX_FILES_IN_FOLDER);
    found.filter((u) => isJsonlPath(u.path)).sort((a, b) => a.path.localeCompare(b.path)).forEach(add);
  }
  return out;
}
