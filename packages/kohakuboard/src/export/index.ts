/**
 * Data out of runs: long or wide tables of scalars, histograms, table cells and media listings, written as
 * Parquet, CSV or JSON Lines to any Node Writable (docs/export.md).
 */
export { describeIoError, ExportError, type ExportErrorCode } from './errors.js';
export {
  EXPORT_KINDS,
  type ExportHooks,
  type ExportKind,
  type ExportRequest,
  type ExportResult,
  exportRuns,
  exportToStream,
} from './export-table.js';
export { type ExportRun, resolveExportRuns } from './export-targets.js';
export { exportToFile, type FileOutputOptions, removeTemporaryOutputs } from './file-output.js';
export { nameFilter } from './name-filter.js';
export type { ExportProblem } from './table-source.js';
export {
  EXPORT_FORMATS,
  type ExportFormat,
  formatFromFileName,
  PARQUET_COMPRESSIONS,
  type ParquetCompression,
} from './table-writer.js';
