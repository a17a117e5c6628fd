/**
 * A table writer turns batches into the bytes of one output format and hands them to a ByteSink.
 */
import type { ByteSink } from './byte-sink.js';
import type { ColumnDef, TableBatch } from './table-model.js';
import { CsvTableWriter, JsonlTableWriter } from './text-table-writers.js';

export type ExportFormat = 'parquet' | 'csv' | 'jsonl';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['parquet', 'csv', 'jsonl'];

export type ParquetCompression = 'zstd' | 'snappy' | 'none';
export const PARQUET_COMPRESSIONS: readonly ParquetCompression[] = ['zstd', 'snappy', 'none'];

export interface TableWriter {
  writeBatch(batch: TableBatch): Promise<void>;
  /** Writes whatever closes the format (Parquet's footer); the sink itself is ended by the caller. */
  finish(): Promise<void>;
  /** Stops after a failure elsewhere; no more bytes are written. */
  abort(reason: Error): void;
}

export interface TableWriterOptions {
  compression?: ParquetCompression;
  /** Rows per Parquet row group (default 1,048,576). */
  rowGroupRows?: number;
}

export async function createTableWriter(
  format: ExportFormat,
  defs: readonly ColumnDef[],
  sink: ByteSink,
  options: TableWriterOptions = {},
): Promise<TableWriter> {
  if (format === 'csv') return new CsvTableWriter(defs, sink);
  if (format === 'jsonl') return new JsonlTableWriter(defs, sink);
  // Loaded on demand: the WebAssembly module takes a moment to compile, and only Parquet needs it.
  const { ParquetTableWriter } = await import('./parquet-table-writer.js');
  return ParquetTableWriter.create(defs, sink, options);
}

/** The format an output file name asks for, from its extension; null when the extension says nothing. */
export function formatFromFileName(name: string): ExportFormat | null {
  const lower = name.toLowerCase();
  if (lower.endsWith('.parquet') || lower.endsWith('.pq')) return 'parquet';
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  return null;
}
