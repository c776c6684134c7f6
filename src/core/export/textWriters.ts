import { AtomicLineWriter } from '../results/lineWriter';
import { csvRow } from '../results/export';
import type { Cell, Column } from './columns';
import type { TableWriter } from './writer';

/** CSV (RFC 4180, the helpers of `results --out x.csv`): a header row, then one record per row; null is empty. */
export class CsvWriter implements TableWriter {
  private w?: AtomicLineWriter;
  constructor(private readonly path: string) {}

  async open(columns: readonly Column[]): Promise<void> {
    this.w = await AtomicLineWriter.open(this.path);
    await this.w.write(csvRow(columns.map((c) => c.name)));
  }

  async addRows(rows: readonly (readonly Cell[])[]): Promise<void> {
    for (const r of rows) await this.w!.write(csvRow([...r]));
  }

  close(): Promise<void> {
    return this.w!.commit();
  }

  async abort(): Promise<void> {
    await this.w?.abort();
  }
}

/** One JSON object per row, keys in column order, null kept (so every line has every key). */
export class JsonlWriter implements TableWriter {
  private w?: AtomicLineWriter;
  private names: string[] = [];
  constructor(private readonly path: string) {}

  async open(columns: readonly Column[]): Promise<void> {
    this.names = columns.map((c) => c.name);
    this.w = await AtomicLineWriter.open(this.path);
  }

  async addRows(rows: readonly (readonly Cell[])[]): Promise<void> {
    for (const r of rows) {
      const o: Record<string, Cell> = {};
      this.names.forEach((n, i) => (o[n] = r[i] ?? null));
      await this.w!.write(JSON.stringify(o) + '\n');
    }
  }

  close(): Promise<void> {
    return this.w!.commit();
  }

  async abort(): Promise<void> {
    await this.w?.abort();
  }
}
