import { tempFileFor, type TempFile } from '../fsAtomic';
import type { Cell, Column, ColumnType } from './columns';
import type { TableWriter } from './writer';

const PARQUET_TYPE: Record<ColumnType, 'INT64' | 'DOUBLE' | 'STRING'> = { integer: 'INT64', real: 'DOUBLE', text: 'STRING' };

interface Writer {
  write(o: { columnData: { name: string; data: unknown[]; type: string; nullable: boolean }[]; rowGroupSize: number }): void | Promise<void>;
  finish(): void;
}

/**
 * Parquet through hyparquet-writer (pure JS): each batch is one row group, flushed to the file in ~1 MB chunks,
 * so memory holds one batch. INT64 columns take BigInt values.
 */
export class ParquetWriter implements TableWriter {
  private w?: Writer;
  private columns: readonly Column[] = [];
  private file?: TempFile;
  constructor(private readonly path: string) {}

  async open(columns: readonly Column[]): Promise<void> {
    this.file = await tempFileFor(this.path, 'Parquet');
    this.columns = columns;
    const hw = await import('hyparquet-writer');
    const { schemaFromColumnData } = hw;
    const schema = schemaFromColumnData({ columnData: columns.map((c) => ({ name: c.name, data: [], type: PARQUET_TYPE[c.type], nullable: true })) });
    this.w = new hw.ParquetWriter({ writer: hw.fileWriter(this.file.path), schema }) as unknown as Writer;
  }

  async addRows(rows: readonly (readonly Cell[])[]): Promise<void> {
    if (rows.length === 0) return;
    const columnData = this.columns.map((c, k) => ({
      name: c.name,
      type: PARQUET_TYPE[c.type],
      nullable: true,
      data: rows.map((r) => {
        const v = r[k] ?? null;
        return v !== null && c.type === 'integer' ? BigInt(v) : v;
      }),
    }));
    await this.w!.write({ columnData, rowGroupSize: rows.length });
  }

  async close(): Promise<void> {
    this.w!.finish();
    await this.file!.commit();
  }

  async abort(): Promise<void> {
    await this.file?.discard();
  }
}
