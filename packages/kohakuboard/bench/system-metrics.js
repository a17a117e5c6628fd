// System-metric benchmarks (run after `npm run build`; docs/client.md#system-metrics). Each latency run is a
// fresh child process; the runs with system metrics off and on alternate, so both see the same machine load.
//
//   system_log_median_us_off, _on        one 2-scalar board.log() after board.step(), timed call by call with
//   system_log_p99_us_off, _on           a little simulated training work between calls, with systemMetrics
//                                        false and true (sampling every 100 ms, 100 times the default rate,
//                                        so that many samples fall inside the measurement): median and p99 of
//                                        the pooled calls of two runs each
//   system_log_median_on_vs_off          the ratio of the medians
//   system_samples_during_run            samples the writer took during one "on" run (from writer.log)
//   system_sampler_cpu_us                process CPU time (user + system) per sample of the sampler alone:
//                                        2,000 samples in a process doing nothing else
//   system_sampler_wall_us               wall time per sample, likewise
//   load_average                         the 1-minute load average before the run
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Board } from '../dist/index.js';
import { SystemSampler } from '../dist/writer/system-sampler.js';
import { bench, median, percentile, tempDir } from './lib.js';

const parts = {
  async latency(on) {
    const { dir, cleanup } = tempDir('kobo-bench-sys-');
    const board = await Board.create({
      baseDir: dir,
      captureOutput: false,
      systemMetrics: on === 1,
      systemMetricsIntervalMs: 100,
    });
    const N = 300_000;
    const times = new Float64Array(N);
    let work = 0;
    const train = () => {
      for (let k = 0; k < 300; k++) work += Math.sqrt(k);
    };
    for (let i = 0; i < 50_000; i++) {
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
    await board.finish();
    const writerLog = readFileSync(join(board.boardDir, 'logs', 'writer.log'), 'utf8');
    const samples = Number(/System metrics: (\d+) samples/.exec(writerLog)?.[1] ?? 0);
    const metrics = readdirSync(join(board.boardDir, 'data', 'metrics')).filter((f) =>
      f.startsWith('system__'),
    );
    cleanup();
    return { us: Array.from(times, (t) => t * 1000), samples, systemFiles: metrics.length, work };
  },

  sampler() {
    const sampler = new SystemSampler({}, (m) => console.error(m));
    const N = 2000;
    let values = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < N; i++) sampler.sample(() => values++);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { cpuUs: (cpu.user + cpu.system) / N, wallUs: (wallMs * 1000) / N, valuesPerSample: values / N };
  },
};

function inChild(name, ...args) {
  const r = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), '--part', name, ...args.map(String)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  if (r.status !== 0) throw new Error(`benchmark part ${name} failed with exit code ${r.status}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

export function runSystemMetricBenchmarks() {
  bench('load_average', loadavg()[0], 'load');
  let off = [];
  let on = [];
  let samples = 0;
  for (let round = 0; round < 2; round++) {
    off = off.concat(inChild('latency', 0).us);
    const r = inChild('latency', 1);
    on = on.concat(r.us);
    samples = r.samples;
    if (r.systemFiles === 0) throw new Error('the run with system metrics on stored none');
  }
  bench('system_log_median_us_off', median(off), 'us');
  bench('system_log_median_us_on', median(on), 'us');
  bench('system_log_p99_us_off', percentile(off, 99), 'us');
  bench('system_log_p99_us_on', percentile(on, 99), 'us');
  bench('system_log_median_on_vs_off', median(on) / median(off), 'ratio');
  bench('system_samples_during_run', samples, 'samples');
  const s = inChild('sampler');
  bench('system_sampler_cpu_us', s.cpuUs, 'us');
  bench('system_sampler_wall_us', s.wallUs, 'us');
  console.log(`# ${s.valuesPerSample} values per sample`);
}

const partIndex = process.argv.indexOf('--part');
if (partIndex > 0) {
  const result = await parts[process.argv[partIndex + 1]](...process.argv.slice(partIndex + 2).map(Number));
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  runSystemMetricBenchmarks();
}
