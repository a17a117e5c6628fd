/** Number and axis formatting for charts and tooltips. */
import type { XKind } from '../data/x-axis';

const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A compact, readable number: 4 significant digits, exponent for very large or small magnitudes. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '\u2212Inf';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(3).replace(/\.?0+e/, 'e');
  if (Number.isInteger(v)) return intFmt.format(v);
  return Number(v.toPrecision(5)).toString();
}

/** A short label (3 significant digits), for colour bars and other tight spots. */
export function formatCompact(v: number): string {
  if (!Number.isFinite(v) || v === 0 || Number.isInteger(v)) return formatValue(v);
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(2).replace(/\.?0+e/, 'e');
  return Number(v.toPrecision(3)).toString();
}

export function formatInt(v: number): string {
  return intFmt.format(Math.round(v));
}

/**
 * Unit for relative walltime labels (docs/ui.md#series-and-x-axes): minutes past 150 s, hours past 150
 * min.
 */
export function relativeUnit(spanSeconds: number): { div: number; suffix: string } {
  if (spanSeconds > 150 * 60) return { div: 3600, suffix: 'h' };
  if (spanSeconds > 150) return { div: 60, suffix: 'min' };
  return { div: 1, suffix: 's' };
}

export function formatRelative(seconds: number, spanSeconds: number): string {
  const u = relativeUnit(spanSeconds);
  return `${Number((seconds / u.div).toFixed(u.div === 1 ? 1 : 2))} ${u.suffix}`;
}

export function formatDateTime(seconds: number): string {
  return new Date(seconds * 1000).toLocaleString();
}

/** The x value of a hover line. */
export function formatX(v: number, kind: XKind, spanSeconds: number): string {
  switch (kind) {
    case 'step':
      return formatInt(v);
    case 'time':
      return formatDateTime(v);
    case 'relative':
      return formatRelative(v, spanSeconds);
    default:
      return formatValue(v);
  }
}

/**
 * Round tick values (1, 2 or 5 × 10^k apart) inside [min, max], about `count` of them, for axes drawn
 * by hand (uPlot's axes make their own).
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  const span = max - min;
  if (!(span > 0) || !Number.isFinite(span)) return Number.isFinite(min) ? [min] : [];
  const rough = span / Math.max(1, count);
  const pow = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= rough) ?? 10 * pow;
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    out.push(Number(v.toFixed(decimals)));
  return out;
}

/** Increments for step-like axes: integers only (1, 2, 5 × 10^k). */
export const INTEGER_INCRS: number[] = (() => {
  const out: number[] = [];
  for (let e = 0; e <= 15; e++) for (const m of [1, 2, 5]) out.push(m * 10 ** e);
  return out;
})();

/** Locale-independent relative time, e.g. "3 min ago". */
export function timeAgo(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} d ago`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
