/**
 * The resampled histogram matrix behind a Flow Heatmap or 3-D surface (docs/ui.md#flow-heatmap,
 * docs/ui.md#3-d-surface, docs/ui.md#kde-cards): `…/histograms/{name}/surface`, refetched when its query
 * changes, on live data for the name and on catch-ups. Histogram and KDE cards share it, so both heatmaps
 * follow the same rules.
 */
import { onBeforeUnmount, shallowRef, watch } from 'vue';
import { getSurface, type SurfaceQuery } from '../api/endpoints';
import { toNumber } from '../api/nonfinite';
import type { SurfaceResponse } from '../api/types';
import { onCatchUp, onRunData, throttle } from '../state/live';
import { useLatestRequest } from './latest-request';

export interface SurfaceOptions {
  project: string;
  runId: string;
  name: () => string;
  /** The request, or null while nothing is shown (card off-screen, another mode). */
  query: () => SurfaceQuery | null;
}

/** The Flow Heatmap request of docs/ui.md#flow-heatmap, sized to the plot. */
export function flowSurfaceQuery(
  plot: { width: number; height: number },
  axis: string,
  downsample: number,
  zoomSteps: { min: number; max: number } | null,
): SurfaceQuery {
  return {
    axis,
    // The client normalizes, so switching per-step / global needs no request.
    normalize: 'none',
    bins: Math.max(16, Math.min(256, Math.floor(plot.height / 2))),
    downsample,
    target_rows: Math.max(2, Math.min(4096, Math.floor(plot.width))),
    step_min: zoomSteps?.min,
    step_max: zoomSteps?.max,
  };
}

/**
 * The step range a zoomed x range covers, through the axis values and steps held
 * (docs/ui.md#flow-heatmap).
 */
export function stepsInRange(
  s: SurfaceResponse,
  range: { min: number; max: number },
): { min: number; max: number } | null {
  let lo: number | null = null;
  let hi: number | null = null;
  s.axis_values.forEach((v, i) => {
    if (v >= range.min && v <= range.max) {
      lo = lo === null ? s.steps[i] : Math.min(lo, s.steps[i]);
      hi = hi === null ? s.steps[i] : Math.max(hi, s.steps[i]);
    }
  });
  return lo !== null && hi !== null ? { min: lo, max: hi } : null;
}

export function useSurface(o: SurfaceOptions) {
  const surface = shallowRef<SurfaceResponse | null>(null);
  const matrix = shallowRef<Float64Array[]>([]);
  const request = useLatestRequest();

  async function load(): Promise<void> {
    const q = o.query();
    if (!q) return;
    await request.run(async (signal) => {
      const res = await getSurface(o.project, o.runId, o.name(), q, { signal });
      surface.value = res;
      matrix.value = res.matrix.map((row) => Float64Array.from(row, (v) => Math.max(0, toNumber(v) || 0)));
    });
  }

  watch(
    () => JSON.stringify([o.name(), o.query()]),
    () => void load(),
    { immediate: true },
  );

  const live = throttle(() => void load(), 1000);
  const offData = onRunData(o.runId, (e) => {
    const name = o.name();
    if (e.histograms?.includes(name) || e.kernel_density?.includes(name)) live.run();
  });
  const offCatchUp = onCatchUp((since) => {
    if (surface.value && request.startedAt() < since) live.run();
  });

  onBeforeUnmount(() => {
    request.abort();
    offData();
    offCatchUp();
    live.cancel();
  });

  return { surface, matrix, error: request.error, loading: request.loading, reload: load };
}
