import * as vscode from 'vscode';
import type { BatchwiseContext } from '../context';
import { showInformation, showPick, showWarning } from '../notify';

/**
 * `Batchwise: Open a Sample Batch File`. The samples ship read-only inside the extension
 * (media/samples, copied there by the build); the one picked is copied to the extension's global
 * storage first so it can be edited, fixed and submitted like any file of the user's.
 */

const PROVIDER_NAMES: Record<string, string> = { openai: 'OpenAI', anthropic: 'Anthropic', gemini: 'Gemini' };

interface SampleItem extends vscode.QuickPickItem {
  file: string;
}

export function describeSample(file: string): { label: string; description: string } {
  const base = file.replace(/\.jsonl$/i, '');
  const provider = Object.keys(PROVIDER_NAMES).find((p) => base.startsWith(p));
  const broken = /broken|invalid|errors?/.test(base);
  return {
    label: base,
    description: `${provider ? PROVIDER_NAMES[provider] : 'batch file'}${broken ? ' · with mistakes to find and fix' : ' · valid, ready to submit'}`,
  };
}

export async function openSample(ctx: BatchwiseContext, sandboxRunning: boolean): Promise<void> {
  const dir = vscode.Uri.joinPath(ctx.extension.extensionUri, 'media', 'samples');
  let files: string[];
  try {
    files = (await vscode.workspace.fs.readDirectory(dir)).filter(([n, t]) => t === vscode.FileType.File && n.endsWith('.jsonl')).map(([n]) => n).sort();
  } catch {
    files = [];
  }
  if (files.length === 0) {
    void showWarning('This build of Batchwise has no sample files (media/samples is empty).');
    return;
  }
  const items: SampleItem[] = files.map((f) => ({ ...describeSample(f), file: f }));
  const picked = await showPick(items, { title: 'Open a Sample Batch File', placeHolder: 'A copy opens in the editor: edit, validate and submit it' });
  if (!picked) return;

  const target = vscode.Uri.joinPath(ctx.extension.globalStorageUri, 'samples', picked.file);
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
  if (!open) {
    // A fresh copy each time, unless it is open (and maybe being edited) right now.
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(ctx.extension.globalStorageUri, 'samples'));
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(dir, picked.file), target, { overwrite: true });
  }
  const doc = open ?? (await vscode.workspace.openTextDocument(target));
  await vscode.window.showTextDocument(doc, { preview: false });
  if (!sandboxRunning && !/broken/.test(picked.file)) {
    const choice = await showInformation('Start the local sandbox to submit this sample with no API key?', 'Start Sandbox');
    if (choice === 'Start Sandbox') await vscode.commands.executeCommand('batchwise.startSandbox');
  }
}
