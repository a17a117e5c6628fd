/**
 * One export: targets → runs → a table source → batches → a table writer → a Node Writable. The same call
 * serves the command line (a file or stdout) and can serve an HTTP response, which is just another
 * Writable (docs/export.md).
 */
import type { Writable } from 'node:stream';
import { asError } from '../util/error-text.js';
import { ByteSink } from './byte-sink.js';
import { ExportError } from './errors.js';
import { type ExportRun, resolveExportRuns } from './export-targets.js';
import { nameFilter } from './name-filter.js';
import { HistogramSource, MediaSource, TableCellSource } from './row-sources.js';
import { LongScalarSource, WideScalarSource } from './scalar-sources.js';
import { BatchBuilder } from './table-model.js';
import type { ExportProblem, TableSource } from './table-source.js';
import { createTableWriter, type ExportFormat, type ParquetCompression } from './table-writer.js';

export type ExportKind = 'scalars' | 'histograms' | 'tables' | 'media';
export const EXPORT_KINDS: readonly ExportKind[] = ['scalars', 'histograms', 'tables', 'media'];

export interface ExportRequest {
  /** Run folders, project folders or data directories. */
  targets: string[];
  format: ExportFormat;
  kind?: ExportKind;
  /** Scalars only: one row per step, one column per metric. */
  wide?: boolean;
  /** Globs over names (metrics, histograms, tables or media); empty: everything. */
  names?: string[];
  /** Media only: write each item's bytes under this directory. */
  mediaDir?: string | null;
  compression?: ParquetCompression;
  /** Rows per batch handed to the writer (default 262,144). */
  batchRows?: number;
  rowGroupRows?: number;
}

export interface ExportHooks {
  /** Points read so far and the expected total (scalars; 0 when unknown). */
  onProgress?(done: number, total: number): void;
  /** A file that could not be read; the export goes on. */
  onProblem?(problem: ExportProblem): void;
}

export interface ExportResult {
  runs: number;
  rows: number;
  bytes: number;
  problems: ExportProblem[];
  mediaFilesWritten: number;
}

const DEFAULT_BATCH_ROWS = 262_144;

/** The runs an export request reads (throws ExportError ENOTRUN for a target that holds none). */
export function exportRuns(request: Pick<ExportRequest, 'targets'>): ExportRun[] {
  if (request.targets.length === 0)
    throw new ExportError('EUSAGE', 'no target given (a run, project or data directory)');
  return resolveExportRuns(request.targets);
}

function makeSource(
  request: ExportRequest,
  runs: ExportRun[],
  report: (p: ExportProblem) => void,
): TableSource {
  const filter = nameFilter(request.names ?? []);
  const withRuns = runs.length > 1;
  const kind = request.kind ?? 'scalars';
  if (request.wide && kind !== 'scalars') throw new ExportError('EUSAGE', '--wide applies to scalars only');
  if (request.mediaDir && kind !== 'media')
    throw new ExportError('EUSAGE', '--media-dir applies to --kind media only');
  switch (kind) {
    case 'scalars':
      return request.wide
        ? new WideScalarSource(runs, filter, withRuns, report)
        : new LongScalarSource(runs, filter, withRuns, report);
    case 'histograms':
      return new HistogramSource(runs, filter, withRuns);
    case 'tables':
      return new TableCellSource(runs, filter, withRuns);
    case 'media':
      return new MediaSource(runs, filter, withRuns, request.mediaDir ?? null);
  }
}

/**
 * Writes the export to `out`. With `end` (the default) the stream is ended once everything is written;
 * pass false for a stream that must stay open (stdout). Rejects with the first write error; problems with
 * single files are reported through hooks.onProblem and listed in the result.
 */
export async function exportToStream(
  request: ExportRequest,
  out: Writable,
  hooks: ExportHooks = {},
  options: { end?: boolean; runs?: ExportRun[] } = {},
): Promise<ExportResult> {
  const problems: ExportProblem[] = [];
  const report = (p: ExportProblem) => {
    problems.push(p);
    hooks.onProblem?.(p);
  };
  const runs = options.runs ?? exportRuns(request);
  const source = makeSource(request, runs, report);
  const sink = new ByteSink(out);
  const writer = await createTableWriter(request.format, source.defs, sink, {
    compression: request.compression,
    rowGroupRows: request.rowGroupRows,
  });
  const builder = new BatchBuilder(source.defs, request.batchRows ?? DEFAULT_BATCH_ROWS);
  let rows = 0;
  const total = source.estimatedRows;
  try {
    await source.fill(builder, {
      flush: async () => {
        rows += builder.length;
        await writer.writeBatch(builder.batch());
        builder.reset();
        hooks.onProgress?.(rows, total);
      },
      report,
    });
    if (builder.length > 0) {
      rows += builder.length;
      await writer.writeBatch(builder.batch());
      builder.reset();
    }
    await writer.finish();
    if (options.end ?? true) await sink.end();
  } catch (err) {
    writer.abort(asError(err));
    throw err;
  }
  hooks.onProgress?.(rows, total);
  return {
    runs: runs.length,
    rows,
    bytes: sink.bytes,
    problems,
    mediaFilesWritten: source instanceof MediaSource ? source.filesWritten : 0,
  };
}
