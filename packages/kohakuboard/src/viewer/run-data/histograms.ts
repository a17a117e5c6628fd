/**
 * `…/histograms` (docs/api.md#histograms), `…/histograms/{name}` (docs/api.md#histograms) and the surface
 * (docs/api.md#histogram-surface). Classic entries come from every histogram file of the name's namespace; a
 * name with no classic entry is served from its KDE entries on one shared grid. Grids, resampling and
 * normalization are the series package's (docs/api.md#smoothing).
 */
import {
  buildSurface,
  defaultSurfaceBins,
  type HistogramEdgesSource,
  isSurfaceNormalize,
  kdeSharedGrid,
  kdeToCounts,
  linspaceEdges,
  type SurfaceNormalize,
  surfaceStride,
} from '@kohakuboard/series';
import { histogramEntries, histogramNames } from '../../reader/histogram-source.js';
import { kdeEntries } from '../../reader/kde-source.js';
import { rowNames } from '../../reader/run-contents.js';
import type { ReaderContext } from '../../reader/scalar-source.js';
import { errorText } from '../../util/error-text.js';
import { ApiError, invalidParameter } from '../api-error.js';
import type { RunRef } from '../run-ref.js';
import { kdeGridEntry } from './kde.js';
import { trimEntries } from './media.js';
import { relativeWalltimes } from './step-times.js';

export interface HistogramQuery {
  limit: number | null;
  bins: number | null;
  rangeMin: number | null;
  rangeMax: number | null;
  afterStep: number | null;
}

export interface SurfaceQuery extends HistogramQuery {
  axis: 'step' | 'global_step' | 'relative_walltime';
  normalize: SurfaceNormalize;
  downsample: number;
  targetRows: number;
  stepMin: number | null;
  stepMax: number | null;
}

/** One entry of docs/api.md#histograms, before JSON. */
interface Entry {
  step: number;
  global_step: number | null;
  bins: Float64Array;
  counts: ArrayLike<number>;
  relative_walltime?: number | null;
  [extra: string]: unknown;
}

export function histogramList(ctx: ReaderContext, run: RunRef): Record<string, unknown> {
  const names = new Set([...histogramNames(ctx, run.dir), ...rowNames(ctx, run.dir).kernelDensity]);
  return { histograms: [...names].sort() };
}

function checkRange(q: HistogramQuery): void {
  if (q.rangeMin !== null && q.rangeMax !== null && q.rangeMin >= q.rangeMax) {
    throw invalidParameter('range_min', 'range_min must be < range_max');
  }
}

/** All entries of docs/api.md#histograms for a name, in step order, before `after_step` and `limit`. */
function allEntries(ctx: ReaderContext, run: RunRef, name: string, q: HistogramQuery): Entry[] {
  const classic = histogramEntries(ctx, run.dir, name);
  if (classic.length > 0) {
    return classic.map((e) => ({
      step: e.step,
      global_step: e.globalStep,
      bins: linspaceEdges(e.min, e.max, e.counts.length),
      counts: e.counts,
      precision: e.precision,
    }));
  }
  const kde = kdeEntries(ctx, run.dir, name).filter((e) => e.payload !== null);
  if (kde.length === 0) return [];
  const grid = kdeSharedGrid(kde.map(kdeGridEntry), {
    bins: q.bins,
    rangeMin: q.rangeMin,
    rangeMax: q.rangeMax,
  });
  return kde
    .map((e) => ({
      step: e.row.step,
      global_step: e.row.global_step,
      bins: grid.edges,
      counts: kdeToCounts(
        {
          grid: e.payload!.grid,
          density: e.payload!.density,
          rangeMin: e.row.range_min,
          rangeMax: e.row.range_max,
          sampleCount: e.row.sample_count,
        },
        grid.edges,
      ),
      precision: 'kde',
      kernel: e.row.kernel,
      bandwidth: e.bandwidth,
      sample_count: e.row.sample_count,
      range_min: e.row.range_min,
      range_max: e.row.range_max,
    }))
    .sort((a, b) => a.step - b.step);
}

function withWalltimes(ctx: ReaderContext, run: RunRef, entries: Entry[]): Entry[] {
  const times = relativeWalltimes(
    ctx,
    run,
    entries.map((e) => e.step),
  );
  for (const e of entries) e.relative_walltime = times.get(e.step) ?? null;
  return entries;
}

