/**
 * `kobo prune RUN --after-step N`: removes rows beyond a step from a run (docs/export.md#prune).
 */
import type { Command } from 'commander';
import {
  finishInterruptedPrune,
  formatBytes,
  type PruneReport,
  pruneRun,
  requireRunDir,
} from '../../housekeeping/index.js';
import { CliError } from '../errors.js';
import { seconds, textTable, wholeNumber, withCliErrors } from './housekeeping-common.js';

interface PruneCliOptions {
  afterStep?: number;
  beforeStep?: number;
  metric: string[];
  dryRun?: boolean;
  verbose?: boolean;
  recover?: boolean;
  staleAfter: number;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function describe(report: PruneReport): string {
  const range =
    report.bounds.lo > Number.MIN_SAFE_INTEGER && report.bounds.hi < Number.MAX_SAFE_INTEGER
      ? `steps outside ${report.bounds.lo}..${report.bounds.hi}`
      : report.bounds.hi < Number.MAX_SAFE_INTEGER
        ? `steps after ${report.bounds.hi}`
        : `steps before ${report.bounds.lo}`;
  if (report.changes.length === 0)
    return `kobo prune: ${report.run}: nothing to remove (no rows at ${range})\n`;
  const rows = report.changes.map((c) => {
    if (c.kind === 'column-file')
      return [c.file, `${c.removed} of ${c.rows} rows${c.action === 'remove' ? ' (the file goes)' : ''}`];
    if (c.kind === 'metadata') {
      const parts = Object.entries(c.tables)
        .filter(([, t]) => t.removed > 0)
        .map(([name, t]) => `${name} ${t.removed} of ${t.rows}`);
      return [c.file, `rows: ${parts.join(', ')}`];
    }
    const bytes = c.keys.reduce((a, k) => a + k.size, 0);
    const what = c.file.startsWith('media/') ? 'media blob' : 'tensor/KDE payload';
    return [
      c.file,
      `${c.keys.length} ${what}${c.keys.length === 1 ? '' : 's'} no row refers to (${formatBytes(bytes)})`,
    ];
  });
  const head = report.dryRun ? `would remove (${range}):` : `removed (${range}):`;
  return `kobo prune: ${report.run}: ${head}\n${textTable(['FILE', 'WHAT'], rows).trimEnd().replace(/^/gm, '  ')}\n`;
}

export function registerPrune(program: Command): void {
  program
    .command('prune')
    .description(
      'Remove the rows beyond a step from every metric, histogram, table, media record, tensor and KDE of a run.',
    )
    .argument('<run_dir>', 'a run folder (not one that is being written)')
    .option('--after-step <n>', 'remove rows with a step greater than N', wholeNumber('--after-step'))
    .option('--before-step <n>', 'remove rows with a step smaller than N', wholeNumber('--before-step'))
    .option(
      '--metric <glob>',
      'only these metrics (repeatable); nothing else of the run changes',
      collect,
      [],
    )
    .option('-n, --dry-run', 'show what would be removed, change nothing')
    .option('--verbose', 'print each step taken (on stderr)')
    .option('--recover', 'only finish an interrupted prune of this run (roll it forward or back)')
    .option(
      '--stale-after <seconds>',
      'a run counts as running until it has been quiet this long',
      seconds,
      300,
    )
    .action(async (runDir: string, opts: PruneCliOptions) => {
      const say = opts.verbose ? (line: string) => process.stderr.write(`kobo prune: ${line}\n`) : undefined;
      if (opts.recover) {
        const what = await withCliErrors(() => finishInterruptedPrune(requireRunDir(runDir), runDir));
        process.stdout.write(
          `kobo prune: ${runDir}: ${what === 'none' ? 'no interrupted prune' : what === 'completed' ? 'an interrupted prune was completed' : 'an interrupted prune was rolled back; the run is unchanged'}\n`,
        );
        return;
      }
      if (opts.afterStep === undefined && opts.beforeStep === undefined) {
        throw new CliError('give --after-step N, --before-step N or both', 2);
      }
      const report = await withCliErrors(() =>
        pruneRun(runDir, {
          afterStep: opts.afterStep,
          beforeStep: opts.beforeStep,
          metrics: opts.metric,
          dryRun: opts.dryRun,
          staleAfterMs: opts.staleAfter * 1000,
          onStep: say,
        }),
      );
      process.stdout.write(describe(report));
    });
}
