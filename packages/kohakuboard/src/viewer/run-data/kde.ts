/**
 * `…/kernel_density` and `…/kernel_density/{name}` (docs/api.md#kernel-density): native grids, or every entry
 * resampled onto one shared grid of `points` values (the series package's range rule, docs/api.md#smoothing).
 */
import { kdePointsGrid, resampleDensity } from '@kohakuboard/series';
import { type KdeEntry, kdeEntries } from '../../reader/kde-source.js';
import { rowNames } from '../../reader/run-contents.js';
import type { ReaderContext } from '../../reader/scalar-source.js';
import { ApiError, invalidParameter } from '../api-error.js';
import type { RunRef } from '../run-ref.js';
import { trimEntries } from './media.js';
import { relativeWalltimes } from './step-times.js';

export interface KdeQuery {
  step: number | null;
  limit: number | null;
  afterStep: number | null;
  points: number | null;
  rangeMin: number | null;
  rangeMax: number | null;
}

export function kdeList(ctx: ReaderContext, run: RunRef): Record<string, unknown> {
  return { kernel_density: rowNames(ctx, run.dir).kernelDensity };
}

/** The grid inputs of the series package's KDE range rule. */
export function kdeGridEntry(e: KdeEntry) {
  return {
    grid: e.payload!.grid,
    rangeMin: e.row.range_min,
    rangeMax: e.row.range_max,
    numPoints: e.row.num_points,
  };
}

export function kdeResponse(
  ctx: ReaderContext,
  run: RunRef,
  name: string,
  q: KdeQuery,
): Record<string, unknown> {
  if (q.points === null && (q.rangeMin !== null || q.rangeMax !== null)) {
    throw invalidParameter(
      q.rangeMin !== null ? 'range_min' : 'range_max',
      'range_min and range_max need points',
    );
  }
  const all = kdeEntries(ctx, run.dir, name);
  if (all.length === 0) throw new ApiError(404, 'kernel_density_not_found', 'Kernel density not found');
  const usable = all.filter((e) => e.payload !== null);
  let picked = q.step === null ? usable : usable.filter((e) => e.row.step === q.step);
  picked = trimEntries(
    picked.map((e) => Object.assign(e, { step: e.row.step })),
    q.afterStep,
    q.limit,
  );
  let grid: Float64Array | null = null;
  if (q.points !== null && usable.length > 0) {
    grid = kdePointsGrid(usable.map(kdeGridEntry), q.points, { rangeMin: q.rangeMin, rangeMax: q.rangeMax });
  }
  const walltimes = relativeWalltimes(
    ctx,
    run,
    picked.map((e) => e.row.step),
  );
  const entries = picked.map((e) => {
    const out: Record<string, unknown> = {
      step: e.row.step,
      global_step: e.row.global_step,
      relative_walltime: walltimes.get(e.row.step) ?? null,
      kernel: e.row.kernel,
      bandwidth: e.bandwidth,
      sample_count: e.row.sample_count,
      range_min: e.row.range_min,
      range_max: e.row.range_max,
      num_points: e.row.num_points,
      metadata: e.metadata,
    };
    const p = e.payload!;
    if (grid) {
      out.density = Array.from(resampleDensity(p.grid, p.density, grid, e.row.range_min, e.row.range_max));
    } else {
      out.grid = Array.from(p.grid);
      out.density = Array.from(p.density);
    }
    return out;
  });
  return {
    experiment_id: run.runIdPart,
    kernel_density_name: name,
    grid: grid ? Array.from(grid) : null,
    entries,
  };
}
