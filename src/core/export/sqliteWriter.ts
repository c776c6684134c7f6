import { tempFileFor, type TempFile } from '../fsAtomic';
import type { Cell, Column, ColumnType } from './columns';
import type { TableWriter } from './writer';

const SQL_TYPE: Record<ColumnType, string> = { integer: 'INTEGER', real: 'REAL', text: 'TEXT' };

/** `"name"` with inner quotes doubled: names come from data (source columns) and are never trusted in SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

interface Db {
  exec(sql: string): void;
  prepare(sql: string): { run(values: Cell[]): unknown; finalize(): void };
  close(): void;
}

/**
 * A real SQLite file through node-sqlite3-wasm (SQLite compiled to WebAssembly, with a VFS on Node's fs): pages
 * go to disk as they fill, so memory stays at SQLite's page cache whatever the row count, and one .wasm serves
 * every platform. Written to a temp file beside the target, renamed into place on close.
 */
export class SqliteWriter implements TableWriter {
  private db?: Db;
  private insert?: ReturnType<Db['prepare']>;
  private file?: TempFile;
  constructor(
    private readonly path: string,
    private readonly table: string,
  ) {}

  async open(columns: readonly Column[]): Promise<void> {
    this.file = await tempFileFor(this.path, 'a database');
    // Loaded here, not at start-up: the .wasm is 1.3 MB (split into dist/vendor by esbuild.mjs).
    type Lib = { Database: new (path: string) => Db };
    const lib = (await import('node-sqlite3-wasm')) as unknown as Lib & { default?: Lib };
    // A CommonJS module: under Node's ESM loader (tests) its exports sit on `default`.
    const Database = lib.Database ?? lib.default!.Database;
    this.db = new Database(this.file.path);
    // A fresh file nobody else opens until it is renamed into place: no journal to keep, no sync at each commit.
    this.db.exec('PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;');
    const q = quoteIdent(this.table);
    this.db.exec(`CREATE TABLE ${q} (${columns.map((c) => `${quoteIdent(c.name)} ${SQL_TYPE[c.type]}`).join(', ')})`);
    this.insert = this.db.prepare(`INSERT INTO ${q} VALUES (${columns.map(() => '?').join(', ')})`);
  }

  async addRows(rows: readonly (readonly Cell[])[]): Promise<void> {
    this.db!.exec('BEGIN');
    for (const r of rows) this.insert!.run([...r]);
    this.db!.exec('COMMIT');
  }

  async close(): Promise<void> {
    this.insert!.finalize();
    this.insert = undefined;
    this.db!.close();
    this.db = undefined;
    await this.file!.commit();
  }

  async abort(): Promise<void> {
    try {
      this.insert?.finalize();
      this.db?.close();
    } catch {
      // closing after a failed write: the temp file goes anyway
    }
    this.db = undefined;
    await this.file?.discard();
  }
}
