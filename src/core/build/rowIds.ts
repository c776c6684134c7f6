import { createHash } from 'node:crypto';
import { ANTHROPIC_CUSTOM_ID } from '../limits';
import { hash64 } from '../rules/requestIds';
import { Hash64Table } from '../hash64Table';
import type { LineFormat } from '../tokens';
import { lookupPath } from './template';

/**
 * Request ids for built rows, unique in the file and valid for every provider (`^[a-zA-Z0-9_-]{1,64}$` is
 * Anthropic's rule and the strictest):
 * - from a column (`--id-column`): its value as text; an empty, invalid or repeated value skips the row with why.
 * - otherwise `row-` + 16 hex digits of the SHA-256 of the row's canonical JSON (keys sorted): the same row gets the
 *   same id in every run, whatever its position, so results join back even after the table is re-sorted. A row
 *   that repeats an earlier one exactly gets `-2`, `-3`, ... in file order.
 *
 * Ids are remembered as 64-bit keys in typed arrays (12 bytes each, 12 MB for a million rows) rather than strings in
 * a Set. For hashed ids the key is the id's own 64 bits, so the check is exact; for column values it is a 64-bit
 * hash of the text, so two different values would be taken for one with odds near 1 in 10^7 at a million rows.
 */
export type IdResult = { id: string } | { skip: string };

export class RowIdAssigner {
  private readonly seen = new Hash64Table();
  /** Rows that repeated an earlier row exactly (hashed ids only). */
  duplicateRows = 0;

  constructor(
    private readonly provider: LineFormat,
    private readonly idColumn?: string,
  ) {}

  assign(row: number, values: Record<string, unknown>): IdResult {
    return this.idColumn === undefined ? this.hashed(row, values) : this.fromColumn(row, values, this.idColumn);
  }

  private fromColumn(row: number, values: Record<string, unknown>, column: string): IdResult {
    const v = lookupPath(values, column);
    if (v === undefined) return { skip: `has no column "${column}" for the id (--id-column)` };
    if (v === null || v === '') return { skip: `the id column "${column}" is empty` };
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint') return { skip: `the id column "${column}" holds ${Array.isArray(v) ? 'an array' : 'an object'}, not a text or a number` };
    const id = String(v);
    if (this.provider === 'anthropic' && !ANTHROPIC_CUSTOM_ID.test(id)) {
      return { skip: `id ${JSON.stringify(id)} (column "${column}") is not a valid Anthropic custom_id: letters, digits, _ and -, 1 to 64 characters` };
    }
    const [a, b] = hash64(id);
    const first = this.seen.getOrSet(a, b, row);
    if (first !== undefined) return { skip: `id ${JSON.stringify(id)} (column "${column}") was already used by row ${first}: ids must be unique (pick another --id-column, or leave it out to use row hashes)` };
    return { id };
  }

  private hashed(_row: number, values: Record<string, unknown>): IdResult {
    const digest = createHash('sha256').update(canonicalJson(values)).digest();
    const a = digest.readUInt32BE(0);
    const b = digest.readUInt32BE(4);
    const base = `row-${digest.toString('hex', 0, 8)}`;
    const count = this.seen.get(a, b) ?? 0;
    this.seen.set(a, b, count + 1);
    if (count === 0) return { id: base };
    this.duplicateRows++;
    return { id: `${base}-${count + 1}` };
  }
}

/** JSON with object keys sorted at every level, so the same row always hashes the same. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return typeof v === 'bigint' ? v.toString() : (JSON.stringify(v) ?? 'null');
}
