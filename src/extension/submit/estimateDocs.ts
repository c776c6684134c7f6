import * as vscode from 'vscode';
import { basename } from 'node:path';
import { VirtualDocuments } from '../virtualDocuments';

export const ESTIMATE_SCHEME = 'batchwise-estimate';

/**
 * The estimate's "Details" as a read-only virtual document (`batchwise-estimate:/labels.jsonl estimate`):
 * an Untitled file would be dirty and ask to be saved when closed. One document per input file, refreshed
 * by each new estimate.
 */
export class EstimateDocuments extends VirtualDocuments {
  constructor() {
    super('This estimate is no longer open: run Batchwise: Estimate Batch Cost again.');
  }

  show(inputPath: string, text: string): vscode.Uri {
    return this.put(vscode.Uri.from({ scheme: ESTIMATE_SCHEME, path: `/${basename(inputPath)} estimate`, query: encodeURIComponent(inputPath) }), text);
  }
}