export function histogramResponse(
  ctx: ReaderContext,
  run: RunRef,
  name: string,
  q: HistogramQuery,
): Record<string, unknown> {
  checkRange(q);
  const entries = withWalltimes(ctx, run, trimEntries(allEntries(ctx, run, name, q), q.afterStep, q.limit));
  const data = entries.map((e) => {
    const { step, global_step, bins, counts, relative_walltime, precision, ...rest } = e;
    const base: Record<string, unknown> = {
      step,
      global_step,
      bins: Array.from(bins),
      counts: Array.from(counts),
    };
    if (precision === 'kde') {
      return { ...base, precision, ...rest, relative_walltime };
    }
    return { ...base, relative_walltime, precision };
  });
  return { experiment_id: run.runIdPart, histogram_name: name, data };
}

const AXIS_LABELS = {
  step: 'Training Step',
  global_step: 'Global Step',
  relative_walltime: 'Relative Time (s)',
};

/** The most cells a surface may have: 4096 rows (the largest target_rows) of 1024 bins. */
export const MAX_SURFACE_CELLS = 4096 * 1024;

/** 413 too_large when the rows the stride keeps times the bins exceed MAX_SURFACE_CELLS. */
function checkSurfaceSize(entries: Entry[], q: SurfaceQuery): void {
  const n = entries.length;
  const rows = Math.ceil(n / surfaceStride(n, q.downsample, q.targetRows)) + 1;
  const bins = q.bins ?? defaultSurfaceBins(entries[0].counts.length);
  if (rows * bins > MAX_SURFACE_CELLS) {
    throw new ApiError(
      413,
      'too_large',
      `The surface would have ${rows} rows of ${bins} bins; at most ${MAX_SURFACE_CELLS} cells (use a larger downsample stride)`,
    );
  }
}

export function surfaceResponse(
  ctx: ReaderContext,
  run: RunRef,
  name: string,
  q: SurfaceQuery,
): Record<string, unknown> {
  checkRange(q);
  if (!isSurfaceNormalize(q.normalize))
    throw invalidParameter('normalize', 'normalize must be none, per-step or global');
  let entries = allEntries(ctx, run, name, { ...q, bins: null }).filter(
    (e) => (q.stepMin === null || e.step >= q.stepMin) && (q.stepMax === null || e.step <= q.stepMax),
  );
  entries = trimEntries(entries, q.afterStep, q.limit).filter(
    (e) => e.bins.length > 1 && e.counts.length > 0,
  );
  if (entries.length === 0) throw new ApiError(404, 'histogram_not_found', 'Histogram not found');
  checkSurfaceSize(entries, q);
  let surface: ReturnType<typeof buildSurface>;
  try {
    surface = buildSurface(
      entries.map((e) => ({ edges: e.bins as HistogramEdgesSource, counts: e.counts })),
      { bins: q.bins, downsample: q.downsample, targetRows: q.targetRows, normalize: q.normalize },
    );
  } catch (err) {
    throw invalidParameter('name', `The histogram cannot be resampled: ${errorText(err)}`);
  }
  const sampled = Array.from(surface.sampled, (i) => entries[i]);
  withWalltimes(ctx, run, sampled);
  let axisType: SurfaceQuery['axis'] = q.axis;
  const axisOf = (e: Entry, axis: SurfaceQuery['axis']) =>
    axis === 'step' ? e.step : axis === 'global_step' ? e.global_step : (e.relative_walltime ?? null);
  if (sampled.some((e) => axisOf(e, q.axis) === null)) axisType = 'step';
  const axisValues = sampled.map((e) => axisOf(e, axisType) as number);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of axisValues) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return {
    experiment_id: run.runIdPart,
    histogram_name: name,
    axis_values: axisValues,
    axis_type: axisType,
    axis_requested: q.axis,
    axis_label: AXIS_LABELS[axisType],
    axis_stats: {
      min: axisValues.length ? min : null,
      max: axisValues.length ? max : null,
      count: axisValues.length,
    },
    steps: sampled.map((e) => e.step),
    global_steps: sampled.map((e) => e.global_step),
    bin_edges: Array.from(surface.grid.edges),
    bin_centers: Array.from(surface.grid.centers),
    bin_range: { min: surface.grid.min, max: surface.grid.max },
    matrix: surface.matrix.map((row) => Array.from(row)),
    raw_max_value: surface.rawMaxValue,
    downsample_rate: surface.downsampleRate,
    original_entries: surface.originalEntries,
    sampled_entries: surface.sampledEntries,
    normalize: q.normalize,
  };
}
