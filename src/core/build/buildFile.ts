import { basename, dirname, extname, join, resolve } from 'node:path';
import { z } from 'zod';
import { PROVIDER_LIMITS } from '../limits';
import { AtomicLineWriter } from '../results/lineWriter';
import type { JsonObject } from '../json';
import { readRows } from './readRows';
import { compileTemplate, renderRequest } from './render';
import { RowIdAssigner } from './rowIds';
import type { ReadRowsOptions } from './rows';
import { sidecarPathFor, type SourceRowLine } from './sidecar';
import type { RequestTemplate } from './template';

/** Skipped rows kept in the summary; past this they are counted (`skippedCount`), not listed. */
export const MAX_SKIPPED_LISTED = 100;

/** What `batchwise build --json` prints, and what the VS Code "New Batch from Data" view shows. */
export const BuildSummarySchema = z.object({
  out: z.string(),
  /** The sidecar: each request's source row, one line per request in the same order. */
  rowsOut: z.string(),
  requests: z.number().int().nonnegative(),
  provider: z.enum(['openai', 'anthropic', 'gemini']),
  model: z.string(),
  /** The first MAX_SKIPPED_LISTED skipped rows, in row order. */
  skipped: z.array(z.object({ row: z.number().int().positive(), reason: z.string() })),
  /** All skipped rows, also those not listed. */
  skippedCount: z.number().int().nonnegative(),
  warnings: z.array(z.string()),
});
export type BuildSummary = z.infer<typeof BuildSummarySchema>;

/** Every row was skipped (or there were none): nothing was written. */
export class NothingToBuild extends Error {
  constructor(
    readonly skipped: BuildSummary['skipped'],
    readonly skippedCount: number,
    data: string,
  ) {
    const first = skipped[0];
    super(
      skippedCount === 0
        ? `${data} has no data rows: nothing to build`
        : `every row of ${data} was skipped (${skippedCount}); nothing was written. First: row ${first!.row}: ${first!.reason}`,
    );
    this.name = 'NothingToBuild';
  }
}

/** `reviews.csv` -> `reviews.jsonl`; a `.jsonl` data file -> `reviews.requests.jsonl`, never the data itself. */
export function defaultBuildOutPath(data: string): string {
  const name = basename(data, extname(data));
  const out = join(dirname(data), `${name}.jsonl`);
  return resolve(out) === resolve(data) ? join(dirname(data), `${name}.requests.jsonl`) : out;
}

export interface BuildOptions extends Pick<ReadRowsOptions, 'limit' | 'signal' | 'format'> {
  out?: string;
  /** Called every 10,000 rows with the rows read so far. */
  onProgress?: (rows: number) => void;
}

/**
 * Table + template -> a request file for the template's provider and its sidecar of source rows, both streamed to
 * temp files and renamed into place only when every row is done (a failure leaves neither half-written). Rows that
 * cannot render are skipped with the reason; when all are, nothing is written and NothingToBuild says why.
 */
export async function buildFile(data: string, template: RequestTemplate, opts: BuildOptions = {}): Promise<BuildSummary> {
  const compiled = compileTemplate(template);
  const out = opts.out ?? defaultBuildOutPath(data);
  const rowsOut = sidecarPathFor(out);
  for (const p of [out, rowsOut]) if (resolve(p) === resolve(data)) throw new Error(`the output ${p} would replace the data file: choose another --out`);
  const ids = new RowIdAssigner(template.to, template.id_column);
  const skipped: BuildSummary['skipped'] = [];
  let skippedCount = 0;
  let requests = 0;
  let bytes = 0;
  const skip = (row: number, reason: string) => {
    skippedCount++;
    if (skipped.length < MAX_SKIPPED_LISTED) skipped.push({ row, reason });
  };

  const requestsOut = await AtomicLineWriter.open(out);
  const sidecar = await AtomicLineWriter.open(rowsOut).catch(async (e: unknown) => {
    await requestsOut.abort();
    throw e;
  });
  let pendingRequests = '';
  let pendingRows = '';
  const flush = async () => {
    await requestsOut.write(pendingRequests);
    await sidecar.write(pendingRows);
    pendingRequests = pendingRows = '';
  };
  try {
    for await (const item of readRows(data, opts)) {
      if (item.row % 10_000 === 0) opts.onProgress?.(item.row);
      if ('skip' in item) {
        skip(item.row, item.skip);
        continue;
      }
      const id = ids.assign(item.row, item.values);
      if ('skip' in id) {
        skip(item.row, id.skip);
        continue;
      }
      const r = renderRequest(item.values, compiled, id.id);
      if (!r.ok) {
        skip(item.row, r.reason);
        continue;
      }
      const text = JSON.stringify(r.line) + '\n';
      bytes += Buffer.byteLength(text);
      requests++;
      const source: SourceRowLine = { custom_id: id.id, row: item.row, values: item.values };
      pendingRequests += text;
      pendingRows += JSON.stringify(source) + '\n';
      // Lines go to the writers in ~64 KB strings: an awaited write per row cost more than rendering it.
      if (pendingRequests.length > 65_536) await flush();
    }
    await flush();
    if (requests === 0) throw new NothingToBuild(skipped, skippedCount, data);
    // The sidecar first: a request file is never in place without the rows it came from.
    await sidecar.commit();
  } catch (e) {
    await Promise.all([sidecar.abort(), requestsOut.abort()]);
    throw e;
  }
  await requestsOut.commit();
  return { out, rowsOut, requests, provider: template.to, model: template.model, skipped, skippedCount, warnings: [...compiled.warnings, ...sizeWarnings(template.to, requests, bytes), ...duplicateWarning(ids.duplicateRows)] };
}

function sizeWarnings(to: RequestTemplate['to'], requests: number, bytes: number): string[] {
  const l = PROVIDER_LIMITS[to];
  const over = requests > l.maxRequests || bytes > l.maxBytes;
  return over ? [`${requests} requests (${(bytes / 1e6).toFixed(0)} MB) exceed one ${to} batch (${l.maxRequests.toLocaleString('en-US')} requests, ${(l.maxBytes / 1024 / 1024).toFixed(0)} MB): submit splits the file into parts`] : [];
}

function duplicateWarning(n: number): string[] {
  return n ? [`${n} row${n === 1 ? ' repeats' : 's repeat'} an earlier row exactly: ${n === 1 ? 'its id has' : 'their ids have'} a -2, -3, ... suffix`] : [];
}

export type PreviewItem = { row: number; custom_id: string; request: JsonObject } | { row: number; skipped: string };

/** The first `n` rows rendered (or why not), for a live preview while a template is edited. Reads only those rows. */
export async function previewRequests(data: string, template: RequestTemplate, n: number, opts: Pick<ReadRowsOptions, 'signal' | 'format'> = {}): Promise<PreviewItem[]> {
  const compiled = compileTemplate(template);
  const ids = new RowIdAssigner(template.to, template.id_column);
  const items: PreviewItem[] = [];
  for await (const item of readRows(data, { ...opts, limit: n })) {
    if ('skip' in item) {
      items.push({ row: item.row, skipped: item.skip });
      continue;
    }
    const id = ids.assign(item.row, item.values);
    if ('skip' in id) {
      items.push({ row: item.row, skipped: id.skip });
      continue;
    }
    const r = renderRequest(item.values, compiled, id.id);
    items.push(r.ok ? { row: item.row, custom_id: id.id, request: r.line } : { row: item.row, skipped: r.reason });
  }
  return items;
}
