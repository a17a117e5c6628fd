/**
 * `kobo export TARGET…`: scalars (long or wide), histograms, table cells or media listings of runs, as
 * Parquet, CSV or JSON Lines, into a file or to stdout (docs/export.md).
 */
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  EXPORT_FORMATS,
  EXPORT_KINDS,
  ExportError,
  type ExportFormat,
  type ExportHooks,
  type ExportKind,
  type ExportRequest,
  exportRuns,
  exportToFile,
  exportToStream,
  formatFromFileName,
  PARQUET_COMPRESSIONS,
  type ParquetCompression,
  removeTemporaryOutputs,
} from '../../export/index.js';
import { ProgressBar } from '../../export/progress-bar.js';
import { setReadOnlyCopyListener } from '../../storage/index.js';
import { CliError } from '../errors.js';
import { isClosedPipe } from '../stdout-pipe.js';

interface ExportOptions {
  format?: ExportFormat;
  out?: string;
  metric: string[];
  wide?: boolean;
  kind: ExportKind;
  mediaDir?: string;
  compression: ParquetCompression;
  rowGroupRows?: number;
  progress: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number >= 1');
  return n;
}

/** The format: --format, else the --out extension, else CSV (docs/export.md#defaults). */
function chooseFormat(opts: ExportOptions, toStdout: boolean): ExportFormat {
  if (opts.format) return opts.format;
  if (!toStdout) {
    const f = formatFromFileName(opts.out!);
    if (!f) {
      throw new CliError(
        `${opts.out}: cannot tell the format from the file name; use --format parquet|csv|jsonl or a .parquet/.csv/.jsonl name`,
        2,
      );
    }
    return f;
  }
  return 'csv';
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'Export metrics (or histograms, tables, media listings) of runs as Parquet, CSV or JSON Lines.',
    )
    .argument('<target...>', 'run folders, project folders or data directories')
    .addOption(
      new Option('--format <format>', 'output format (default: from the --out extension, else csv)').choices(
        EXPORT_FORMATS,
      ),
    )
    .option('-o, --out <file>', 'output file, or - for stdout (default: stdout)')
    .option(
      '--metric <glob>',
      'only names matching this glob (repeatable; * stays within one /-segment, ** crosses them)',
      collect,
      [],
    )
    .option('--wide', 'scalars as one row per step with a column per metric')
    .addOption(new Option('--kind <kind>', 'what to export').choices(EXPORT_KINDS).default('scalars'))
    .option('--media-dir <dir>', 'with --kind media: also write every media file under this directory')
    .addOption(
      new Option('--compression <codec>', 'Parquet compression')
        .choices(PARQUET_COMPRESSIONS)
        .default('zstd'),
    )
    .option('--row-group-rows <n>', 'rows per Parquet row group (default 1048576)', positiveInt)
    .option('--no-progress', 'no progress bar (it is shown only when stderr is a terminal)')
    .action(async (targets: string[], opts: ExportOptions) => {
      const toStdout = opts.out === undefined || opts.out === '-';
      const format = chooseFormat(opts, toStdout);
      if (toStdout && format === 'parquet' && process.stdout.isTTY) {
        throw new CliError('not writing binary Parquet to a terminal; use --out FILE or a pipe', 2);
      }
      setReadOnlyCopyListener(null);
      const request: ExportRequest = {
        targets,
        format,
        kind: opts.kind,
        wide: opts.wide,
        names: opts.metric,
        mediaDir: opts.mediaDir ? resolve(opts.mediaDir) : null,
        compression: opts.compression,
        rowGroupRows: opts.rowGroupRows,
      };
      const bar =
        opts.progress && process.stderr.isTTY && !(toStdout && process.stdout.isTTY)
          ? new ProgressBar(process.stderr, 'kobo export')
          : null;
      const hooks: ExportHooks = {
        onProgress: (done, total) => bar?.update(done, total),
        onProblem: (p) => {
          bar?.done();
          process.stderr.write(`kobo: warning: ${p.file}: ${p.message}; the export goes on without it\n`);
        },
      };
      const onSignal = (signal: NodeJS.Signals) => {
        bar?.done();
        removeTemporaryOutputs();
        process.exit(signal === 'SIGINT' ? 130 : 143);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const result = toStdout
          ? await exportToStream(request, process.stdout, hooks, { end: false, runs: exportRuns(request) })
          : await exportToFile(request, opts.out!, hooks);
        bar?.done();
        if (!toStdout) {
          process.stderr.write(
            `kobo: wrote ${result.rows} rows of ${result.runs} run${result.runs === 1 ? '' : 's'} to ${opts.out} (${format}, ${result.bytes} bytes)${
              result.mediaFilesWritten ? `, ${result.mediaFilesWritten} media files to ${opts.mediaDir}` : ''
            }\n`,
          );
        }
        if (result.problems.length > 0) {
          throw new CliError(
            `${result.problems.length} file${result.problems.length === 1 ? '' : 's'} could not be read (named above); the output holds everything else`,
            1,
          );
        }
      } catch (err) {
        bar?.done();
        if (toStdout && isClosedPipe(err)) return;
        if (err instanceof ExportError) throw new CliError(err.message, err.exitCode);
        throw err;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
