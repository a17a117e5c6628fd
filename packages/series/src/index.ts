// @kohakuboard/series: pure series math shared by the viewer (Node) and the web UI (browser).
// No Node and no DOM dependencies. Each export names the spec section it implements.

export { contrastRatio, ensureContrast, MIN_SERIES_CONTRAST, relativeLuminance } from './color/contrast.js';
// Colours (docs/ui.md#colours, docs/ui.md#accessibility)
export { hexToRgb, type Rgb, rgbToHex } from './color/hex.js';
export { type Hsl, hslToRgb, rgbToHsl } from './color/hsl.js';
export {
  OKABE_ITO,
  okabeItoPalette,
  paletteColor,
  SINGLE_RUN_PALETTE,
  type Theme,
} from './color/palettes.js';
export { fnv1a32, runColor, runColorHsl } from './color/run-color.js';
// Downsampling (docs/api.md#downsampling, docs/api.md#incremental-fetch)
export { bucketCount, bucketId, bucketWidth } from './downsample/bucket-width.js';
export { type Downsampled, type DownsampleOptions, downsample } from './downsample/downsample.js';
export { firstIndexAfterStep, type IncrementalTail, incrementalTail } from './downsample/incremental-tail.js';
export { givenBound, inWindow, resolveWindow, type XWindow } from './downsample/window.js';
// Forward fill for x_metric (docs/api.md#forward-fill)
export { forwardFill, forwardFillIndices, isAscending, stepOrder } from './forward-fill.js';
// Histograms (docs/api.md#histograms, docs/api.md#histogram-surface)
export { type BinGrid, binGrid, canonicalGrid } from './histogram/canonical-grid.js';
export { interpolateAt } from './histogram/interpolate.js';
export { binCenters, binWidths, linspace, linspaceEdges } from './histogram/linspace.js';
export {
  isSurfaceNormalize,
  type NormalizedMatrix,
  normalizeMatrix,
  SURFACE_NORMALIZE_MODES,
  type SurfaceNormalize,
} from './histogram/normalize-matrix.js';
export {
  type HistogramEdgesSource,
  type HistogramRange,
  isHistogramRange,
  MIN_BIN_WIDTH,
  resampleHistogram,
  sourceEdges,
} from './histogram/resample-histogram.js';
export { autoStride, DEFAULT_TARGET_ROWS, strideSample, surfaceStride } from './histogram/stride.js';
export {
  buildSurface,
  defaultSurfaceBins,
  type Surface,
  type SurfaceEntry,
  type SurfaceOptions,
} from './histogram/surface.js';
// Kernel density (docs/api.md#kde-as-histograms, docs/api.md#kernel-density)
export { type DensitySampler, densitySampler, kdeRangeTolerance } from './kde/density-at.js';
export { type KdeDensityEntry, kdeToCounts } from './kde/kde-to-counts.js';
export { kdePointsGrid } from './kde/points-grid.js';
export { resampleDensity } from './kde/resample-density.js';
export { type KdeGridOptions, kdeDefaultBins, kdeSharedGrid } from './kde/shared-grid.js';
export {
  gridExtent,
  KDE_RANGE_WIDEN,
  type KdeGridEntry,
  type KdeRangeOptions,
  kdeSharedRange,
} from './kde/shared-range.js';
// Smoothing (docs/api.md#smoothing, docs/ui.md#smoothing)
export { clampEmaAlpha, MAX_EMA_ALPHA, smoothEma } from './smooth/ema.js';
export { smoothEmaDebiased } from './smooth/ema-debiased.js';
export {
  gaussianKernelParams,
  gaussianWeights,
  MAX_GAUSSIAN_KERNEL,
  smoothGaussian,
  smoothGaussianAt,
} from './smooth/gaussian.js';
export { movingAverageWindow, smoothMovingAverage } from './smooth/moving-average.js';
export { forEachSegment, isBreak } from './smooth/segments.js';
export { isSmoothMode, SMOOTH_MODES, type SmoothMode, smooth, smoothAt } from './smooth/smooth.js';
