/**
 * System metrics (docs/client.md#system-metrics): the /proc parsers and rates on recorded text, the sampler on
 * this machine, the GPU path against a stub `nvidia-smi` first on PATH (one GPU, two GPUs, one that fails),
 * and whole Board runs with the option on and off.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dumpRun } from '../src/reader/run-dump.js';
import { GpuMonitor, parseGpuLine } from '../src/writer/gpu-monitor.js';
import { gitState, listGpus } from '../src/writer/machine-description.js';
import { parseMeminfo, parseNetDev, parseProcIo, parseProcStat } from '../src/writer/system-probes.js';
import { SYSTEM_METRIC_NAMES as N, SystemSampler } from '../src/writer/system-sampler.js';

// The Board of the built package: its writer thread runs dist/writer/worker.js.
const DIST = '../dist/index.js';
const { Board } = (await import(DIST)) as typeof import('../src/index.js');

const base = mkdtempSync(join(tmpdir(), 'kobo-system-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Dump = {
  metadata: Record<string, unknown>;
  metrics: Record<string, { count: number; value: number[]; step: number[]; timestamp: number[] }>;
};

describe('/proc parsers', () => {
  it('read the CPU line, memory, process I/O and network counters', () => {
    expect(parseProcStat('cpu  100 20 30 400 50 6 7 8 0 0\ncpu0 1 2 3 4\n')).toEqual({
      busy: 100 + 20 + 30 + 6 + 7 + 8,
      total: 621,
    });
    expect(parseProcStat('intr 1 2 3\n')).toBeNull();
    expect(parseMeminfo('MemTotal:       1000 kB\nMemFree:  10 kB\nMemAvailable:    250 kB\n')).toEqual({
      totalBytes: 1000 * 1024,
      usedBytes: 750 * 1024,
    });
    expect(parseMeminfo('MemTotal: 1000 kB\n')).toBeNull();
    expect(parseProcIo('rchar: 5\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n')).toEqual({
      in: 4096,
      out: 8192,
    });
    const netDev = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo: 999 1 0 0 0 0 0 0 999 1 0 0 0 0 0 0',
      '  eth0: 1000 10 0 0 0 0 0 0 300 3 0 0 0 0 0 0',
      '  wlan0: 24 1 0 0 0 0 0 0 76 1 0 0 0 0 0 0',
    ].join('\n');
    expect(parseNetDev(netDev)).toEqual({ in: 1024, out: 376 });
  });

  it('turn counters into rates over the time between two samples', () => {
    let t = 0;
    const files: Record<string, string> = {
      '/proc/stat': 'cpu  100 0 0 900 0 0 0 0\n',
      '/proc/meminfo': 'MemTotal: 2048 kB\nMemAvailable: 1024 kB\n',
      '/proc/self/io': 'read_bytes: 1000\nwrite_bytes: 0\n',
      '/proc/net/dev': 'eth0: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n',
    };
    const problems: string[] = [];
    const sampler = new SystemSampler({ readText: (p) => files[p], linux: true, clock: () => t }, (m) =>
      problems.push(m),
    );
    files['/proc/stat'] = 'cpu  400 0 0 1600 0 0 0 0\n'; // 300 busy of 1000
    files['/proc/self/io'] = 'read_bytes: 5000\nwrite_bytes: 2000\n';
    files['/proc/net/dev'] = 'eth0: 8000 0 0 0 0 0 0 0 400 0 0 0 0 0 0 0\n';
    t = 2000;
    const got = new Map<string, number>();
    sampler.sample((name, value) => got.set(name, value));
    expect(got.get(N.machineCpu)).toBeCloseTo(30, 10);
    expect(got.get(N.machineUsed)).toBe(1);
    expect(got.get(N.machineUsedPercent)).toBe(50);
    expect(got.get(N.diskRead)).toBe(2000);
    expect(got.get(N.diskWrite)).toBe(1000);
    expect(got.get(N.netReceived)).toBe(4000);
    expect(got.get(N.netSent)).toBe(200);
    expect(problems).toEqual([]);

    // A source that stops making sense is reported once and dropped; the rest go on.
    files['/proc/self/io'] = 'nothing here';
    t = 3000;
    sampler.sample(() => {});
    sampler.sample(() => {});
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/disk I\/O \(\/proc\/self\/io\) probe failed/);
    expect(sampler.active).not.toContain('disk I/O (/proc/self/io)');
  });
});

describe('the sampler on this machine', () => {
  it('gives CPU, memory, disk and network figures that are plausible', async () => {
    const problems: string[] = [];
    const sampler = new SystemSampler({}, (m) => problems.push(m));
    // Some work between the baseline and the sample, so that the process CPU is above zero.
    const until = Date.now() + 200;
    let x = 0;
    while (Date.now() < until) x += Math.sqrt(x + 1);
    await sleep(50);
    const got = new Map<string, number>();
    sampler.sample((name, value) => got.set(name, value));
    const rssNow = process.memoryUsage().rss / (1024 * 1024);
    expect(problems).toEqual([]);
    for (const name of [N.processCpu, N.machineCpu, N.processRss, N.machineUsed, N.machineUsedPercent]) {
      expect(Number.isFinite(got.get(name)), name).toBe(true);
    }
    if (process.platform === 'linux') {
      for (const name of [N.diskRead, N.diskWrite, N.netReceived, N.netSent]) {
        expect(got.get(name), name).toBeGreaterThanOrEqual(0);
      }
    }
    expect(got.get(N.processCpu)).toBeGreaterThan(0);
    expect(got.get(N.processCpu)).toBeLessThanOrEqual(100 * cpus().length * 1.05);
    expect(got.get(N.machineCpu)).toBeGreaterThanOrEqual(0);
    expect(got.get(N.machineCpu)).toBeLessThanOrEqual(100);
    const rss = got.get(N.processRss) ?? 0;
    expect(Math.abs(rss - rssNow) / rssNow).toBeLessThan(0.1);
    expect(got.get(N.machineUsed)).toBeGreaterThan(rss * 0.5);
    expect(got.get(N.machineUsedPercent)).toBeLessThanOrEqual(100);
  });

  it('finds the git commit of this repository', async () => {
    const g = await gitState(process.cwd());
    expect(g?.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(typeof g?.dirty).toBe('boolean');
    expect(await gitState(tmpdir())).toBeNull();
  });
});

// ----------------------------------------------------------------------------------------------------------
// The GPU path against a stub nvidia-smi

const ONE_GPU = { list: '0, NVIDIA A100-SXM4-80GB, 81920, 535.104.05', lines: ['0, 87, 40000, 64, 312.45'] };
const TWO_GPUS = {
  list: '0, NVIDIA GeForce RTX 4090, 24564, 550.54\n1, NVIDIA GeForce RTX 4090, 24564, 550.54',
  lines: ['0, 99, 20480, 71, 420.10', '1, 3, 512, 40, [N/A]'],
};

/** A folder with an `nvidia-smi` that prints recorded output: the GPU list once, or readings in a loop. */
function stubNvidiaSmi(name: string, gpus: { list: string; lines: string[] } | 'fail'): string {
  const dir = join(base, `bin-${name}`);
  mkdirSync(dir, { recursive: true });
  const script =
    gpus === 'fail'
      ? [
          '#!/bin/sh',
          `echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." >&2`,
          'exit 9',
        ]
      : [
          '#!/bin/sh',
          'case "$*" in',
          '  *-lms*)',
          '    while true; do',
          ...gpus.lines.map((l) => `      echo "${l}" || exit 0`),
          '      sleep 0.05',
          '    done;;',
          '  *)',
          `    printf '%s\\n' "${gpus.list.replace(/\n/g, '" "')}";;`,
          'esac',
        ];
  writeFileSync(join(dir, 'nvidia-smi'), `${script.join('\n')}\n`);
  chmodSync(join(dir, 'nvidia-smi'), 0o755);
  return dir;
}

