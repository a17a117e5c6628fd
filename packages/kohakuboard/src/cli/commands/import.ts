/**
 * `kobo import tensorboard LOGDIR --to DIR`: imports a TensorBoard log directory into a data directory, and
 * the TensorBoard side of `kobo open` (`--tensorboard LOGDIR`, or a folder that holds only event files).
 * Progress goes to stderr (only on a terminal), warnings to stderr, the summary table to stdout.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { listRuns } from '../../storage/index.js';
import {
  followLogDir,
  holdsEventFiles,
  ImportLockedError,
  type ImportWarning,
  importLogDir,
  type LogDirImportResult,
  type MappedKind,
  type TensorBoardFollow,
  TensorBoardImportError,
} from '../../tensorboard/index.js';
import { errorText } from '../../util/error-text.js';
import { CliError } from '../errors.js';

const KINDS: MappedKind[] = ['scalars', 'histograms', 'images', 'audio', 'text'];
/** Rows of the summary table; the rest of the runs are summed up in one line. */
const MAX_TABLE_ROWS = 50;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function printWarning(w: ImportWarning): void {
  const at = w.offset === null ? '' : ` offset ${w.offset}:`;
  process.stderr.write(`kobo: warning: ${w.file}:${at} ${w.message}\n`);
}

/** One line of progress on stderr, redrawn at most every 100 ms; nothing when stderr is not a terminal. */
class ProgressLine {
  private readonly enabled = Boolean(process.stderr.isTTY);
  private readonly started = performance.now();
  private lastDraw = 0;
  private shown = false;

  update(bytes: number, totalBytes: number, events: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const share = totalBytes > 0 ? Math.min(1, bytes / totalBytes) : 1;
    const width = 24;
    const filled = Math.round(share * width);
    const rate = events / Math.max(0.001, (now - this.started) / 1000);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    process.stderr.write(
      `\r\x1b[Kimporting ${bar} ${(share * 100).toFixed(0).padStart(3)}%  ${fmt(events)} events  ${fmt(rate)} events/s`,
    );
    this.shown = true;
  }

  /** Clears the line (before a warning, and at the end). */
  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}

function skippedText(skipped: Map<string, number>): string {
  return [...skipped].map(([kind, n]) => `${fmt(n)} ${kind}`).join(', ');
}

/** The summary table: one row per run with the names imported per kind, the events read and what was skipped. */
export function summaryTable(result: LogDirImportResult, seconds: number): string {
  const header = ['run', ...KINDS, 'events', 'not imported'];
  const rows = result.runs.map((r) => [
    r.conflict ? `${r.run} (not imported)` : r.run,
    ...KINDS.map((k) => fmt(r.names[k].size)),
    fmt(r.events),
    skippedText(r.skipped),
  ]);
  const shown = rows.slice(0, MAX_TABLE_ROWS);
  const widths = header.map((h, i) => Math.max(h.length, ...shown.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...shown.map(line)];
  if (rows.length > shown.length) out.push(`… and ${fmt(rows.length - shown.length)} more runs`);
  const names = result.runs.reduce((n, r) => n + KINDS.reduce((m, k) => m + r.names[k].size, 0), 0);
  const rate = result.events / Math.max(seconds, 0.001);
  out.push(
    '',
    `${fmt(result.runs.length)} runs, ${fmt(names)} tags with new data, ${fmt(result.events)} events in ` +
      `${seconds.toFixed(1)} s (${fmt(rate)} events/s) into ${result.projectDir}`,
  );
  return `${out.join('\n')}\n`;
}

/** Maps the importer's errors to one-line CLI errors. */
function asCliError(err: unknown): unknown {
  if (err instanceof TensorBoardImportError) return new CliError(err.message, 2);
  if (err instanceof ImportLockedError) return new CliError(err.message, 1);
  return err;
}

async function runImport(logDir: string, opts: { to?: string; project?: string }): Promise<void> {
  const to = opts.to ?? process.env.KOHAKU_BOARD_DATA_DIR ?? 'kohakuboard';
  const progress = new ProgressLine();
  const started = performance.now();
  let result: LogDirImportResult;
  try {
    result = await importLogDir(logDir, {
      to,
      project: opts.project,
      warn: (w) => {
        progress.clear();
        printWarning(w);
      },
      progress: (bytes, total, events) => progress.update(bytes, total, events),
    });
  } catch (err) {
    throw asCliError(err);
  } finally {
    progress.clear();
  }
  process.stdout.write(summaryTable(result, (performance.now() - started) / 1000));
}

export function registerImport(program: Command): void {
  const imp = program
    .command('import')
    .description('Import runs that other trackers logged into a data directory.');
  imp
    .command('tensorboard')
    .description(
      'Import a TensorBoard log directory (PyTorch SummaryWriter, tf.summary, tensorboardX, Lightning, Keras): ' +
        'one run per directory of event files. Run it again to import only what was added since. ' +
        'The log directory is only read.',
    )
    .argument('<logdir>', 'the TensorBoard log directory')
    .option(
      '--to <dir>',
      'the data directory to import into (default: $KOHAKU_BOARD_DATA_DIR, else ./kohakuboard)',
    )
    .option('--project <name>', "the project of the imported runs (default: the log directory's name)")
    .addHelpText(
      'after',
      '\nExamples:\n  kobo import tensorboard runs/ --to kohakuboard\n  kobo open kohakuboard\n\n' +
        'To look at a log directory while training writes it, use `kobo open --tensorboard LOGDIR`.',
    )
    .action((logDir: string, opts: { to?: string; project?: string }) => runImport(logDir, opts));
}

/**
 * What `kobo open` serves for a TensorBoard log directory: `--tensorboard LOGDIR`, or a DIR that holds event
 * files and no KohakuBoard runs (said in one line). Returns null when DIR is an ordinary data directory.
 */
export async function tensorBoardForOpen(
  option: string | undefined,
  dir: string | undefined,
): Promise<TensorBoardFollow | null> {
  if (option !== undefined && dir !== undefined) {
    throw new CliError('give either DIR or --tensorboard LOGDIR, not both', 2);
  }
  let logDir = option;
  if (logDir === undefined && dir !== undefined) {
    const abs = resolve(dir);
    if (listRuns(abs).length > 0 || !holdsEventFiles(abs)) return null;
    process.stderr.write(
      `kobo: ${dir} holds TensorBoard event files and no KohakuBoard runs; showing them as --tensorboard does\n`,
    );
    logDir = dir;
  }
  if (logDir === undefined) return null;
  const progress = new ProgressLine();
  let follow: TensorBoardFollow;
  try {
    follow = await followLogDir(logDir, {
      warn: (w) => {
        progress.clear();
        printWarning(w);
      },
      error: (err) => process.stderr.write(`kobo: error while following ${logDir}: ${errorText(err)}\n`),
      progress: (bytes, total, events) => progress.update(bytes, total, events),
      skipped: (run, kinds) =>
        process.stderr.write(`kobo: note: ${run}: not imported: ${skippedText(kinds)}\n`),
    });
  } catch (err) {
    throw asCliError(err);
  } finally {
    progress.clear();
  }
  process.stdout.write(
    `TensorBoard log directory ${follow.logDir}: ${fmt(follow.initial.runs)} runs, following new events ` +
      `(imported into ${follow.dataDir})\n`,
  );
  return follow;
}
