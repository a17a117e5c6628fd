// `kobo sync` benchmark (run after `npm run build`): a run of 1,000,000 scalar points (10 metrics x 100,000
// steps) written by the Board, uploaded by `kobo sync` to kobo-serve (one process, SQLite, --no-auth) on
// 127.0.0.1, timed as the command runs (process start included).
//   sync_1m_points_s             wall time of the first `kobo sync` of the run
//   sync_1m_points_mib_per_s     request bytes sent (as the command reports them) per second
//   sync_1m_points_again_s       a second `kobo sync` of the same run, which sends nothing
// KOBO_BENCH_SYNC_STEPS (default 100000) sets the steps.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Board } from 'kohakuboard';
import { bench, startServer } from './child-server.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const KOBO = join(here, '../../kohakuboard/bin/kobo.js');
const STEPS = Number(process.env.KOBO_BENCH_SYNC_STEPS ?? 100_000);
const METRICS = Array.from({ length: 10 }, (_, i) => `train/metric_${i}`);

function koboSync(runDir, url) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    execFile(
      process.execPath,
      [KOBO, 'sync', runDir, '--to', url, '--project', 'bench-sync', '--no-progress'],
      { env: { ...process.env, KOHAKU_BOARD_TOKEN: 'not-checked-under-no-auth' }, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`kobo sync failed: ${stderr}`));
        resolve({ seconds: (performance.now() - started) / 1000, stdout });
      },
    );
  });
}

const UNITS = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

const root = mkdtempSync(join(tmpdir(), 'kobo-bench-sync-'));
const server = startServer(join(root, 'data'), { args: ['--ingest-rate', '100000'] });
try {
  const board = new Board({
    baseDir: join(root, 'local'),
    project: 'bench',
    runId: 'sync1m',
    captureOutput: false,
    handleSignals: false,
  });
  for (let s = 0; s < STEPS; s++) {
    const values = {};
    for (let m = 0; m < METRICS.length; m++) values[METRICS[m]] = Math.sin(s * 0.001 + m);
    board.log(values);
  }
  await board.finish();
  const runDir = join(root, 'local', 'bench', readdirSync(join(root, 'local', 'bench'))[0]);
  const url = `http://127.0.0.1:${await server.port}`;
  const first = await koboSync(runDir, url);
  const sent = /runs synced, 0 failed; \d+ rows, ([\d.]+) (B|KiB|MiB|GiB) in/.exec(first.stdout);
  if (!sent) throw new Error(`unexpected kobo sync output: ${first.stdout}`);
  const bytes = Number(sent[1]) * UNITS[sent[2]];
  bench(`sync_${(STEPS * METRICS.length) / 1e6}m_points_s`, first.seconds, 's');
  bench(
    `sync_${(STEPS * METRICS.length) / 1e6}m_points_mib_per_s`,
    bytes / 1024 ** 2 / first.seconds,
    'MiB/s',
  );
  const again = await koboSync(runDir, url);
  if (!/up to date/.test(again.stdout)) throw new Error(`the second sync sent data: ${again.stdout}`);
  bench(`sync_${(STEPS * METRICS.length) / 1e6}m_points_again_s`, again.seconds, 's');
} finally {
  await server.stop();
  rmSync(root, { recursive: true, force: true });
}