/** Runs `fn` with `dir` first on PATH (a worker copies the environment when it starts). */
async function withPath<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = `${dir}${delimiter}${saved ?? ''}`;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
  }
}

describe('GPU readings from nvidia-smi', () => {
  it('parses readings, with fields a GPU does not report as NaN', () => {
    expect(parseGpuLine('1, 3, 512, 40, [N/A]')).toEqual({
      index: 1,
      utilPercent: 3,
      memoryUsedMiB: 512,
      temperatureC: 40,
      powerW: Number.NaN,
    });
    expect(parseGpuLine('index, utilization.gpu')).toBeNull();
  });

  it('lists the GPUs of a stub and reads its long-lived output', async () => {
    const dir = stubNvidiaSmi('two', TWO_GPUS);
    const cmd = join(dir, 'nvidia-smi');
    expect(listGpus(cmd)).toEqual({
      gpus: [
        { index: 0, name: 'NVIDIA GeForce RTX 4090', memory_total_mib: 24564, driver_version: '550.54' },
        { index: 1, name: 'NVIDIA GeForce RTX 4090', memory_total_mib: 24564, driver_version: '550.54' },
      ],
      problem: null,
    });
    const failures: string[] = [];
    const monitor = new GpuMonitor(100, (m) => failures.push(m), cmd);
    monitor.start();
    let readings = monitor.take();
    for (let i = 0; i < 100 && readings.length < 2; i++) {
      await sleep(50);
      readings = monitor.take();
    }
    monitor.stop();
    expect(readings.map((r) => [r.index, r.utilPercent, r.memoryUsedMiB, r.temperatureC])).toEqual([
      [0, 99, 20480, 71],
      [1, 3, 512, 40],
    ]);
    await sleep(100);
    expect(failures).toEqual([]); // stopping is not a failure
  });

  it('reports a process that fails once, and stops', async () => {
    const dir = stubNvidiaSmi('fail', 'fail');
    const cmd = join(dir, 'nvidia-smi');
    expect(listGpus(cmd).problem).toMatch(/exited with code 9: NVIDIA-SMI has failed/);
    const failures: string[] = [];
    const monitor = new GpuMonitor(100, (m) => failures.push(m), cmd);
    monitor.start();
    for (let i = 0; i < 100 && failures.length === 0; i++) await sleep(50);
    await sleep(100);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/exited with code 9: NVIDIA-SMI has failed/);
    expect(monitor.running).toBe(false);
    const missing = new GpuMonitor(100, (m) => failures.push(m), join(base, 'no-such-nvidia-smi'));
    missing.start();
    for (let i = 0; i < 100 && failures.length === 1; i++) await sleep(20);
    expect(failures[1]).toMatch(/could not be started \(.*ENOENT/);
  });
});

