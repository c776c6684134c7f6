import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { validateFile, validateText, type ValidationResult } from '../../core/validate';
import type { ProviderId } from '../../core/status';
import { progressText } from './summary';
import { withProgress } from '../notify';

export type ProviderChoice = ProviderId | 'auto';

/**
 * Up to this many UTF-16 units a document is validated in one synchronous `validateText` call (a few
 * tens of ms). Above it the text goes through the streaming file validator, which reads in chunks and
 * awaits between them, so the extension host keeps answering while a 40 MB buffer is checked.
 */
export const IN_MEMORY_LIMIT = 1_000_000;

/** Files at least this big get a notification with a progress bar when validated from disk. */
export const PROGRESS_NOTIFICATION_BYTES = 5_000_000;

/** Number of UTF-16 units in a document without copying its text. */
function documentLength(doc: vscode.TextDocument): number {
  return doc.offsetAt(doc.lineAt(doc.lineCount - 1).range.end);
}

/**
 * Validates what the editor shows, unsaved edits included.
 * VS Code strips a UTF-8 BOM from the text it hands over and remembers it as the `utf8bom` encoding;
 * the BOM is put back in front so the validator can warn about it.
 */
export async function validateDocument(doc: vscode.TextDocument, provider: ProviderChoice, signal: AbortSignal): Promise<ValidationResult> {
  const hiddenBom = doc.encoding === 'utf8bom';
  const file = doc.uri.scheme === 'file' ? doc.uri.fsPath : doc.uri.toString();
  if (documentLength(doc) <= IN_MEMORY_LIMIT) {
    const text = doc.getText();
    return validateText(hiddenBom && !text.startsWith('\uFEFF') ? `\uFEFF${text}` : text, { provider, file });
  }
  const savedUtf8 = !doc.isDirty && doc.uri.scheme === 'file' && (doc.encoding === 'utf8' || hiddenBom);
  if (savedUtf8) return { ...(await validateFile(doc.uri.fsPath, { provider, signal })), file };
  // Unsaved (or not UTF-8 on disk): stream a scratch copy of the buffer instead of blocking on it.
  const text = doc.getText();
  const scratch = join(tmpdir(), `batchwise-validate-${process.pid}-${randomBytes(4).toString('hex')}.jsonl`);
  try {
    await writeFile(scratch, hiddenBom && !text.startsWith('\uFEFF') ? `\uFEFF${text}` : text, { encoding: 'utf8', mode: 0o600 });
    signal.throwIfAborted();
    return { ...(await validateFile(scratch, { provider, signal })), file };
  } finally {
    await rm(scratch, { force: true });
  }
}

/**
 * Validates a file on disk with the streaming reader; big ones show a cancellable notification with the
 * share of bytes read. Resolves undefined when the user cancels.
 */
export async function validateFromDisk(
  uri: vscode.Uri,
  provider: ProviderChoice,
  opts: { signal?: AbortSignal; forceNotification?: boolean } = {},
): Promise<ValidationResult | undefined> {
  const path = uri.fsPath;
  const size = (await stat(path)).size;
  const notify = opts.forceNotification || size >= PROGRESS_NOTIFICATION_BYTES;
  const title = `Batchwise: validating ${basename(path)}`;
  return withProgress(
    { location: notify ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window, title, cancellable: notify },
    async (progress, token) => {
      const controller = new AbortController();
      const onOuterAbort = () => controller.abort();
      opts.signal?.addEventListener('abort', onOuterAbort);
      const cancel = token.onCancellationRequested(() => controller.abort());
      let shown = 0;
      try {
        return await validateFile(path, {
          provider,
          signal: controller.signal,
          onProgress: (bytesRead, totalBytes) => {
            const { percent, message } = progressText(bytesRead, totalBytes);
            if (percent > shown) {
              progress.report({ increment: percent - shown, message });
              shown = percent;
            }
          },
        });
      } catch (err) {
        if (controller.signal.aborted) return undefined;
        throw err;
      } finally {
        cancel.dispose();
        opts.signal?.removeEventListener('abort', onOuterAbort);
      }
    },
  );
}
