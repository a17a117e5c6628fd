/**
 * The `kobo-serve` command line (docs/server.md#command-line): `serve` (the default), `migrate`,
 * `create-user`, `set-password`, `create-invite` and `db-copy`. Exit codes: 0 ok, 1 failure, 2 usage (a
 * refused configuration is one line on stderr).
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import { formatConfig } from '../config/print.js';
import {
  buildConfig,
  collectRaw,
  type FlagValues,
  ignoredVariables,
  overriddenVariables,
  type ServerConfig,
} from '../config/resolve.js';
import { attributeName, SETTINGS } from '../config/settings.js';
import { ServerError } from '../errors.js';
import { serve, serveWorker } from '../serve/start.js';
import { VERSION } from '../version.js';
import { registerAdminCommands } from './admin-commands.js';

/** Adds every setting's flag to a command (no defaults here: the resolver knows where a value came from). */
export function addSettingFlags(cmd: Command): Command {
  for (const def of SETTINGS) {
    if (!def.flag) continue;
    cmd.addOption(new Option(def.flag, def.description));
  }
  return cmd.option('--print-config', 'print every setting, its value and where it came from, then exit');
}

/** The flags given on the command line, by setting key. */
export function givenFlags(cmd: Command): FlagValues {
  const out = new Map<string, string | boolean>();
  const opts = cmd.opts();
  for (const def of SETTINGS) {
    const attr = attributeName(def);
    if (!attr || cmd.getOptionValueSource(attr) !== 'cli') continue;
    const v = opts[attr];
    // `--no-auth` and `--no-anonymous` set commander's negated attribute to false: the setting is true.
    out.set(def.key, def.flag!.startsWith('--no-') ? true : v === true ? true : String(v));
  }
  return out;
}

export function configFrom(
  cmd: Command,
  needsSecret: boolean,
): { config: ServerConfig; notices: string[]; printed: boolean } {
  const raw = collectRaw(givenFlags(cmd));
  if (cmd.opts().printConfig) {
    process.stdout.write(formatConfig(raw));
    return { config: null as unknown as ServerConfig, notices: [], printed: true };
  }
  const config = buildConfig(raw, { cpus: availableParallelism(), needsSecret });
  for (const name of ignoredVariables())
    process.stderr.write(`kobo-serve: warning: ${name} is ignored by this server\n`);
  return { config, notices: overriddenVariables(raw).map((n) => `flag ${n}`), printed: false };
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('kobo-serve')
    .description('KohakuBoard team server: accounts, organizations and permissions over the run folders.')
    .version(VERSION, '-v, --version')
    .showHelpAfterError('(run `kobo-serve --help` for usage)')
    .exitOverride();
  const serveCmd = addSettingFlags(
    program.command('serve', { isDefault: true }).description('serve the API and the web UI (default)'),
  );
  serveCmd.action(async () => {
    const { config, notices, printed } = configFrom(serveCmd, true);
    if (printed) return;
    await serve(config, notices);
  });
  registerAdminCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number | null> {
  if (cluster.isWorker) {
    await serveWorker();
    return null;
  }
  try {
    await buildProgram().parseAsync(argv);
    return null;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof ServerError) {
      process.stderr.write(`kobo-serve: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`kobo-serve: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

const code = await main(process.argv);
if (code !== null) process.exit(code);
