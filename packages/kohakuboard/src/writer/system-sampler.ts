/**
 * The system-metric sampler (docs/client.md#system-metrics): a set of probes, each of which reads its source
 * once per sample and emits `system/…` values. Rates (CPU percent, bytes per second) are differences to the
 * previous reading over the time between them. A probe that fails is reported once and dropped; the others
 * go on. It runs on the writer thread and never on the board's.
 */

import { errorText } from '../util/error-text.js';
import type { GpuMonitor, GpuReading } from './gpu-monitor.js';
import { Ctl } from './shared-state.js';
import {
  type ByteCounters,
  type CpuTimes,
  osCpuTimes,
  osMachineMemory,
  ProcFiles,
  parseMeminfo,
  parseNetDev,
  parseProcIo,
  parseProcStat,
  type ReadText,
} from './system-probes.js';

const MIB = 1024 * 1024;

/** Every name the sampler can emit (GPU names are per device: `system/gpu.<index>/…`). */
export const SYSTEM_METRIC_NAMES = {
  processCpu: 'system/cpu/process_percent',
  machineCpu: 'system/cpu/machine_percent',
  processRss: 'system/memory/process_rss_mib',
  heapUsed: 'system/memory/heap_used_mib',
  machineUsed: 'system/memory/machine_used_mib',
  machineUsedPercent: 'system/memory/machine_used_percent',
  diskRead: 'system/disk/read_bytes_per_s',
  diskWrite: 'system/disk/write_bytes_per_s',
  netReceived: 'system/network/received_bytes_per_s',
  netSent: 'system/network/sent_bytes_per_s',
} as const;

export const gpuMetricName = (
  index: number,
  field: 'util_percent' | 'memory_used_mib' | 'temperature_c' | 'power_w',
) => `system/gpu.${index}/${field}`;

export type Emit = (name: string, value: number) => void;

interface Probe {
  readonly label: string;
  /** Emits this probe's values; `seconds` is the time since the previous sample. Throws when it fails. */
  sample(emit: Emit, seconds: number): void;
}

export interface SamplerSources {
  /** Reads /proc files (default: through descriptors kept open, ProcFiles). */
  readText?: ReadText;
  /** Use the /proc files (default: on Linux). */
  linux?: boolean;
  /** The control block, for the board's heap (absent: no heap figure). */
  ctl?: Int32Array;
  gpu?: GpuMonitor | null;
  /** A monotonic clock in milliseconds (default: performance.now). */
  clock?: () => number;
}

export class SystemSampler {
  private readonly probes: Probe[] = [];
  private readonly clock: () => number;
  private readonly files = new ProcFiles();
  private lastAt: number;
  /** Samples taken and the wall time they took, for the sampler's own cost. */
  samples = 0;
  sampleMs = 0;

  constructor(
    sources: SamplerSources,
    /** Called once per probe that fails, with a sentence that names it. */
    private readonly onProblem: (message: string) => void,
  ) {
    this.clock = sources.clock ?? (() => performance.now());
    this.lastAt = this.clock();
    const read = sources.readText ?? this.files.read;
    const linux = sources.linux ?? process.platform === 'linux';
    this.add('process CPU', () => new ProcessCpuProbe());
    this.add(
      'machine CPU',
      () => new MachineCpuProbe(linux ? () => parseProcStat(read('/proc/stat')) : osCpuTimes),
    );
    this.add(
      'memory',
      () => new MemoryProbe(linux ? () => parseMeminfo(read('/proc/meminfo')) : osMachineMemory),
    );
    if (sources.ctl) {
      const ctl = sources.ctl;
      this.add('heap', () => new HeapProbe(ctl));
    }
    if (linux) {
      const N = SYSTEM_METRIC_NAMES;
      const disk = 'disk I/O (/proc/self/io)';
      const net = 'network (/proc/net/dev)';
      this.add(
        disk,
        () => new CounterRateProbe(disk, () => parseProcIo(read('/proc/self/io')), N.diskRead, N.diskWrite),
      );
      this.add(
        net,
        () => new CounterRateProbe(net, () => parseNetDev(read('/proc/net/dev')), N.netReceived, N.netSent),
      );
    }
    if (sources.gpu) this.probes.push(new GpuProbe(sources.gpu));
  }

  /** Closes the /proc files it keeps open. */
  close(): void {
    this.files.close();
  }

  /** The labels of the probes still running. */
  get active(): string[] {
    return this.probes.map((p) => p.label);
  }

  /** Reads every probe and emits its values; failed probes are reported and dropped. */
  sample(emit: Emit): void {
    const started = performance.now();
    const at = this.clock();
    const seconds = Math.max(1e-3, (at - this.lastAt) / 1000);
    this.lastAt = at;
    for (let i = 0; i < this.probes.length; i++) {
      const probe = this.probes[i];
      try {
        probe.sample(emit, seconds);
      } catch (err) {
        this.probes.splice(i--, 1);
        this.onProblem(
          `System metrics: the ${probe.label} probe failed (${errorText(err)}); it is not sampled any more`,
        );
      }
    }
    this.samples++;
    this.sampleMs += performance.now() - started;
  }

