// Shared helpers for the benchmark scripts: BENCH lines, timing, temporary directories.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Prints one figure as `BENCH <name> <value> <unit>`, the line every benchmark script reads. */
export function bench(name, value, unit) {
  const v =
    typeof value === 'number'
      ? Math.abs(value) >= 100
        ? Math.round(value)
        : Number(value.toPrecision(4))
      : value;
  console.log(`BENCH ${name} ${v} ${unit}`);
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function tempDir(prefix) {
  const dir = mkdtempSync(join(process.env.KOBO_BENCH_DIR ?? tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
