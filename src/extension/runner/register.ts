import * as vscode from 'vscode';
import { basename, dirname, join } from 'node:path';
import type { BatchwiseContext } from '../context';
import { registerCommand } from '../commands';
import { readJsonlFile } from '../../core/jsonl';
import { vllmRunBatchCommand } from '../../runner/vllm';
import { showInformation, showWarning } from '../notify';

/** Self-hosted extras: the equivalent `vllm run-batch` command for users who prefer vLLM's offline runner. */
export function registerRunner(ctx: BatchwiseContext): void {
  registerCommand(ctx, 'batchwise.copyVllmCommand', async (uri?: unknown) => {
    const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
    if (!target || target.scheme !== 'file' || !/\.jsonl$/i.test(target.path)) {
      void showWarning('Batchwise: open or select a .jsonl batch file on disk first.');
      return;
    }
    const input = target.fsPath;
    const model = (await firstModel(input)) ?? 'MODEL';
    const out = join(dirname(input), basename(input).replace(/\.jsonl$/i, '') + '.output.jsonl');
    const command = vllmRunBatchCommand(input, out, model);
    await vscode.env.clipboard.writeText(command);
    const pick = await showInformation(
      `Copied: ${command}`,
      { detail: 'Run it where vLLM is installed; open the output file with "Batchwise: Open Results" when it finishes.' },
      'Open Results of Output File',
    );
    if (pick) await vscode.commands.executeCommand('batchwise.openResults', vscode.Uri.file(out));
  });
}

/** The model named by the first request line, read without loading the file. */
async function firstModel(path: string): Promise<string | undefined> {
  try {
    for await (const line of readJsonlFile(path)) {
      if (!line.text.trim()) continue;
      const parsed: unknown = JSON.parse(line.text);
      const body = (parsed as { body?: { model?: unknown } } | null)?.body;
      return typeof body?.model === 'string' ? body.model : undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}