// ----------------------------------------------------------------------------------------------------------
// Whole runs

async function run(name: string, options: Record<string, unknown>, durationMs: number): Promise<string> {
  // Timed from the writer's start: on a busy machine a worker thread can take a while to come up.
  const board = await Board.create({
    baseDir: join(base, name),
    captureOutput: false,
    handleSignals: false,
    systemMetricsIntervalMs: 100,
    ...options,
  });
  const until = Date.now() + durationMs;
  for (let i = 0; Date.now() < until; i++) {
    board.log({ loss: 1 / (i + 1) });
    await sleep(20);
  }
  await board.finish();
  return board.boardDir;
}

const systemNames = (d: Dump) => Object.keys(d.metrics).filter((n) => n.startsWith('system/'));

describe('a Board run', () => {
  it('with system metrics on has system/ metrics at logged steps and the machine description', async () => {
    const dir = stubNvidiaSmi('one', ONE_GPU);
    const runDir = await withPath(dir, () => run('on', {}, 1500));
    const d = dumpRun(runDir, { full: true }) as unknown as Dump;
    const names = systemNames(d);
    for (const n of [N.processCpu, N.machineCpu, N.processRss, N.machineUsed, N.heapUsed]) {
      expect(names).toContain(n);
    }
    expect(names).toEqual(
      expect.arrayContaining([
        'system/gpu.0/util_percent',
        'system/gpu.0/memory_used_mib',
        'system/gpu.0/temperature_c',
        'system/gpu.0/power_w',
      ]),
    );
    expect(names.some((n) => n.startsWith('system/gpu.1/'))).toBe(false);
    // The recorded readings come back as logged.
    expect(new Set(d.metrics['system/gpu.0/util_percent'].value)).toEqual(new Set([87]));
    expect(new Set(d.metrics['system/gpu.0/power_w'].value)).toEqual(new Set([312.45]));
    // Samples sit at steps the run logged, in order, with their own wall times.
    const cpu = d.metrics[N.processCpu];
    expect(cpu.count).toBeGreaterThanOrEqual(2);
    const lossSteps = new Set(d.metrics.loss.step);
    for (const s of cpu.step) expect(lossSteps.has(s) || s === 0).toBe(true);
    expect([...cpu.step].sort((a, b) => a - b)).toEqual(cpu.step);
    expect(new Set(cpu.timestamp).size).toBe(cpu.count);

    const machine = d.metadata.machine as Record<string, unknown>;
    expect(machine).toMatchObject({
      cpu: { count: cpus().length },
      gpus: [
        { index: 0, name: 'NVIDIA A100-SXM4-80GB', memory_total_mib: 81920, driver_version: '535.104.05' },
      ],
      node_version: process.version,
      cwd: process.cwd(),
    });
    expect((machine.git as { commit: string }).commit).toMatch(/^[0-9a-f]{40}$/);
    expect(machine.command_line).toEqual([process.execPath, ...process.argv.slice(1)]);
    // The five keys Python reads come first, unchanged.
    expect(Object.keys(d.metadata).slice(0, 5)).toEqual([
      'name',
      'config',
      'created_at',
      'project',
      'finished_at',
    ]);
    expect(d.metadata.status).toBe('finished');
    // Nothing went wrong, so board.log says nothing about system metrics.
    expect(readFileSync(join(runDir, 'logs', 'board.log'), 'utf8')).not.toMatch(/System metrics/);
  });

  it('with two GPUs logs one set of lines per device', async () => {
    const dir = stubNvidiaSmi('two-run', TWO_GPUS);
    const runDir = await withPath(dir, () => run('two', {}, 1500));
    const d = dumpRun(runDir, { full: true }) as unknown as Dump;
    expect(new Set(d.metrics['system/gpu.0/util_percent'].value)).toEqual(new Set([99]));
    expect(new Set(d.metrics['system/gpu.1/memory_used_mib'].value)).toEqual(new Set([512]));
    // GPU 1 reports no power draw: no value rather than a made-up one.
    expect(d.metrics['system/gpu.1/power_w']).toBeUndefined();
    expect((d.metadata.machine as { gpus: unknown[] }).gpus).toHaveLength(2);
  });

  it('with a failing nvidia-smi says so once in board.log and finishes normally', async () => {
    const dir = stubNvidiaSmi('fail-run', 'fail');
    const runDir = await withPath(dir, () => run('fail', {}, 600));
    const d = dumpRun(runDir, { full: true }) as unknown as Dump;
    expect(systemNames(d).some((n) => n.includes('gpu'))).toBe(false);
    expect(systemNames(d)).toContain(N.processRss);
    const log = readFileSync(join(runDir, 'logs', 'board.log'), 'utf8');
    expect(log.match(/nvidia-smi/g)).toHaveLength(1);
    expect(log).toMatch(/System metrics: no GPU figures \(nvidia-smi exited with code 9/);
    expect(d.metadata.status).toBe('finished');
  });

  it('with system metrics off has none, and no machine description', async () => {
    const runDir = await run('off', { systemMetrics: false }, 500);
    const d = dumpRun(runDir, { full: true }) as unknown as Dump;
    expect(Object.keys(d.metrics)).toEqual(['loss']);
    expect(d.metadata.machine).toBeUndefined();
    expect(readdirSync(join(runDir, 'data', 'metrics')).filter((f) => f.endsWith('.db'))).toEqual([
      'loss.db',
    ]);
  });

  it('keeps the machine description when the board records a crash itself', async () => {
    const board = await Board.create({
      baseDir: join(base, 'crash'),
      captureOutput: false,
      handleSignals: false,
      [Symbol.for('kohakuboard.internalHooks')]: { writerCrashAfterMessages: 3 },
    } as never);
    const file = join(board.boardDir, 'metadata.json');
    for (let i = 0; i < 200 && !readFileSync(file, 'utf8').includes('"machine"'); i++) await sleep(25);
    for (let i = 0; i < 10; i++) board.log({ loss: i });
    await expect(board.finish()).rejects.toThrow(/not running|crash/i);
    const meta = JSON.parse(readFileSync(file, 'utf8'));
    expect(meta.status).toBe('crashed');
    expect(meta.machine.node_version).toBe(process.version);
  });

  it('refuses a bad interval with an error that names the option', () => {
    expect(() => new Board({ systemMetricsIntervalMs: 10, memoryMode: true })).toThrow(
      /systemMetricsIntervalMs.*at least 100/,
    );
    expect(() => new Board({ systemMetrics: 'yes' as never, memoryMode: true })).toThrow(/systemMetrics/);
  });
});
