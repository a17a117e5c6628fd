/**
 * `kobo sync RUN_DIR… --to URL`: uploads finished (or running) run folders to a KohakuBoard server, each
 * from where its last sync stopped (docs/sync.md#kobo-sync). A run that fails is reported and the others
 * go on; the exit code is 1 when any run failed.
 */
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { DEFAULT_MAX_BODY_BYTES, type SyncReport, syncRun } from '../../sync/index.js';
import { errorText } from '../../util/error-text.js';
import { CliError } from '../errors.js';
import { expandRunFolder } from '../run-folders.js';
import { formatBytes, SyncProgressLine } from '../sync-progress.js';

interface SyncOptions {
  to: string;
  token?: string;
  tokenFile?: string;
  project?: string;
  maxBodyMb?: number;
  retries?: number;
  progress: boolean;
}

export const TOKEN_ENV = 'KOHAKU_BOARD_TOKEN';

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number > 0');
  return n;
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number >= 0');
  return n;
}

function checkUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('must be an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidArgumentError('must be an http:// or https:// URL');
  return value.replace(/\/+$/, '');
}

/** The token: --token-file, else --token (visible to other users in the process list), else the environment. */
function chooseToken(opts: SyncOptions): string {
  if (opts.tokenFile !== undefined && opts.token !== undefined)
    throw new CliError('give either --token-file or --token, not both', 2);
  if (opts.tokenFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.tokenFile, 'utf8');
    } catch (err) {
      throw new CliError(`--token-file ${opts.tokenFile}: ${(err as Error).message}`, 2);
    }
    const token = text.trim();
    if (!token) throw new CliError(`--token-file ${opts.tokenFile}: the file is empty`, 2);
    return token;
  }
  if (opts.token !== undefined) {
    process.stderr.write(
      `kobo sync: warning: a token given with --token is visible to other users of this machine; prefer --token-file or ${TOKEN_ENV}\n`,
    );
    return opts.token;
  }
  const env = process.env[TOKEN_ENV]?.trim();
  if (env) return env;
  throw new CliError(`kobo sync needs a token: --token-file FILE, ${TOKEN_ENV} or --token`, 2);
}

function resultLine(r: SyncReport): string {
  const where = `${r.project}/${r.runId}`;
  if (!r.requests && !r.mediaUploaded && !r.logsUploaded.length) return `${r.runDir} → ${where}: up to date`;
  const parts = [`${r.rows} rows in ${r.requests} requests`];
  if (r.mediaUploaded) parts.push(`${r.mediaUploaded} blobs`);
  if (r.logsUploaded.length) parts.push(`logs ${r.logsUploaded.join(', ')}`);
  parts.push(formatBytes(r.bytes));
  let line = `${r.runDir} → ${where}: ${parts.join(', ')}`;
  if (r.rejected.length) line += `; ${r.rejected.length} items refused by the server`;
  if (r.missingMedia.length) line += `; ${r.missingMedia.length} blobs still missing`;
  return line;
}

export function registerSync(program: Command): void {
  program
    .command('sync')
    .description('Upload run folders to a KohakuBoard server, each from where its last sync stopped.')
    .argument('<run_dir...>', 'run folders (a project or data folder stands for every run inside)')
    .requiredOption('--to <url>', 'the server, e.g. https://board.example.org', checkUrl)
    .option('--token-file <file>', 'read the API token (write scope) from this file')
    .option('--token <token>', `the API token (visible to other users; prefer --token-file or ${TOKEN_ENV})`)
    .option(
      '--project <owner/name>',
      "the server project (default: the run's project, under the token's user)",
    )
    .option(
      '--max-body-mb <mb>',
      `largest upload request in MiB (default ${DEFAULT_MAX_BODY_BYTES / 1024 / 1024})`,
      positiveNumber,
    )
    .option(
      '--retries <n>',
      'how often a failed request is tried again (default 6: about a minute)',
      wholeNumber,
    )
    .option('--no-progress', 'no progress line on stderr')
    .addHelpText(
      'after',
      `\nThe token comes from --token-file, else --token, else ${TOKEN_ENV}.\n` +
        'Cursors are kept in <run>/sync_state.json: running it again sends only what is new.\n' +
        'Exit code: 0 when every run synced, 1 when any failed, 2 for usage errors.',
    )
    .action(async (given: string[], opts: SyncOptions) => {
      const token = chooseToken(opts);
      const runDirs: string[] = [];
      for (const g of given) {
        const e = expandRunFolder(g);
        if (e.kind === 'project' || e.kind === 'data')
          process.stderr.write(
            `kobo sync: ${g}: a ${e.kind} folder with ${e.runs.length} run${e.runs.length === 1 ? '' : 's'}\n`,
          );
        runDirs.push(...e.runs);
      }
      const started = Date.now();
      let failed = 0;
      let synced = 0;
      let rows = 0;
      let bytes = 0;
      const interrupt = new AbortController();
      const onSigint = () => interrupt.abort();
      process.once('SIGINT', onSigint);
      try {
        for (const runDir of runDirs) {
          const bar =
            opts.progress && process.stderr.isTTY ? new SyncProgressLine(process.stderr, runDir) : null;
          try {
            const report = await syncRun(runDir, {
              remoteUrl: opts.to,
              token,
              project: opts.project ?? null,
              maxBodyBytes: opts.maxBodyMb ? Math.floor(opts.maxBodyMb * 1024 * 1024) : undefined,
              maxRetries: opts.retries,
              signal: interrupt.signal,
              onProgress: (p) => bar?.update(p),
              onWarning: (m) => {
                bar?.done();
                process.stderr.write(`kobo sync: warning: ${m}\n`);
              },
            });
            bar?.done();
            synced++;
            rows += report.rows;
            bytes += report.bytes;
            process.stdout.write(`${resultLine(report)}\n`);
          } catch (err) {
            bar?.done();
            failed++;
            process.stderr.write(`kobo sync: ${runDir}: failed: ${errorText(err)}\n`);
          }
          if (interrupt.signal.aborted) break;
        }
      } finally {
        process.off('SIGINT', onSigint);
      }
      const notStarted = runDirs.length - synced - failed;
      const secs = (Date.now() - started) / 1000;
      const rate = secs > 0 ? bytes / secs : 0;
      process.stdout.write(
        `kobo sync: ${synced} of ${runDirs.length} runs synced, ${failed} failed${notStarted ? `, ${notStarted} not started (interrupted)` : ''}; ${rows} rows, ${formatBytes(bytes)} in ${secs.toFixed(1)} s (${formatBytes(rate)}/s)\n`,
      );
      if (failed) throw new CliError(`${failed} of ${runDirs.length} runs failed to sync (see above)`, 1);
      if (notStarted) throw new CliError('interrupted', 130);
    });
}
