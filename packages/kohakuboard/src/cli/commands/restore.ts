/**
 * `kobo restore ENTRY…`: puts runs from the trash back where they were; `--list` shows the trash
 * (docs/export.md#rm-and-restore).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { formatBytes, listTrash, restoreRun } from '../../housekeeping/index.js';
import { CliError } from '../errors.js';
import { textTable, withCliErrors } from './housekeeping-common.js';

export function registerRestore(program: Command): void {
  program
    .command('restore')
    .description(
      'Put runs removed with kobo rm back where they were (by trash entry id or original path); without one, list the trash.',
    )
    .argument(
      '[entry...]',
      'trash entry ids (as kobo rm prints them) or original run paths relative to the data directory',
    )
    .option('--data-dir <dir>', 'the data directory (default: $KOHAKU_BOARD_DATA_DIR, else ./kohakuboard)')
    .option('--list', 'list the trash')
    .option('--json', 'with --list: print JSON')
    .action(async (entries: string[], opts: { dataDir?: string; list?: boolean; json?: boolean }) => {
      const dataDir = resolve(opts.dataDir ?? (process.env.KOHAKU_BOARD_DATA_DIR || 'kohakuboard'));
      if (opts.list || entries.length === 0) {
        const list = listTrash(dataDir);
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify(
              list.map((e) => ({ id: e.id, from: e.from, removed_at: e.removedAt, size_bytes: e.size })),
              null,
              2,
            )}\n`,
          );
        } else if (list.length === 0) {
          process.stdout.write(`the trash of ${dataDir} is empty\n`);
        } else {
          process.stdout.write(
            textTable(
              ['ID', 'FROM', 'REMOVED', 'SIZE'],
              list.map((e) => [e.id, e.from, e.removedAt, formatBytes(e.size)]),
              new Set([3]),
            ),
          );
        }
        return;
      }
      for (const which of entries) {
        const entry = await withCliErrors(() => restoreRun(dataDir, which));
        process.stdout.write(`kobo restore: ${entry.from}: back at ${entry.path}\n`);
      }
      if (entries.length === 0) throw new CliError('give a trash entry id or the run path', 2);
    });
}