  /** Creates a probe (its first reading is the baseline of its rates); one that cannot start is reported. */
  private add(label: string, make: () => Probe): void {
    try {
      this.probes.push(make());
    } catch (err) {
      this.onProblem(`System metrics: the ${label} probe is not available (${errorText(err)})`);
    }
  }
}

function must<T>(value: T | null, what: string): T {
  if (value === null) throw new Error(`${what} could not be parsed`);
  return value;
}

/** CPU time of the whole process (every thread) per second of wall time: 100 is one core, as `top` shows. */
class ProcessCpuProbe implements Probe {
  readonly label = 'process CPU';
  private last = process.cpuUsage();

  sample(emit: Emit, seconds: number): void {
    const now = process.cpuUsage();
    const usedUs = now.user - this.last.user + (now.system - this.last.system);
    this.last = now;
    emit(SYSTEM_METRIC_NAMES.processCpu, usedUs / 1e4 / seconds);
  }
}

/** Busy share of all CPUs of the machine: 100 is every core busy. */
class MachineCpuProbe implements Probe {
  readonly label = 'machine CPU';
  private last: CpuTimes;

  constructor(private readonly read: () => CpuTimes | null) {
    this.last = must(read(), 'the CPU times');
  }

  sample(emit: Emit): void {
    const now = must(this.read(), 'the CPU times');
    const total = now.total - this.last.total;
    const busy = now.busy - this.last.busy;
    this.last = now;
    if (total > 0) emit(SYSTEM_METRIC_NAMES.machineCpu, Math.min(100, Math.max(0, (100 * busy) / total)));
  }
}

/** The process's resident set (any thread can read it) and the machine's memory in use. */
class MemoryProbe implements Probe {
  readonly label = 'memory';

  constructor(private readonly machine: () => { totalBytes: number; usedBytes: number } | null) {
    must(machine(), 'the machine memory');
  }

  sample(emit: Emit): void {
    const N = SYSTEM_METRIC_NAMES;
    emit(N.processRss, process.memoryUsage.rss() / MIB);
    const m = must(this.machine(), 'the machine memory');
    emit(N.machineUsed, m.usedBytes / MIB);
    if (m.totalBytes > 0) emit(N.machineUsedPercent, (100 * m.usedBytes) / m.totalBytes);
  }
}

/**
 * The V8 heap of the board's thread, as its timer last published it. When the timer has not run since the
 * previous sample (a training loop that never yields), nothing is emitted rather than a stale figure.
 */
class HeapProbe implements Probe {
  readonly label = 'heap';
  private lastStamp = -1;

  constructor(private readonly ctl: Int32Array) {}

  sample(emit: Emit): void {
    const stamp = Atomics.load(this.ctl, Ctl.HEAP_STAMP);
    if (stamp === 0 || stamp === this.lastStamp) return;
    this.lastStamp = stamp;
    emit(SYSTEM_METRIC_NAMES.heapUsed, Atomics.load(this.ctl, Ctl.HEAP_USED_KIB) / 1024);
  }
}

/** Two byte counters turned into bytes per second (disk, network). */
class CounterRateProbe implements Probe {
  private last: ByteCounters;

  constructor(
    readonly label: string,
    private readonly read: () => ByteCounters | null,
    private readonly inName: string,
    private readonly outName: string,
  ) {
    this.last = must(read(), 'the counters');
  }

  sample(emit: Emit, seconds: number): void {
    const now = must(this.read(), 'the counters');
    // A counter that went backwards (an interface that went away) gives no figure this time.
    if (now.in >= this.last.in) emit(this.inName, (now.in - this.last.in) / seconds);
    if (now.out >= this.last.out) emit(this.outName, (now.out - this.last.out) / seconds);
    this.last = now;
  }
}

/** The latest nvidia-smi line of each GPU since the previous sample. */
class GpuProbe implements Probe {
  readonly label = 'GPU';

  constructor(private readonly monitor: GpuMonitor) {}

  sample(emit: Emit): void {
    for (const r of this.monitor.take()) emitGpu(emit, r);
  }
}

function emitGpu(emit: Emit, r: GpuReading): void {
  const put = (field: Parameters<typeof gpuMetricName>[1], v: number) => {
    if (Number.isFinite(v)) emit(gpuMetricName(r.index, field), v);
  };
  put('util_percent', r.utilPercent);
  put('memory_used_mib', r.memoryUsedMiB);
  put('temperature_c', r.temperatureC);
  put('power_w', r.powerW);
}
