/**
 * The Flow Heatmap of a histogram or KDE card (docs/ui.md#flow-heatmap, docs/ui.md#kde-cards): its settings,
 * kept in the card config under the histogram card's names; the request, sized to the plot; and zooming,
 * which asks for a step range only when the full view skipped columns.
 */
import { computed, type Ref, ref } from 'vue';
import type { SurfaceQuery } from '../api/endpoints';
import type { SurfaceResponse } from '../api/types';
import type { Size } from './use-element-size';
import { flowSurfaceQuery, stepsInRange } from './use-surface';

/** The Flow Heatmap's controls: x axis, normalization, colour scale and downsampling. */
export interface FlowSettings {
  axis: string;
  normalize: 'per-step' | 'global';
  colorscale: string;
  downsample: number;
}

/** The card config fields the Flow Heatmap reads and writes. */
export interface FlowConfig {
  histogramXAxis?: string;
  flowNormalize?: 'per-step' | 'global';
  colorscale?: string;
  downsampleRate?: number;
}

export interface FlowViewOptions {
  config: () => FlowConfig;
  update: (patch: FlowConfig) => void;
  /** The plot's size, which the request follows. */
  plot: Ref<Size>;
  /** The surface shown, once loaded. */
  surface: () => SurfaceResponse | null;
}

export function useFlowView(o: FlowViewOptions) {
  const zoomSteps = ref<{ min: number; max: number } | null>(null);

  const settings = computed<FlowSettings>(() => {
    const c = o.config();
    return {
      axis: c.histogramXAxis ?? 'step',
      normalize: c.flowNormalize ?? 'per-step',
      colorscale: c.colorscale ?? 'Viridis',
      downsample: c.downsampleRate ?? -1,
    };
  });

  function onSettings(p: Partial<FlowSettings>): void {
    const patch: FlowConfig = {};
    if (p.axis !== undefined) patch.histogramXAxis = p.axis;
    if (p.normalize !== undefined) patch.flowNormalize = p.normalize;
    if (p.colorscale !== undefined) patch.colorscale = p.colorscale;
    if (p.downsample !== undefined) patch.downsampleRate = p.downsample;
    zoomSteps.value = null;
    o.update(patch);
  }

  function query(): SurfaceQuery {
    const s = settings.value;
    return flowSurfaceQuery(o.plot.value, s.axis, s.downsample, zoomSteps.value);
  }

  /**
   * A zoom re-requests only when the full view skipped columns (docs/ui.md#flow-heatmap); reset returns to
   * it.
   */
  function onZoom(range: { min: number; max: number } | null): void {
    if (!range) {
      zoomSteps.value = null;
      return;
    }
    const s = o.surface();
    if (!s || s.downsample_rate <= 1) return;
    const steps = stepsInRange(s, range);
    if (steps) zoomSteps.value = steps;
  }

  return { settings, onSettings, query, onZoom };
}
