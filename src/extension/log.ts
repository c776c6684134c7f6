import * as vscode from 'vscode';

/** The extension's log, over a LogOutputChannel. Never log API keys or request bodies. */
export class Log implements vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel('Batchwise', { log: true });

  info(message: string): void {
    this.channel.info(message);
  }
  warn(message: string): void {
    this.channel.warn(message);
  }
  error(message: string, err?: unknown): void {
    this.channel.error(err === undefined ? message : `${message}: ${err instanceof Error ? err.message : String(err)}`);
  }
  show(): void {
    this.channel.show(true);
  }
  dispose(): void {
    this.channel.dispose();
  }
}
