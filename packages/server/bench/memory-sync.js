// Memory mode with remote sync (run after `npm run build`): a Board with `memoryMode: true` logs
// KOBO_BENCH_MEMORY_STEPS (default 200000) steps of 10 metrics as fast as it can, with sync to kobo-serve
// (one process, SQLite, --no-auth) on 127.0.0.1, beside the same loop in memory mode without sync.
//   memory_sync_log_s            time the logging loop took with sync on (log() never waits for the network)
//   memory_nosync_log_s          the same loop in memory mode without sync (the reference)
//   memory_sync_log_ratio        the two, sync / no sync
//   memory_sync_total_s          from the first log() until finish() resolved: every row on the server
//   memory_sync_values_per_s     values logged per second of that total
//   memory_sync_peak_rss_mib     the process's largest RSS while it ran (sampled every 5,000 steps)
//   memory_nosync_peak_rss_mib   the same without sync, run second (memory mode keeps everything then)
// The server's copy is checked: every value is there once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Board } from 'kohakuboard';
import { metricRowCount, withReadOnly } from 'kohakuboard/storage';
import { bench, startServer } from './child-server.js';

const STEPS = Number(process.env.KOBO_BENCH_MEMORY_STEPS ?? 200_000);
const METRICS = Array.from({ length: 10 }, (_, i) => `train/metric_${i}`);

/** Logs the steps; returns the loop's seconds, the total until finish() resolved, and the peak RSS. */
async function run(options) {
  const board = new Board({
    project: 'bench-memory',
    memoryMode: true,
    captureOutput: false,
    handleSignals: false,
    systemMetrics: false,
    ...options,
  });
  let peak = process.memoryUsage.rss();
  const started = performance.now();
  for (let s = 0; s < STEPS; s++) {
    const values = {};
    for (let m = 0; m < METRICS.length; m++) values[METRICS[m]] = Math.sin(s * 0.001 + m);
    board.log(values);
    if (s % 5000 === 0) {
      peak = Math.max(peak, process.memoryUsage.rss());
      // A training loop yields now and then (data loading, an await): the sync's answers come in then.
      await new Promise((r) => setImmediate(r));
    }
  }
  const loop = (performance.now() - started) / 1000;
  await board.finish();
  const total = (performance.now() - started) / 1000;
  return { loop, total, peak: Math.max(peak, process.memoryUsage.rss()), runId: board.runId };
}

const root = mkdtempSync(join(tmpdir(), 'kobo-bench-memory-'));
const server = startServer(join(root, 'data'), { args: ['--ingest-rate', '100000'] });
try {
  const url = `http://127.0.0.1:${await server.port}`;
  // With sync first: the RSS of a run includes what the process kept from the runs before it.
  const synced = await run({
    baseDir: join(root, 'none'),
    syncEnabled: true,
    remoteUrl: url,
    remoteToken: 'not-checked-under-no-auth',
    syncInterval: 1,
  });
  globalThis.gc?.();
  const plain = await run({ baseDir: join(root, 'none') });
  for (const m of METRICS) {
    const file = join(
      root,
      'data',
      'users',
      'local',
      'bench-memory',
      synced.runId,
      'data',
      'metrics',
      `${m.replace('/', '__')}.db`,
    );
    const n = withReadOnly(file, (db) => metricRowCount(db, file));
    if (n !== STEPS) throw new Error(`${m}: ${n} rows on the server, ${STEPS} logged`);
  }
  bench('memory_sync_log_s', synced.loop, 's');
  bench('memory_nosync_log_s', plain.loop, 's');
  bench('memory_sync_log_ratio', synced.loop / plain.loop, 'x');
  bench('memory_sync_total_s', synced.total, 's');
  bench('memory_sync_values_per_s', (STEPS * METRICS.length) / synced.total, 'values/s');
  bench('memory_sync_peak_rss_mib', synced.peak / 2 ** 20, 'MiB');
  bench('memory_nosync_peak_rss_mib', plain.peak / 2 ** 20, 'MiB');
} finally {
  await server.stop();
  rmSync(root, { recursive: true, force: true });
}
