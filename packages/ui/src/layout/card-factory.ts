/** New card configs with the defaults of docs/ui.md#default-cards and docs/ui.md#add-chart. */
import type {
  HistogramCardConfig,
  KdeCardConfig,
  LineCardConfig,
  MediaCardConfig,
  Range,
  TableCardConfig,
  TabSettings,
  TensorCardConfig,
} from './types';

export const autoRange = (): Range => ({ auto: true, min: null, max: null });

export function lineCard(yMetrics: string[], xMetric: string, title?: string): LineCardConfig {
  return {
    type: 'line',
    title: title ?? yMetrics.join(', '),
    widthPercent: 33,
    height: 400,
    xMetric,
    yMetrics,
    smoothingMode: 'disabled',
    smoothingValue: 0.9,
    downsampleRate: -1,
    showOriginal: true,
    lineWidth: 1.5,
    showMarkers: false,
    xRange: autoRange(),
    yRange: autoRange(),
    xScale: 'linear',
    yScale: 'linear',
    asinhLinthresh: 1,
    dashPatterns: false,
  };
}

export function mediaCard(name: string, layout: 'single' | 'grid' = 'single'): MediaCardConfig {
  return {
    type: 'media',
    title: name,
    widthPercent: 33,
    height: 400,
    mediaName: name,
    currentStep: null,
    autoAdvanceToLatest: true,
    layout,
    gridMode: 'step',
    gridPageSize: 12,
    gridNewestFirst: true,
    cellSize: 160,
  };
}

export function tableCard(name: string): TableCardConfig {
  return {
    type: 'table',
    title: name,
    widthPercent: 50,
    height: 400,
    tableName: name,
    currentStep: null,
    autoAdvanceToLatest: true,
    sort: null,
    filters: {},
    fullPrecision: false,
  };
}

export function histogramCard(name: string, mode: 'single' | 'flow', surface = false): HistogramCardConfig {
  const card: HistogramCardConfig = {
    type: 'histogram',
    title: name,
    widthPercent: 33,
    height: 400,
    histogramName: name,
    currentStep: null,
    histogramMode: mode,
    histogramFlowSurface: false,
    histogramXAxis: 'step',
    downsampleRate: -1,
    surfaceAxis: 'global_step',
    surfaceNormalize: 'none',
    surfaceAspect: { x: 1.2, y: 1, z: 0.85 },
    surfaceBins: null,
    surfaceDownsample: -1,
    colorscale: 'Viridis',
    flowNormalize: 'per-step',
    autoAdvanceToLatest: true,
  };
  if (surface) {
    card.histogramMode = 'flow';
    card.histogramFlowSurface = true;
  }
  return card;
}

export function tensorCard(name: string): TensorCardConfig {
  return {
    type: 'tensor',
    title: name,
    widthPercent: 33,
    height: 400,
    tensorName: name,
    currentStep: null,
    autoAdvanceToLatest: true,
    view: 'auto',
    rowAxis: 0,
    colAxis: 1,
    sliceIndex: [],
    colorscale: 'Viridis',
    symmetric: null,
  };
}

export function kdeCard(name: string): KdeCardConfig {
  return {
    type: 'kde',
    title: name,
    widthPercent: 33,
    height: 400,
    kdeName: name,
    currentStep: null,
    autoAdvanceToLatest: true,
    mode: 'overlay',
    overlayCount: 8,
    xRange: autoRange(),
  };
}

/**
 * Tab-settings defaults (docs/ui.md#tab-settings); the x axis follows `has_global_step`
 * (docs/ui.md#run-page).
 */
export function defaultTabSettings(hasGlobalStep: boolean): TabSettings {
  return {
    xAxis: hasGlobalStep ? 'global_step' : 'step',
    smoothing: 'disabled',
    smoothingValue: 0.9,
    histogramMode: 'flow',
    downsampleRate: -1,
    yScale: 'linear',
  };
}

/** The tab a name belongs to: the text before the first `/`, or "Metrics". */
export function namespaceOf(name: string): string {
  const i = name.indexOf('/');
  return i > 0 ? name.slice(0, i) : 'Metrics';
}
