/**
 * `kobo ls [DIR]`: the runs of a data directory as a table, or as JSON (docs/export.md#ls).
 */
import { type Command, Option } from 'commander';
import { formatBytes, listRuns, SORT_KEYS, type SortKey } from '../../housekeeping/index.js';
import { clip, seconds, shortTime, textTable, withCliErrors } from './housekeeping-common.js';

export function registerLs(program: Command): void {
  program
    .command('ls')
    .description(
      'List the runs of a data directory: project, run id, name, status, steps, last update, size.',
    )
    .argument('[dir]', 'the data directory (default: $KOHAKU_BOARD_DATA_DIR, else ./kohakuboard)')
    .addOption(new Option('--sort <key>', 'sort by this column').choices(SORT_KEYS).default('project'))
    .option('-r, --reverse', 'reverse the order')
    .option('--json', 'print JSON (one array of runs) instead of a table')
    .option('--stale-after <seconds>', 'a running run without activity for this long is stale', seconds, 300)
    .action(
      async (
        dir: string | undefined,
        opts: { sort: SortKey; reverse?: boolean; json?: boolean; staleAfter: number },
      ) => {
        const base = dir ?? (process.env.KOHAKU_BOARD_DATA_DIR || 'kohakuboard');
        const runs = await withCliErrors(() =>
          listRuns(base, { sort: opts.sort, reverse: opts.reverse, staleAfterMs: opts.staleAfter * 1000 }),
        );
        if (opts.json) {
          const out = runs.map((r) => ({
            project: r.project,
            run_id: r.runId,
            folder: r.folder,
            name: r.name,
            status: r.status,
            steps: r.steps,
            created_at: r.createdAt,
            updated_at: r.updatedAtMs === null ? null : new Date(r.updatedAtMs).toISOString(),
            size_bytes: r.size,
            path: r.path,
          }));
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
          return;
        }
        if (runs.length === 0) {
          process.stdout.write(`no runs in ${base}\n`);
          return;
        }
        const rows = runs.map((r) => [
          r.project,
          r.runId,
          clip(r.name, 32),
          r.status,
          String(r.steps),
          shortTime(r.updatedAtMs),
          formatBytes(r.size),
        ]);
        process.stdout.write(
          textTable(['PROJECT', 'RUN', 'NAME', 'STATUS', 'STEPS', 'UPDATED', 'SIZE'], rows, new Set([4, 6])),
        );
      },
    );
}
