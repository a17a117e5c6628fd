/**
 * The `kobo` command line.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { registerDump } from './commands/dump.js';
import { registerExport } from './commands/export.js';
import { registerImport } from './commands/import.js';
import { registerInfo } from './commands/info.js';
import { registerLs } from './commands/ls.js';
import { registerOpen } from './commands/open.js';
import { registerPrune } from './commands/prune.js';
import { registerRestore } from './commands/restore.js';
import { registerRm } from './commands/rm.js';
import { registerSync } from './commands/sync.js';
import { describeCliError } from './errors.js';
import { endQuietlyOnClosedStdout } from './stdout-pipe.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('kobo')
    .description('KohakuBoard: look at and check the run folders your training scripts log.')
    .version(VERSION, '-v, --version')
    .showHelpAfterError('(run `kobo --help` for usage)')
    .exitOverride();
  registerDump(program);
  registerOpen(program);
  registerExport(program);
  registerLs(program);
  registerInfo(program);
  registerPrune(program);
  registerRm(program);
  registerRestore(program);
  registerImport(program);
  registerSync(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  endQuietlyOnClosedStdout();
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const { line, exitCode } = describeCliError(err);
    process.stderr.write(`kobo: ${line}\n`);
    return exitCode;
  }
}

process.exitCode = await main(process.argv);
