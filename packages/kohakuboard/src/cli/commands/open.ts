/**
 * `kobo open DIR`: the local viewer — the REST API of docs/api.md and the built web UI on one port.
 */
import type { ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import open from 'open';
import { setReadOnlyCopyListener } from '../../storage/index.js';
import { createViewer } from '../../viewer/app.js';
import { isUiDir } from '../../viewer/http/static-ui.js';
import { CliError } from '../errors.js';
import { tensorBoardForOpen } from './import.js';

interface OpenOptions {
  port: number;
  host: string;
  browser?: boolean;
  readOnly?: boolean;
  tensorboard?: string;
  corsOrigin: string[];
  allowedHost: string[];
  uiDir?: string;
  staleAfter: number;
  eventInterval: number;
  cacheMb: number;
  workers?: number;
}

function positiveNumber(what: string, integer: boolean) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`${what} must be a ${integer ? 'whole ' : ''}number >= 0`);
    }
    return n;
  };
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Whether a desktop session exists to open a browser in (Linux and the BSDs need a display). */
function hasDisplay(): boolean {
  if (process.platform === 'darwin' || process.platform === 'win32') return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

/**
 * Opens a URL in the desktop's browser (through `open`). Resolves false when no opener could be started or
 * it failed quickly (xdg-open exits non-zero when it finds no browser); an opener still running after a
 * few seconds is taken as success.
 */
async function openBrowser(url: string): Promise<boolean> {
  if (!hasDisplay()) return false;
  let child: ChildProcess;
  try {
    child = await open(url);
  } catch {
    return false;
  }
  return new Promise((done) => {
    if (child.exitCode !== null) return done(child.exitCode === 0);
    const timer = setTimeout(() => done(true), 5000);
    timer.unref();
    child.once('exit', (code) => {
      clearTimeout(timer);
      done(code === 0);
    });
  });
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The warning for an address other machines may reach: the viewer has no login. */
export function exposureWarning(host: string, readOnly: boolean): string {
  const what = readOnly
    ? 'can read every run'
    : 'can read every run, and rename runs and change their annotations (--read-only refuses changes)';
  return `  warning: the viewer has no login; anyone who can reach ${host} on this port ${what}\n`;
}

function checkDataDir(dir: string, given: string): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(dir);
  } catch {
    throw new CliError(
      `${given}: no such directory. Give the folder your runs are logged to (the Board's baseDir; ./kohakuboard by default).`,
      2,
    );
  }
  if (!st.isDirectory()) throw new CliError(`${given}: not a directory`, 2);
}

