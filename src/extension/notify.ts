import * as vscode from 'vscode';
import { iconSafeText, notificationText } from '../core/safeText';

// The only way the extension shows notifications and quick picks: every message, modal detail and item text
// passes through core/safeText, so a file name, a JSONL value or a provider's error cannot become a
// `command:` link or an icon. test/unit/safe-sinks.test.ts keeps direct calls out of the rest of the code.

type Rest<T extends string> = [options: vscode.MessageOptions, ...items: T[]] | T[];
type Show = <T extends string>(message: string, ...rest: unknown[]) => Thenable<T | undefined>;

function safeRest<T extends string>(rest: Rest<T>): unknown[] {
  const [first, ...others] = rest;
  if (first !== undefined && typeof first === 'object') {
    const options = first.detail === undefined ? first : { ...first, detail: notificationText(first.detail, 4000) };
    return [options, ...others];
  }
  return rest;
}

export function showInformation<T extends string>(message: string, ...rest: Rest<T>): Thenable<T | undefined> {
  return (vscode.window.showInformationMessage as Show)<T>(notificationText(message), ...safeRest(rest));
}

export function showWarning<T extends string>(message: string, ...rest: Rest<T>): Thenable<T | undefined> {
  return (vscode.window.showWarningMessage as Show)<T>(notificationText(message), ...safeRest(rest));
}

export function showError<T extends string>(message: string, ...rest: Rest<T>): Thenable<T | undefined> {
  return (vscode.window.showErrorMessage as Show)<T>(notificationText(message), ...safeRest(rest));
}

/** A quick-pick item whose icon is ours: `icon` is rendered, label/description/detail are shown as plain text. */
export type PickItem = vscode.QuickPickItem & { icon?: string };

function safeItem<I extends PickItem>(item: I): I {
  const label = iconSafeText(item.label);
  return {
    ...item,
    label: item.icon ? `$(${item.icon}) ${label}` : label,
    description: item.description === undefined ? undefined : iconSafeText(item.description),
    detail: item.detail === undefined ? undefined : iconSafeText(item.detail, 1000),
  };
}

/** `showQuickPick` with every item's text made safe; the picked item is the caller's own object. */
export async function showPick<I extends PickItem>(items: readonly I[], options: vscode.QuickPickOptions = {}): Promise<I | undefined> {
  const shown = items.map((item) => ({ ...safeItem(item), original: item }));
  const picked = await vscode.window.showQuickPick(shown, {
    ...options,
    placeHolder: options.placeHolder === undefined ? undefined : iconSafeText(options.placeHolder),
    title: options.title === undefined ? undefined : iconSafeText(options.title),
  });
  return picked?.original;
}

/** The many-item form (`canPickMany`): the picked items are the caller's own objects. */
export async function showPicks<I extends PickItem>(items: readonly I[], options: Omit<vscode.QuickPickOptions, 'canPickMany'> = {}): Promise<I[] | undefined> {
  const shown = items.map((item) => ({ ...safeItem(item), original: item }));
  const picked = await vscode.window.showQuickPick(shown, {
    ...options,
    canPickMany: true,
    placeHolder: options.placeHolder === undefined ? undefined : iconSafeText(options.placeHolder),
    title: options.title === undefined ? undefined : iconSafeText(options.title),
  });
  return picked?.map((p) => p.original);
}

/**
 * `withProgress` with the title and every reported message made safe: a progress notification renders links
 * like any other, and a window (status bar) progress renders icons.
 */
export function withProgress<R>(
  options: vscode.ProgressOptions,
  task: (progress: vscode.Progress<{ message?: string; increment?: number }>, token: vscode.CancellationToken) => Thenable<R>,
): Thenable<R> {
  const safe = options.title === undefined ? options : { ...options, title: notificationText(options.title, 300) };
  return vscode.window.withProgress(safe, (progress, token) =>
    task({ report: (v) => progress.report(v.message === undefined ? v : { ...v, message: notificationText(v.message, 300) }) }, token),
  );
}
