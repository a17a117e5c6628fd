/**
 * One (run, metric) series held as typed arrays (docs/ui.md#series-and-x-axes): no sparse arrays, no
 * per-point objects. Built from JSON (docs/api.md#scalars with time_unit=ms) or from a kbc frame
 * (docs/api.md#kbc-frames), and grown by tails (docs/api.md#incremental-fetch).
 */
import type { KbcFrame } from '../api/kbc';
import { KIND_MISSING, kindOf, kindOfNumber, toNumber } from '../api/nonfinite';
import type { DownsamplingInfo, JsonFloat, ScalarSeriesJson } from '../api/types';

export type BucketAxis = 'step' | 'global_step' | 'timestamp';

export interface ScalarSeries {
  length: number;
  steps: Float64Array;
  globalSteps: Float64Array;
  timestampsMs: Float64Array;
  /** NaN for missing values; `kinds` tells NaN, ±Inf and missing apart. */
  values: Float64Array;
  kinds: Uint8Array;
  /** Server-smoothed values (NaN where none), when requested. */
  smoothed: Float64Array | null;
  /** Forward-filled x metric values (NaN for null), when requested. */
  xs: Float64Array | null;
  totalPoints: number;
  lastStep: number | null;
  /** Downsampling bucket width in units of `bucketAxis` (ms for timestamp); null when not downsampled. */
  bucketWidth: number | null;
  bucketAxis: BucketAxis | null;
  /** Where a tail answer starts (docs/api.md#incremental-fetch), null otherwise. */
  fromBucketX: number | null;
}

function bucketInfo(
  d: DownsamplingInfo | undefined,
): Pick<ScalarSeries, 'bucketWidth' | 'bucketAxis' | 'fromBucketX'> {
  if (!d) return { bucketWidth: null, bucketAxis: null, fromBucketX: null };
  const isTime = d.x === 'timestamp';
  return {
    bucketAxis: d.x,
    bucketWidth: (isTime ? d.bucket_width_ms : d.bucket_width) ?? null,
    fromBucketX: (isTime ? d.from_bucket_x_ms : d.from_bucket_x) ?? null,
  };
}

function floatColumn(src: ArrayLike<JsonFloat | number | null> | undefined, n: number): Float64Array | null {
  if (!src) return null;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = src[i];
    out[i] = v === null || v === undefined ? Number.NaN : toNumber(v as JsonFloat);
  }
  return out;
}

/** From a JSON answer requested with `time_unit=ms`. */
export function seriesFromJson(r: ScalarSeriesJson): ScalarSeries {
  const n = r.steps.length;
  const values = new Float64Array(n);
  const kinds = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = r.values[i];
    values[i] = toNumber(v);
    kinds[i] = kindOf(v);
  }
  return {
    length: n,
    steps: Float64Array.from(r.steps),
    globalSteps: Float64Array.from(r.global_steps, (v) => (v === null ? Number.NaN : v)),
    timestampsMs: Float64Array.from(r.timestamps, (v) => (v === null ? Number.NaN : v)),
    values,
    kinds,
    smoothed: floatColumn(r.smoothed, n),
    xs: floatColumn(r.xs, n),
    totalPoints: r.total_points ?? n,
    lastStep: r.last_step ?? (n > 0 ? r.steps[n - 1] : null),
    ...bucketInfo(r.downsampling),
  };
}

/** From a kbc frame: timestamps are already in ms. */
export function seriesFromFrame(frame: KbcFrame): ScalarSeries {
  const c = frame.columns;
  const n = frame.header.count;
  const values = (c.values as Float64Array | undefined) ?? new Float64Array(n).fill(Number.NaN);
  const present = c.present as Uint8Array | undefined;
  const kinds = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    kinds[i] = present && present[i] === 0 ? KIND_MISSING : kindOfNumber(values[i]);
  }
  const meta = (frame.header.meta ?? {}) as {
    total_points?: number;
    last_step?: number | null;
    downsampling?: DownsamplingInfo;
  };
  return {
    length: n,
    steps: (c.steps as Float64Array | undefined) ?? new Float64Array(n),
    globalSteps: (c.global_steps as Float64Array | undefined) ?? new Float64Array(n),
    timestampsMs: (c.timestamps_ms as Float64Array | undefined) ?? new Float64Array(n),
    values,
    kinds,
    smoothed: (c.smoothed as Float64Array | undefined) ?? null,
    xs: (c.xs as Float64Array | undefined) ?? null,
    totalPoints: meta.total_points ?? n,
    lastStep: meta.last_step ?? (n > 0 ? (c.steps as Float64Array)[n - 1] : null),
    ...bucketInfo(meta.downsampling),
  };
}

function concat(a: Float64Array, keep: number, b: Float64Array): Float64Array {
  const out = new Float64Array(keep + b.length);
  out.set(a.subarray(0, keep));
  out.set(b, keep);
  return out;
}

function concatU8(a: Uint8Array, keep: number, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(keep + b.length);
  out.set(a.subarray(0, keep));
  out.set(b, keep);
  return out;
}

/**
 * Applies a tail answer (docs/api.md#incremental-fetch). With downsampling, the rows whose bucket x is ≥
 * `fromBucketX` are replaced; without, the tail rows (step > held last step) are appended. Returns null when
 * the held data cannot be spliced (bucket width changed, or the count check fails) and a full refetch is due.
 */
export function spliceTail(held: ScalarSeries, tail: ScalarSeries): ScalarSeries | null {
  if (tail.length === 0) {
    return { ...held, totalPoints: tail.totalPoints, lastStep: tail.lastStep ?? held.lastStep };
  }
  let keep = held.length;
  if (tail.bucketWidth !== null || held.bucketWidth !== null) {
    if (tail.bucketWidth !== held.bucketWidth || tail.bucketAxis !== held.bucketAxis) return null;
    const from = tail.fromBucketX;
    if (from === null) return null;
    const x = held.bucketAxis === 'timestamp' ? held.timestampsMs : held.steps;
    while (keep > 0 && x[keep - 1] >= from) keep--;
  } else {
    if (held.length + tail.length !== tail.totalPoints) return null;
  }
  const sm = held.smoothed && tail.smoothed ? concat(held.smoothed, keep, tail.smoothed) : null;
  const xs = held.xs && tail.xs ? concat(held.xs, keep, tail.xs) : null;
  return {
    length: keep + tail.length,
    steps: concat(held.steps, keep, tail.steps),
    globalSteps: concat(held.globalSteps, keep, tail.globalSteps),
    timestampsMs: concat(held.timestampsMs, keep, tail.timestampsMs),
    values: concat(held.values, keep, tail.values),
    kinds: concatU8(held.kinds, keep, tail.kinds),
    smoothed: sm,
    xs,
    totalPoints: tail.totalPoints,
    lastStep: tail.lastStep,
    bucketWidth: held.bucketWidth,
    bucketAxis: held.bucketAxis,
    fromBucketX: null,
  };
}

/** True when the series holds every point of the run's series, so smoothing can run on the client. */
export function holdsWholeSeries(s: ScalarSeries): boolean {
  return s.totalPoints <= s.length;
}
