/**
 * `kobo dump RUN_DIR`: prints a run as one JSON document in the shape of the fixtures' expected.json.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { dumpRun } from '../../reader/run-dump.js';
import { setReadOnlyCopyListener } from '../../storage/index.js';
import { CliError } from '../errors.js';
import { notARunHint } from '../run-folder-hint.js';

export function registerDump(program: Command): void {
  program
    .command('dump')
    .description(
      'Print a run folder as one JSON document (the format check and a debugging aid). Reading never writes to the run.',
    )
    .argument('<run_dir>', 'a run folder (the directory that holds metadata.json)')
    .option('--metric <name>', 'only this metric in "metrics"')
    .option(
      '--full',
      'print every point (series longer than 5,000 points are otherwise shown as 20 points at each end)',
    )
    .option('--compact', 'print without indentation')
    .action((runDir: string, opts: { metric?: string; full?: boolean; compact?: boolean }) => {
      const dir = resolve(runDir);
      if (!existsSync(dir)) throw new CliError(`${runDir}: no such directory`, 2);
      if (!statSync(dir).isDirectory()) throw new CliError(`${runDir}: not a directory`, 2);
      const hint = notARunHint(dir, runDir, 'dump');
      if (hint) throw new CliError(hint, 2);
      let noted = false;
      setReadOnlyCopyListener(() => {
        if (noted) return;
        noted = true;
        process.stderr.write(
          `kobo: note: ${runDir} is read-only, so SQLite cannot add its -shm files there; reading temporary copies (the run is not changed)\n`,
        );
      });
      const doc = dumpRun(dir, { metric: opts.metric, full: opts.full });
      if (opts.metric !== undefined && Object.keys(doc.metrics as object).length === 0) {
        throw new CliError(`${runDir}: the run has no metric named "${opts.metric}"`, 2);
      }
      process.stdout.write(`${JSON.stringify(doc, null, opts.compact ? undefined : 2)}\n`);
    });
}
