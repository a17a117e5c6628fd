/**
 * A one-line progress bar on stderr, redrawn at most ten times a second, for terminals only: the caller
 * creates it only when stderr is a TTY, so logs and pipes never see it.
 */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;
  private readonly started = Date.now();

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly label: string,
  ) {}

  update(done: number, total: number, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const secs = (now - this.started) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - 60));
    let line: string;
    if (total > 0) {
      const f = Math.min(1, done / total);
      const fill = Math.round(f * width);
      line = `${this.label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(f * 100).toFixed(0).padStart(3)}% ${count(done)}/${count(total)} rows`;
    } else {
      line = `${this.label} ${count(done)} rows`;
    }
    this.stream.write(`\r${line} ${count(rate)}/s\u001b[K`);
    this.drawn = true;
  }

  /** Clears the bar's line. */
  done(): void {
    if (this.drawn) this.stream.write('\r\u001b[K');
    this.drawn = false;
  }
}

function count(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  return String(Math.round(n));
}
