/**
 * `kobo rm RUN…`: moves runs to the data directory's trash, or deletes them with --purge
 * (docs/export.md#rm-and-restore).
 */
import type { Command } from 'commander';
import { formatBytes, removeRun } from '../../housekeeping/index.js';
import { CliError } from '../errors.js';
import { seconds, withCliErrors } from './housekeeping-common.js';

export function registerRm(program: Command): void {
  program
    .command('rm')
    .description(
      'Move runs to the trash folder of their data directory (.trash/, see kobo restore), or delete them with --purge.',
    )
    .argument('<run_dir...>', 'run folders (not ones that are being written)')
    .option('--purge', 'delete for good instead of moving to the trash')
    .option(
      '--data-dir <dir>',
      'the data directory whose .trash/ to use (default: found from the run folder)',
    )
    .option(
      '--stale-after <seconds>',
      'a run counts as running until it has been quiet this long',
      seconds,
      300,
    )
    .action(async (runs: string[], opts: { purge?: boolean; dataDir?: string; staleAfter: number }) => {
      let failed: CliError | null = null;
      for (const run of runs) {
        try {
          const entry = await withCliErrors(() =>
            removeRun(run, {
              purge: opts.purge,
              dataDir: opts.dataDir,
              staleAfterMs: opts.staleAfter * 1000,
            }),
          );
          process.stdout.write(
            entry
              ? `kobo rm: ${run}: moved to ${entry.path} (${formatBytes(entry.size)}); kobo restore ${entry.id} puts it back\n`
              : `kobo rm: ${run}: deleted\n`,
          );
        } catch (err) {
          if (!(err instanceof CliError) || runs.length === 1) throw err;
          process.stderr.write(`kobo: ${err.message}\n`);
          failed = err;
        }
      }
      if (failed) throw new CliError('some runs were not removed (see above)', failed.exitCode);
    });
}
