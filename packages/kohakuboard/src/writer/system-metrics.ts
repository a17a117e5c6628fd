/**
 * System metrics on the writer thread (docs/client.md#system-metrics): describes the machine once, starts
 * the long-lived nvidia-smi process when nvidia-smi answers, and says when the next sample is due. The writer
 * stores the samples as `system/…` metric rows.
 */
import { GpuMonitor } from './gpu-monitor.js';
import { describeMachine, gitState, listGpus, type MachineDescription } from './machine-description.js';
import type { SystemMetricsInit } from './messages.js';
import { type Emit, SystemSampler } from './system-sampler.js';

export type Notice = (level: 'INFO' | 'WARNING', message: string) => void;

/** The final sample at finish is taken only when this long has passed since the previous one. */
const FINAL_SAMPLE_AFTER_MS = 1000;

export class SystemMetrics {
  private sampler: SystemSampler | null = null;
  private gpu: GpuMonitor | null = null;
  private nextAt = 0;
  private lastAt = 0;
  /** The git state while git runs; the writer then lets its event loop turn at each sample. */
  private gitPending: Promise<void> | null = null;
  /** A description completed since the writer last asked (takeDescription). */
  private described: MachineDescription | null = null;

  constructor(
    private readonly init: SystemMetricsInit,
    private readonly ctl: Int32Array,
    private readonly notice: Notice,
  ) {}

  /**
   * Describes the machine (the GPU list comes from one nvidia-smi call, whose failure leaves GPU metrics
   * off), starts the GPU process and takes every probe's baseline. The first sample is due one interval later.
   */
  start(now: number): MachineDescription {
    const listed = listGpus();
    if (listed.problem !== null) {
      this.notice('INFO', `System metrics: no GPU figures (${listed.problem})`);
    } else if (listed.gpus.length > 0) {
      this.gpu = new GpuMonitor(this.init.intervalMs, (message) =>
        this.notice('WARNING', `System metrics: GPU figures stopped: ${message}`),
      );
      this.gpu.start();
    }
    const description = describeMachine(this.init.commandLine, this.init.cwd, listed.gpus);
    this.gitPending = gitState(this.init.cwd).then((git) => {
      this.gitPending = null;
      if (git) this.described = { ...description, git };
    });
    this.sampler = new SystemSampler({ ctl: this.ctl, gpu: this.gpu }, (message) =>
      this.notice('WARNING', message),
    );
    this.lastAt = now;
    this.nextAt = now + this.init.intervalMs;
    return description;
  }

  dueAt(): number | null {
    return this.sampler ? this.nextAt : null;
  }

  isDue(now: number): boolean {
    return this.sampler !== null && now >= this.nextAt;
  }

  /** True when a sample at finish would cover enough time to mean something. */
  finalSampleWorthIt(now: number): boolean {
    return this.sampler !== null && now - this.lastAt >= FINAL_SAMPLE_AFTER_MS;
  }

  /**
   * Takes one sample. While nvidia-smi runs, the thread's event loop first turns once, so that its latest
   * lines (and its exit, if it ended) are read.
   */
  async sample(now: number, emit: Emit): Promise<void> {
    if (!this.sampler) return;
    if (this.gpu?.running || this.gitPending) await new Promise<void>((resolve) => setImmediate(resolve));
    this.sampler.sample(emit);
    this.lastAt = now;
    // The schedule keeps its phase; a writer that was busy for several intervals takes one sample, not many.
    this.nextAt += this.init.intervalMs;
    if (this.nextAt <= now) this.nextAt = now + this.init.intervalMs;
  }

  /** The description with its git state, once (null until git has answered, and after). */
  takeDescription(): MachineDescription | null {
    const d = this.described;
    this.described = null;
    return d;
  }

  /** At finish: waits for git a little longer (at most `maxMs`), so that a short run is described too. */
  async settle(maxMs: number): Promise<void> {
    const pending = this.gitPending;
    if (!pending) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([pending, new Promise<void>((resolve) => (timer = setTimeout(resolve, maxMs)))]);
    clearTimeout(timer);
  }

  /** Ends the GPU process; returns a line about the sampler's own cost, or null when it never sampled. */
  stop(): string | null {
    this.gpu?.stop();
    this.gpu = null;
    const s = this.sampler;
    this.sampler = null;
    s?.close();
    if (!s || s.samples === 0) return null;
    return `System metrics: ${s.samples} samples, ${((1000 * s.sampleMs) / s.samples).toFixed(0)} µs each on average`;
  }
}
