/**
 * GPU readings from one long-lived `nvidia-smi … -lms <interval>` process (docs/client.md#system-metrics):
 * it prints one CSV line per GPU every interval, and the writer takes the latest line of each GPU when it
 * samples. Its output is read through the writer thread's event loop, which the writer lets turn before each
 * sample. A process that cannot start or exits is reported once, and GPU readings stop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { errorText } from '../util/error-text.js';

export const GPU_QUERY_FIELDS = 'index,utilization.gpu,memory.used,temperature.gpu,power.draw';

export interface GpuReading {
  index: number;
  /** NaN where the GPU does not report the field (`[N/A]`, `[Not Supported]`). */
  utilPercent: number;
  memoryUsedMiB: number;
  temperatureC: number;
  powerW: number;
}

/** One line of `--format=csv,noheader,nounits` output for GPU_QUERY_FIELDS; null if it is not one. */
export function parseGpuLine(line: string): GpuReading | null {
  const f = line.split(',').map((s) => s.trim());
  if (f.length !== 5 || !/^\d+$/.test(f[0])) return null;
  const num = (s: string) => (/^-?\d+(\.\d+)?$/.test(s) ? Number(s) : Number.NaN);
  return {
    index: Number(f[0]),
    utilPercent: num(f[1]),
    memoryUsedMiB: num(f[2]),
    temperatureC: num(f[3]),
    powerW: num(f[4]),
  };
}

export class GpuMonitor {
  private child: ChildProcess | null = null;
  private readonly latest = new Map<number, GpuReading>();
  private stopped = false;
  private stderrHead = '';

  constructor(
    private readonly intervalMs: number,
    /** Called once, when the process cannot start or ends by itself. */
    private readonly onFailure: (message: string) => void,
    private readonly command = 'nvidia-smi',
  ) {}

  start(): void {
    const args = [
      `--query-gpu=${GPU_QUERY_FIELDS}`,
      '--format=csv,noheader,nounits',
      '-lms',
      String(Math.round(this.intervalMs)),
    ];
    let child: ChildProcess;
    try {
      child = spawn(this.command, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    } catch (err) {
      this.fail(`${this.command} could not be started (${errorText(err)})`);
      return;
    }
    this.child = child;
    child.on('error', (err) => this.fail(`${this.command} could not be started (${err.message})`));
    child.on('exit', (code, signal) => {
      const how = signal ? `signal ${signal}` : `code ${code}`;
      const said = this.stderrHead.trim().split('\n')[0] ?? '';
      this.fail(`${this.command} exited with ${how}${said ? `: ${said}` : ''}`);
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      if (this.stderrHead.length < 500) this.stderrHead += s;
    });
    if (child.stdout) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const r = parseGpuLine(line);
        if (r) this.latest.set(r.index, r);
      });
    }
  }

  /** True while the process runs (its output then needs the event loop to turn). */
  get running(): boolean {
    return this.child !== null && !this.stopped;
  }

  /** The latest reading of each GPU received since the last call, in index order. */
  take(): GpuReading[] {
    const out = [...this.latest.values()].sort((a, b) => a.index - b.index);
    this.latest.clear();
    return out;
  }

  /** Ends the process (at finish); reports nothing. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    const child = this.child;
    this.child = null;
    if (child && child.exitCode === null && child.signalCode === null) child.kill();
  }

  private fail(message: string): void {
    if (this.stopped) return;
    this.stop();
    this.onFailure(message);
  }
}
