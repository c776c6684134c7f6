import * as vscode from 'vscode';
import { Config } from './config';
import { Log } from './log';
import { ApiKeys } from './secrets';
import { JobStore } from '../core/jobs/store';

/** Everything the features share, built once in `activate`. */
export interface BatchwiseContext {
  readonly extension: vscode.ExtensionContext;
  readonly config: Config;
  readonly log: Log;
  readonly keys: ApiKeys;
  readonly store: JobStore;
  /** Push a disposable so it is released on deactivate. */
  register<T extends vscode.Disposable>(d: T): T;
}

export function createContext(extension: vscode.ExtensionContext): BatchwiseContext {
  const log = new Log();
  extension.subscriptions.push(log);
  const config = new Config();
  const keys = new ApiKeys(extension.secrets);
  const store = new JobStore(config.home);
  return {
    extension,
    config,
    log,
    keys,
    store,
    register<T extends vscode.Disposable>(d: T): T {
      extension.subscriptions.push(d);
      return d;
    },
  };
}
