/** A value of a cell: what SQLite, DuckDB, Parquet and CSV all hold without loss. */
export type Cell = string | number | null;
export type ColumnType = 'integer' | 'real' | 'text';

export interface Column {
  /** The name in the written file (sanitised, unique case-insensitively). */
  name: string;
  type: ColumnType;
}

/** The columns every export has, in this order; the job's own columns (schema fields, source row) follow. */
export const FIXED_COLUMNS: readonly Column[] = [
  { name: 'custom_id', type: 'text' },
  { name: 'line', type: 'integer' },
  { name: 'outcome', type: 'text' },
  { name: 'quality', type: 'text' },
  { name: 'output', type: 'text' },
  { name: 'error_code', type: 'text' },
  { name: 'error_message', type: 'text' },
  { name: 'input_tokens', type: 'integer' },
  { name: 'output_tokens', type: 'integer' },
  { name: 'cost_usd', type: 'real' },
  { name: 'attempt', type: 'integer' },
  { name: 'job', type: 'text' },
  { name: 'model', type: 'text' },
];

/**
 * A name every format and SQL dialect takes unquoted-safe: letters, digits and `_`, not starting with a digit.
 * (Writers still quote names; this keeps them easy to type in a query.)
 */
export function sanitizeName(raw: string): string {
  let s = raw.normalize('NFKD').replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (s === '') s = 'column';
  if (/^[0-9]/.test(s)) s = `_${s}`;
  return s;
}

/**
 * Names the job's extra columns: each is sanitised; one that clashes with a fixed column (or one taken before
 * it) gets `prefix` (`output_`, `source_`), then a number until it is unique. SQLite and DuckDB names are
 * case-insensitive, so clashes are too.
 */
export class ColumnNamer {
  private readonly taken = new Set(FIXED_COLUMNS.map((c) => c.name.toLowerCase()));

  name(raw: string, prefix: string): string {
    let base = sanitizeName(raw);
    if (this.taken.has(base.toLowerCase())) base = `${prefix}${base}`;
    let name = base;
    for (let n = 2; this.taken.has(name.toLowerCase()); n++) name = `${base}_${n}`;
    this.taken.add(name.toLowerCase());
    return name;
  }
}

/**
 * A JSON value as a cell: numbers and strings as they are, booleans as 1/0 would lose that they were booleans,
 * so they (and objects, arrays) are written as JSON text.
 */
export function cellOf(v: unknown): Cell {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** Widens a column's type to hold `v` (integer ⊂ real ⊂ text); undefined until a non-null value is seen. */
export function widen(type: ColumnType | undefined, v: Cell): ColumnType | undefined {
  if (v === null) return type;
  const t: ColumnType = typeof v === 'number' ? (Number.isSafeInteger(v) ? 'integer' : 'real') : 'text';
  if (type === undefined || type === t) return t;
  if (type === 'text' || t === 'text') return 'text';
  return 'real';
}

/** A cell as the column's type holds it (a number in a text column becomes its text). */
export function coerce(v: Cell, type: ColumnType): Cell {
  if (v === null) return null;
  if (type === 'text') return typeof v === 'string' ? v : String(v);
  return v;
}
