/**
 * The readings behind the system metrics (docs/client.md#system-metrics): parsers of the Linux /proc files
 * (the cheapest source there: one small read each, no child process) and node:os fallbacks for other systems.
 * Each parser returns null for a text it does not understand.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';

/** Reads a small text file; tests pass recorded /proc contents instead. */
export type ReadText = (path: string) => string;

/**
 * Reads /proc files through descriptors kept open, each read a pread at offset 0 into one reused buffer: the
 * kernel regenerates the text on every read, and this saves the open, stat and close of readFileSync (about
 * five times less CPU per sample).
 */
export class ProcFiles {
  private readonly fds = new Map<string, number>();
  private buffer = Buffer.alloc(16 * 1024);

  readonly read: ReadText = (path) => {
    let fd = this.fds.get(path);
    if (fd === undefined) {
      fd = openSync(path, 'r');
      this.fds.set(path, fd);
    }
    for (;;) {
      const n = readSync(fd, this.buffer, 0, this.buffer.length, 0);
      if (n < this.buffer.length) return this.buffer.toString('latin1', 0, n);
      this.buffer = Buffer.alloc(this.buffer.length * 2); // a text longer than the buffer: read it again
    }
  };

  close(): void {
    for (const fd of this.fds.values()) {
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
    }
    this.fds.clear();
  }
}

/** Jiffies (or milliseconds, from node:os) that the machine's CPUs spent busy and in total. */
export interface CpuTimes {
  busy: number;
  total: number;
}

/**
 * The `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal (guest time is already in
 * user). Idle and iowait count as not busy.
 */
export function parseProcStat(text: string): CpuTimes | null {
  const line = text.slice(0, text.indexOf('\n') >>> 0);
  if (!line.startsWith('cpu ')) return null;
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (f.length < 4 || f.some((v) => !Number.isFinite(v))) return null;
  const total = f.reduce((a, b) => a + b, 0);
  const idle = f[3] + (f[4] ?? 0);
  return { busy: total - idle, total };
}

/** The same totals from node:os (every CPU's times, in milliseconds). */
export function osCpuTimes(): CpuTimes | null {
  const list = cpus();
  if (list.length === 0) return null;
  let busy = 0;
  let total = 0;
  for (const c of list) {
    const t = c.times;
    const all = t.user + t.nice + t.sys + t.idle + t.irq;
    total += all;
    busy += all - t.idle;
  }
  return { busy, total };
}

export interface MachineMemory {
  totalBytes: number;
  usedBytes: number;
}

/** /proc/meminfo: used is MemTotal − MemAvailable (what programs could not get without swapping). */
export function parseMeminfo(text: string): MachineMemory | null {
  const total = MEM_TOTAL.exec(text);
  const available = MEM_AVAILABLE.exec(text);
  if (!total || !available) return null;
  return { totalBytes: Number(total[1]) * 1024, usedBytes: (Number(total[1]) - Number(available[1])) * 1024 };
}

const MEM_TOTAL = /^MemTotal:\s+(\d+) kB/m;
const MEM_AVAILABLE = /^MemAvailable:\s+(\d+) kB/m;

/** node:os: total minus free (free excludes the page cache, so this reads higher than /proc's figure). */
export function osMachineMemory(): MachineMemory {
  const total = totalmem();
  return { totalBytes: total, usedBytes: total - freemem() };
}

export interface ByteCounters {
  /** Read (disk) or received (network) bytes since some fixed moment. */
  in: number;
  /** Written (disk) or sent (network) bytes. */
  out: number;
}

/** /proc/self/io: the bytes this process caused to be read from and written to storage. */
export function parseProcIo(text: string): ByteCounters | null {
  const read = /^read_bytes:\s+(\d+)/m.exec(text);
  const write = /^write_bytes:\s+(\d+)/m.exec(text);
  if (!read || !write) return null;
  return { in: Number(read[1]), out: Number(write[1]) };
}

/** /proc/net/dev: bytes received and sent by every interface except the loopback. */
export function parseNetDev(text: string): ByteCounters | null {
  let received = 0;
  let sent = 0;
  let interfaces = 0;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (
      name === '' ||
      name.includes('|') ||
      f.length < 9 ||
      !Number.isFinite(f[0]) ||
      !Number.isFinite(f[8])
    ) {
      continue;
    }
    interfaces++;
    if (name === 'lo') continue;
    received += f[0];
    sent += f[8];
  }
  return interfaces > 0 ? { in: received, out: sent } : null;
}
