// Client benchmarks (run after `npm run build`). Each measurement runs in a fresh child process so that one's
// memory and threads do not disturb the next; this process measures the raw-write limit for the ratios.
//
//   log_median_us, log_p99_us            one 2-scalar board.log() after board.step(), timed call by call
//                                        while the writer runs (a little simulated training work between calls)
//   log_tight_loop_us                    the same call in a loop with nothing else in it: 2,000,000 calls,
//                                        total time / calls (the loop outruns the writer, so this includes
//                                        the waits of backpressure)
//   ingest_10x1m_values_per_s            10 metrics × 1,000,000 steps, from the first log() to finish() resolved
//   ingest_1000x10k_values_per_s         1,000 metrics × 10,000 steps, likewise
//   ingest_*_vs_raw                      each divided by the raw-write limit measured in this run
//   wide_10k_first_step_ms               10,000 metrics logged in one call, then flush(): until durable (the
//                                        10,000 metric files are created by this step)
//   wide_10k_step_ms, wide_10k_step_max_ms  each of the next 5 steps (10,000 metrics each), log() to flush()
//                                        resolved: median and maximum
//   histogram_1m_client_ms               the log() call of a 1,000,000-value histogram (Float32Array)
//   histogram_1m_durable_ms              from that call until flush() resolved: binned and committed
//   writer_rss_mb                        peak RSS of a process that queues 50,000 2-scalar messages at once
//                                        (before the writer has started) and finishes
//   load_average_start, load_average_end the 1-minute load average around the run: these figures move with
//                                        what else the machine does, so each set is read with it
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Board } from '../dist/index.js';
import { bench, median, nowMs, percentile, tempDir } from './lib.js';
import { runStorageBenchmarks } from './storage.js';

const parts = {
  latency() {
    const { dir, cleanup } = tempDir('kobo-bench-latency-');
    const board = new Board({ baseDir: dir, captureOutput: false });
    const N = 500_000;
    const times = new Float64Array(N);
    let work = 0;
    const train = () => {
      for (let k = 0; k < 300; k++) work += Math.sqrt(k);
    };
    for (let i = 0; i < 100_000; i++) {
      train();
      board.step();
      board.log({ loss: i, lr: 0.1 });
    }
    for (let i = 0; i < N; i++) {
      train();
      board.step();
      const loss = 1 / (i + 1);
      const t0 = performance.now();
      board.log({ loss, lr: 0.001 });
      times[i] = performance.now() - t0;
    }
    return board.finish().then(() => {
      cleanup();
      const us = Array.from(times, (t) => t * 1000);
      return { median: median(us), p99: percentile(us, 99), work };
    });
  },

  async tight() {
    const { dir, cleanup } = tempDir('kobo-bench-tight-');
    const board = new Board({ baseDir: dir, captureOutput: false });
    const N = 2_000_000;
    for (let i = 0; i < 100_000; i++) {
      board.step();
      board.log({ loss: i, lr: 0.1 });
    }
    const t0 = nowMs();
    for (let i = 0; i < N; i++) {
      board.step();
      board.log({ loss: i, lr: 0.001 });
    }
    const loopMs = nowMs() - t0;
    await board.finish();
    cleanup();
    return { perCallUs: (loopMs * 1000) / N };
  },

  async wide(metrics, steps) {
    const { dir, cleanup } = tempDir('kobo-bench-wide-');
    const board = await Board.create({ baseDir: dir, captureOutput: false });
    const names = Array.from({ length: metrics }, (_, k) => `layer_${k % 100}/metric_${k}`);
    const values = {};
    const durable = [];
    for (let s = 0; s < steps; s++) {
      for (let k = 0; k < metrics; k++) values[names[k]] = s * 0.001 + k;
      const t0 = nowMs();
      board.step();
      board.log(values);
      await board.flush();
      durable.push(nowMs() - t0);
    }
    const openFiles = readdirSync('/proc/self/fd').length;
    await board.finish();
    cleanup();
    const later = durable.slice(1);
    return {
      firstMs: durable[0],
      laterMedianMs: median(later),
      laterMaxMs: Math.max(...later),
      openFds: openFiles,
    };
  },

  async ingest(metrics, steps) {
    const { dir, cleanup } = tempDir('kobo-bench-ingest-');
    const board = new Board({ baseDir: dir, captureOutput: false });
    const names = Array.from({ length: metrics }, (_, k) => `metric_${k}`);
    const values = {};
    const t0 = nowMs();
    for (let s = 0; s < steps; s++) {
      for (let k = 0; k < metrics; k++) values[names[k]] = s * 0.001 + k;
      board.step();
      board.log(values);
    }
    const loopMs = nowMs() - t0;
    await board.finish();
    const totalMs = nowMs() - t0;
    cleanup();
    return { valuesPerS: (metrics * steps) / (totalMs / 1000), loopMs, totalMs };
  },

  async histogram() {
    const { dir, cleanup } = tempDir('kobo-bench-hist-');
    const board = await Board.create({ baseDir: dir, captureOutput: false });
    const values = new Float32Array(1_000_000);
    for (let i = 0; i < values.length; i++) values[i] = Math.sin(i) * Math.sqrt(i % 1000);
    const client = [];
    const durable = [];
    for (let r = 0; r < 7; r++) {
      const t0 = nowMs();
      board.logHistogram('weights/w', values);
      const t1 = nowMs();
      await board.flush();
      const t2 = nowMs();
      if (r >= 2) {
        client.push(t1 - t0);
        durable.push(t2 - t0);
      }
    }
    await board.finish();
    cleanup();
    return { clientMs: median(client), durableMs: median(durable) };
  },

  async rss() {
    const { dir, cleanup } = tempDir('kobo-bench-rss-');
    const board = new Board({ baseDir: dir, captureOutput: false });
    for (let i = 0; i < 50_000; i++) board.log({ loss: i, lr: 0.1 });
    const queuedRss = process.memoryUsage().rss;
    await board.finish();
    cleanup();
    return { queuedMb: queuedRss / 1048576, peakMb: process.resourceUsage().maxRSS / 1024 };
  },
};

