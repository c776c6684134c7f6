import { SourceRowLineSchema } from '../build/sidecar';
import { isBlankLine, readJsonlFile } from '../jsonl';
import type { MergedRows } from '../results/rows';
import { RecordReader } from '../results/recordReader';
import { cellOf, widen, type Cell, type ColumnType } from './columns';

/** A sidecar line that is not a source row: says which file and line, and how to fix it. */
export class SourceRowsError extends Error {}

/**
 * Where each merged row's source row is in the sidecar (`requests.rows.jsonl`), found in one pass: the sidecar is
 * in input order like the rows, so they are walked side by side; a line out of step is found through an id
 * index, built only then. Holds 12 bytes per row and the column names, never the values.
 */
export class SourceRowIndex {
  private readonly off: Float64Array;
  private readonly len: Uint32Array;
  /** Column names in order of first appearance, with the type that holds every value seen. */
  readonly columns = new Map<string, ColumnType | undefined>();
  private readonly reader = new RecordReader();

  private constructor(
    readonly path: string,
    n: number,
  ) {
    this.off = new Float64Array(n).fill(-1);
    this.len = new Uint32Array(n);
  }

  static async build(path: string, rows: MergedRows, signal?: AbortSignal): Promise<SourceRowIndex> {
    const index = new SourceRowIndex(path, rows.length);
    let next = 0;
    let byId: Map<string, number> | undefined;
    for await (const l of readJsonlFile(path, { signal })) {
      if (isBlankLine(l.text)) continue;
      let parsed;
      try {
        parsed = SourceRowLineSchema.safeParse(JSON.parse(l.text));
      } catch (err) {
        throw new SourceRowsError(`${path} line ${l.line}: not JSON (${(err as Error).message}); rebuild the requests to write it again`);
      }
      if (!parsed.success) throw new SourceRowsError(`${path} line ${l.line}: not a source row ({custom_id, row, values}): ${parsed.error.issues[0]?.message ?? 'invalid'}; rebuild the requests to write it again`);
      const { custom_id: id, values } = parsed.data;
      let i: number | undefined;
      if (next < rows.length && rows.customId(next) === id) i = next++;
      else {
        if (!byId) {
          byId = new Map();
          for (let k = 0; k < rows.length; k++) if (rows.customId(k) && !byId.has(rows.customId(k))) byId.set(rows.customId(k), k);
        }
        i = byId.get(id);
        if (i !== undefined) next = i + 1;
      }
      // A row for an id the job does not have (the requests were edited after the build) has nowhere to go.
      if (i === undefined) continue;
      index.off[i] = l.offset;
      index.len[i] = l.bytes;
      for (const [k, v] of Object.entries(values)) index.columns.set(k, widen(index.columns.get(k), cellOf(v)));
    }
    return index;
  }

  /** The source row's values of row i (empty when it has none). */
  async values(i: number): Promise<Record<string, unknown>> {
    if (this.off[i]! < 0) return {};
    const text = await this.reader.text({ path: this.path, offset: this.off[i]!, bytes: this.len[i]! });
    return (JSON.parse(text) as { values: Record<string, unknown> }).values;
  }

  close(): Promise<void> {
    return this.reader.close();
  }
}

export type { Cell };
