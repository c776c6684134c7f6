import { z } from 'zod';

/**
 * A request file built from a table keeps each request's source row beside it (`requests.jsonl` →
 * `requests.rows.jsonl`), one line per request in the same order, so results can be joined back to the row's
 * columns. `row` is the 1-based data row (header excluded) the request was rendered from.
 */
export const SourceRowLineSchema = z.object({
  custom_id: z.string().min(1),
  row: z.number().int().positive(),
  values: z.record(z.string(), z.unknown()),
});
export type SourceRowLine = z.infer<typeof SourceRowLineSchema>;

const SIDECAR_SUFFIX = '.rows.jsonl';

/** `data/requests.jsonl` → `data/requests.rows.jsonl` (any other name gets the suffix appended). */
export function sidecarPathFor(requestsPath: string): string {
  return requestsPath.replace(/\.jsonl$/i, '') + SIDECAR_SUFFIX;
}

/** A sidecar is never itself a request file: validate and submit say so instead of reporting every line. */
export function isSidecarPath(path: string): boolean {
  return path.toLowerCase().endsWith(SIDECAR_SUFFIX);
}
