import * as vscode from 'vscode';
import { logLine } from '../core/safeText';
import { errorMessage, redactSecrets } from './errors';

/**
 * The extension's log, over a LogOutputChannel. Never log API keys or request bodies; as a second line of
 * defence every line is redacted, and control / bidi characters from files and providers are shown as code points (an error from an HTTP client may quote a header or a `?key=` URL).
 */
export class Log implements vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel('Batchwise', { log: true });

  info(message: string): void {
    this.channel.info(logLine(redactSecrets(message)));
  }
  warn(message: string): void {
    this.channel.warn(logLine(redactSecrets(message)));
  }
  error(message: string, err?: unknown): void {
    this.channel.error(logLine(redactSecrets(err === undefined ? message : `${message}: ${errorMessage(err)}`)));
  }
  show(): void {
    this.channel.show(true);
  }
  dispose(): void {
    this.channel.dispose();
  }
}
