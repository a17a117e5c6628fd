/**
 * `--ingest-rate`: upload requests per second per token or session, with bursts of four seconds' worth,
 * counted in this process only (docs/server.md#rate-limits).
 */
export class IngestRate {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perSecond: number) {}

  /** Takes one request; the seconds to wait when the bucket is empty, else 0. */
  take(key: string, now = Date.now()): number {
    const burst = this.perSecond * 4;
    const b = this.buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) {
      for (const [k, v] of this.buckets) if (now - v.at > 60_000) this.buckets.delete(k);
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / this.perSecond;
  }
}
