/**
 * Which rows of a series a request returns (docs/api.md#downsampling, docs/api.md#incremental-fetch):
 * `limit`, then the x window, then the selection of `points`, then `after_step` trimming. Smoothing and `xs`
 * are computed on the series after `limit` and before the window. The formulas are the shared series
 * package's (docs/api.md#smoothing).
 */
import { downsample, forwardFillIndices, incrementalTail, smoothAt } from '@kohakuboard/series';
import type { ScalarSeries } from '../../reader/scalar-source.js';
import { checkpoint } from '../worker-pool/cancellation.js';
import type { ScalarQuery } from './scalar-query.js';

export interface DownsamplingInfo {
  method: 'm4';
  points_requested: number;
  x: string;
  bucketWidth: number | null;
  buckets: number | null;
  window_points: number;
  returned_points: number;
  x_min: number | null;
  x_max: number | null;
  fromBucketX: number | null;
}

export interface Selection {
  /** Row indices into the series arrays, ascending (step order). */
  rows: Uint32Array;
  totalPoints: number;
  lastStep: number | null;
  downsampling: DownsamplingInfo | null;
  /** Parallel to rows; NaN = null. */
  smoothed: Float64Array | null;
  /** Parallel to rows; NaN = null (no row of x_metric at or before the step). */
  xs: Float64Array | null;
}

function range(from: number, to: number): Uint32Array {
  const out = new Uint32Array(Math.max(0, to - from));
  for (let i = 0; i < out.length; i++) out[i] = from + i;
  return out;
}

function shift(rows: Uint32Array, offset: number): Uint32Array {
  if (offset === 0) return rows;
  const out = new Uint32Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = rows[i] + offset;
  return out;
}

/** docs/ui.md#series-and-x-axes codes for a base column: 4 (missing) where the value is null. */
function missingKinds(values: Float64Array): Uint8Array {
  const k = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) k[i] = 4;
  return k;
}

function xColumn(series: ScalarSeries, x: ScalarQuery['x']): Float64Array {
  return x === 'step' ? series.steps : x === 'global_step' ? series.globalSteps : series.timestampsMs;
}

export function selectRows(
  series: ScalarSeries,
  q: ScalarQuery,
  xMetric: ScalarSeries | null,
  afterStepOverride?: number | null,
): Selection {
  const n = series.length;
  const afterStep = afterStepOverride !== undefined ? afterStepOverride : q.afterStep;
  const offset = q.limit !== null && q.limit < n ? n - q.limit : 0;
  const values = series.values.subarray(offset, n);
  const steps = series.steps.subarray(offset, n);
  const xs = xColumn(series, q.x).subarray(offset, n);
  const windowed = q.xMin !== null || q.xMax !== null;

  let rows: Uint32Array;
  let info: DownsamplingInfo | null = null;
  if (q.points !== null || windowed) {
    const sel = downsample(xs, values, {
      points: q.points ?? 0,
      xMin: q.xMin,
      xMax: q.xMax,
      kinds: series.valuesNullable ? missingKinds(values) : undefined,
    });
    rows = sel.indices;
    let fromBucketX: number | null = null;
    if (afterStep !== null) {
      if (q.points !== null && q.x !== 'global_step') {
        const tail = incrementalTail(sel, xs, steps, afterStep);
        rows = tail.indices;
        fromBucketX = tail.fromBucketX;
      } else if (q.points === null) {
        rows = rows.filter((i) => steps[i] > afterStep);
      }
    }
    if (q.points !== null) {
      info = {
        method: 'm4',
        points_requested: q.points,
        x: q.x,
        bucketWidth: sel.bucketWidth,
        buckets: sel.buckets,
        window_points: sel.windowPoints,
        returned_points: rows.length,
        x_min: sel.xMin,
        x_max: sel.xMax,
        fromBucketX,
      };
    }
  } else {
    let from = 0;
    if (afterStep !== null) {
      // Steps are ascending: the first row after the cursor by binary search.
      let lo = 0;
      let hi = steps.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (steps[mid] > afterStep) hi = mid;
        else lo = mid + 1;
      }
      from = lo;
    }
    rows = range(from, steps.length);
  }

  let smoothed: Float64Array | null = null;
  if (q.smooth !== null) {
    checkpoint();
    // Only at the returned rows: a downsampled answer smooths a few thousand points, not the series.
    smoothed = smoothAt(
      values,
      q.smooth,
      q.smoothValue!,
      rows,
      series.valuesNullable ? missingKinds(values) : undefined,
    );
    checkpoint();
  }
  let xsOut: Float64Array | null = null;
  if (xMetric !== null) {
    const picked = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) picked[i] = steps[rows[i]];
    const at = forwardFillIndices(picked, xMetric.steps);
    xsOut = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) xsOut[i] = at[i] >= 0 ? xMetric.values[at[i]] : Number.NaN;
  }
  return {
    rows: shift(rows, offset),
    totalPoints: n,
    lastStep: n > 0 ? series.steps[n - 1] : null,
    downsampling: info,
    smoothed,
    xs: xsOut,
  };
}
