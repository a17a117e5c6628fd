/**
 * The progress line of `kobo sync` on stderr: one run at a time, rows and bytes sent, redrawn at most ten
 * times a second. Created only when stderr is a terminal.
 */
import type { SyncProgress } from '../sync/index.js';

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

export class SyncProgressLine {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly label: string,
  ) {}

  update(p: SyncProgress, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - 70));
    const f = p.rowsTotal > 0 ? Math.min(1, p.rowsSent / p.rowsTotal) : 1;
    const fill = Math.round(f * width);
    const bar = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(f * 100).toFixed(0).padStart(3)}%`;
    this.stream.write(
      `\r${this.label} ${bar} ${p.rowsSent}/${p.rowsTotal} rows ${formatBytes(p.bytesSent)}\u001b[K`,
    );
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.stream.write('\r\u001b[K');
    this.drawn = false;
  }
}