async function runPart(name, args) {
  const fn = parts[name];
  return fn(...args.map(Number));
}

function inChild(name, ...args) {
  const r = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), '--part', name, ...args.map(String)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (r.status !== 0) throw new Error(`benchmark part ${name} failed with exit code ${r.status}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

export async function runClientBenchmarks() {
  bench('load_average_start', loadavg()[0], 'load');
  // The raw limit of the storage benchmark, measured in this run (its own BENCH lines are printed by storage.js).
  const log = console.log;
  let raw;
  console.log = () => {};
  try {
    raw = runStorageBenchmarks().rawValuesPerS;
  } finally {
    console.log = log;
  }
  const lat = inChild('latency');
  bench('log_median_us', lat.median, 'us');
  bench('log_p99_us', lat.p99, 'us');
  const small = inChild('ingest', 10, 1_000_000);
  bench('ingest_10x1m_values_per_s', small.valuesPerS, 'values/s');
  bench('ingest_10x1m_vs_raw', small.valuesPerS / raw, 'ratio');
  const wide = inChild('ingest', 1000, 10_000);
  bench('ingest_1000x10k_values_per_s', wide.valuesPerS, 'values/s');
  bench('ingest_1000x10k_vs_raw', wide.valuesPerS / raw, 'ratio');
  bench('ingest_raw_limit_values_per_s', raw, 'values/s');
  const tight = inChild('tight');
  bench('log_tight_loop_us', tight.perCallUs, 'us');
  const wide10k = inChild('wide', 10_000, 6);
  bench('wide_10k_first_step_ms', wide10k.firstMs, 'ms');
  bench('wide_10k_step_ms', wide10k.laterMedianMs, 'ms');
  bench('wide_10k_step_max_ms', wide10k.laterMaxMs, 'ms');
  console.log(`# wide_10k: ${wide10k.openFds} file descriptors open before finish()`);
  const h = inChild('histogram');
  bench('histogram_1m_client_ms', h.clientMs, 'ms');
  bench('histogram_1m_durable_ms', h.durableMs, 'ms');
  const m = inChild('rss');
  bench('writer_rss_mb', m.peakMb, 'MB');
  bench('load_average_end', loadavg()[0], 'load');
}

const partIndex = process.argv.indexOf('--part');
if (partIndex > 0) {
  const result = await runPart(process.argv[partIndex + 1], process.argv.slice(partIndex + 2));
  // Board messages go to stderr; the result is the last stdout line.
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  await runClientBenchmarks();
}