async function runOpen(dirArg: string | undefined, opts: OpenOptions): Promise<void> {
  const given = dirArg ?? process.env.KOHAKU_BOARD_DATA_DIR ?? 'kohakuboard';
  if (opts.tensorboard === undefined) checkDataDir(resolve(given), given);
  const tensorboard = await tensorBoardForOpen(opts.tensorboard, dirArg);
  const dataDir = tensorboard?.dataDir ?? resolve(given);
  if (opts.uiDir !== undefined && !isUiDir(resolve(opts.uiDir))) {
    throw new CliError(`--ui-dir ${opts.uiDir}: not a UI build (no index.html in it)`, 2);
  }
  let noted = false;
  setReadOnlyCopyListener((path) => {
    if (noted) return;
    noted = true;
    process.stderr.write(
      `kobo: note: ${path} is in a read-only location; reading temporary copies of its databases\n`,
    );
  });
  const viewer = await createViewer({
    dataDir,
    uiDir: opts.uiDir === undefined ? undefined : resolve(opts.uiDir),
    readOnly: opts.readOnly ?? false,
    corsOrigins: opts.corsOrigin,
    allowedHosts: [opts.host, ...opts.allowedHost],
    // Warnings and errors (every 5xx with its cause) as JSON lines on stderr.
    logger: { level: 'warn', stream: process.stderr },
    staleAfterS: opts.staleAfter,
    eventIntervalS: opts.eventInterval,
    cacheMb: opts.cacheMb,
    workers: opts.workers,
  });
  let address: string;
  try {
    address = await viewer.app.listen({ port: opts.port, host: opts.host });
  } catch (err) {
    await viewer.close();
    await tensorboard?.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new CliError(`port ${opts.port} on ${opts.host} is in use; choose another with --port`);
    if (code === 'EADDRNOTAVAIL')
      throw new CliError(`cannot listen on ${opts.host}: no such address on this machine`);
    throw err;
  }
  const port = (viewer.app.server.address() as { port: number }).port;
  const shownHost =
    opts.host === '0.0.0.0' || opts.host === '::'
      ? '127.0.0.1'
      : opts.host.includes(':')
        ? `[${opts.host}]`
        : opts.host;
  const url = `http://${shownHost}:${port}/`;
  process.stdout.write(`KohakuBoard is serving ${dataDir}\n  ${url}\n`);
  if (!viewer.uiDir) process.stdout.write('  (no UI build found: only the REST API under /api is served)\n');
  if (!LOOPBACK.has(opts.host)) {
    process.stdout.write(exposureWarning(opts.host, opts.readOnly ?? false));
    process.stdout.write(
      '  (it answers to localhost, IP addresses and --host; add --allowed-host NAME for each other name)\n',
    );
  }
  process.stdout.write('Press Ctrl+C to stop.\n');
  void address;

  // Ctrl+C is handled from here on, also while the browser is being opened.
  const stopped = new Promise<void>((done) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      process.stdout.write('Stopping.\n');
      viewer
        .close()
        .then(() => tensorboard?.close())
        .finally(done);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

  if (opts.browser) {
    const answered = await fetch(`http://127.0.0.1:${port}/health`)
      .then((r) => r.ok)
      .catch(() => false);
    const opened = answered && (await openBrowser(url));
    if (!opened) process.stdout.write(`Could not open a browser here; open ${url} yourself.\n`);
  }

  await stopped;
}

export function registerOpen(program: Command): void {
  program
    .command('open')
    .description(
      'Serve the runs in DIR: the REST API (under /api) and the web UI on one port. Runs that are copied in or ' +
        'started while it runs appear by themselves; deleted ones disappear. Reading never changes a run.',
    )
    .argument(
      '[dir]',
      'the data directory: the folder your runs are logged to (default: $KOHAKU_BOARD_DATA_DIR, else ./kohakuboard)',
    )
    .addOption(
      new Option('-p, --port <port>', 'port to listen on (0 picks a free one)')
        .default(48889)
        .argParser(positiveNumber('--port', true)),
    )
    .option(
      '--host <host>',
      'address to listen on; the viewer has no login, so keep it local unless you mean it',
      '127.0.0.1',
    )
    .option('--browser', 'open the page in your browser once the server answers')
    .option('--read-only', 'refuse changes to runs (renaming, annotations): they answer 405 read_only')
    .option(
      '--tensorboard <logdir>',
      'show a TensorBoard log directory: imported into a cache folder outside it and followed as training writes it',
    )
    .option(
      '--cors-origin <origin>',
      'allow API calls from this browser origin (repeatable; http://localhost:5175 is always allowed)',
      collect,
      [],
    )
    .option(
      '--allowed-host <name>',
      'also answer requests that name this host (repeatable; localhost, IP addresses and --host always work); ' +
        'other names are refused, so that no web page can reach the viewer through DNS rebinding',
      collect,
      [],
    )
    .option(
      '--ui-dir <path>',
      'serve this UI build instead of the bundled one (for example a build of the original UI)',
    )
    .addOption(
      new Option('--stale-after <seconds>', 'a running run without activity for this long is shown as stale')
        .default(300)
        .argParser(positiveNumber('--stale-after', false)),
    )
    .addOption(
      new Option(
        '--event-interval <seconds>',
        'at most one live "new data" event per run per this many seconds',
      )
        .default(1)
        .argParser(positiveNumber('--event-interval', false)),
    )
    .addOption(
      new Option('--cache-mb <mb>', 'memory for decoded series kept between requests')
        .default(256)
        .argParser(positiveNumber('--cache-mb', true)),
    )
    .addOption(
      new Option(
        '--workers <n>',
        'worker threads for slow reads (default: the number of CPUs; 0 reads on the main thread)',
      ).argParser(positiveNumber('--workers', true)),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  kobo open ./kohakuboard\n  kobo open runs --port 8080 --browser\n  kobo open runs --host 0.0.0.0 --read-only\n\n' +
        'The page and the API share one address (printed at start). Stop with Ctrl+C.',
    )
    .action((dir: string | undefined, opts: OpenOptions) => runOpen(dir, opts));
}
