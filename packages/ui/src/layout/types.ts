/**
 * Card and layout shapes of docs/ui.md#stored-state, field for field as the original wrote them, so layouts
 * made with the original UI load here and ours stay readable by it (it ignores what it does not know).
 */

export interface Range {
  auto: boolean;
  min: number | null;
  max: number | null;
}

export type ScaleType = 'linear' | 'log' | 'symlog';

interface CardBase {
  title: string;
  widthPercent: number;
  height: number;
}

export interface LineCardConfig extends CardBase {
  type: 'line';
  xMetric: string;
  yMetrics: string[];
  smoothingMode: string;
  smoothingValue: number;
  downsampleRate: number;
  showOriginal: boolean;
  lineWidth: number;
  showMarkers: boolean;
  xRange: Range;
  yRange: Range;
  xScale?: ScaleType;
  yScale?: ScaleType;
  asinhLinthresh?: number;
  dashPatterns?: boolean;
  /** Project page: the metrics a default card was created for. */
  defaultMetrics?: string[];
}

export interface MediaCardConfig extends CardBase {
  type: 'media';
  mediaName: string;
  currentStep: number | null;
  autoAdvanceToLatest: boolean;
  layout?: 'single' | 'grid';
  gridMode?: 'step' | 'name';
  gridPageSize?: number;
  gridNewestFirst?: boolean;
  mediaNames?: string[];
  cellSize?: number;
}

export interface TableCardConfig extends CardBase {
  type: 'table';
  tableName: string;
  currentStep: number | null;
  autoAdvanceToLatest: boolean;
  sort?: { column: number; dir: 'asc' | 'desc' } | null;
  filters?: Record<string, string>;
  fullPrecision?: boolean;
}

export interface HistogramCardConfig extends CardBase {
  type: 'histogram';
  histogramName: string;
  currentStep: number | null;
  histogramMode: 'single' | 'flow';
  histogramFlowSurface?: boolean;
  histogramXAxis?: string;
  downsampleRate?: number;
  surfaceAxis?: string;
  surfaceNormalize?: string;
  surfaceAspect?: { x: number; y: number; z: number };
  surfaceBins?: number | null;
  surfaceDownsample?: number;
  colorscale?: string;
  flowNormalize?: 'per-step' | 'global';
  autoAdvanceToLatest?: boolean;
}

export interface TensorCardConfig extends CardBase {
  type: 'tensor';
  tensorName: string;
  currentStep: number | null;
  autoAdvanceToLatest: boolean;
  view: 'auto';
  rowAxis: number;
  colAxis: number;
  sliceIndex: number[];
  colorscale: string;
  symmetric: boolean | null;
  /** New: square heatmap cells ("aspect 1:1") instead of stretching the slice over the plot. */
  squareCells?: boolean;
}

export interface KdeCardConfig extends CardBase {
  type: 'kde';
  kdeName: string;
  currentStep: number | null;
  autoAdvanceToLatest: boolean;
  mode: 'overlay' | 'ridgeline' | 'heatmap';
  overlayCount: number;
  xRange: Range;
  /** Heatmap mode: the Flow Heatmap settings of docs/ui.md#flow-heatmap, named as on histogram cards. */
  histogramXAxis?: string;
  flowNormalize?: 'per-step' | 'global';
  colorscale?: string;
  downsampleRate?: number;
}

export type CardConfig =
  | LineCardConfig
  | MediaCardConfig
  | TableCardConfig
  | HistogramCardConfig
  | TensorCardConfig
  | KdeCardConfig;

export type CardType = CardConfig['type'];

export interface Card {
  id: string;
  config: CardConfig;
}

export interface Tab {
  name: string;
  cards: Card[];
}

export interface TabSettings {
  xAxis: string;
  smoothing: string;
  smoothingValue: number;
  histogramMode: 'single' | 'flow';
  downsampleRate: number;
  yScale?: ScaleType;
}

export interface RunLayout {
  schemaVersion: 2 | 3;
  tabs: Tab[];
  activeTab: string;
  nextCardId: number;
  tabSettings: Record<string, TabSettings>;
  removedMetrics: string[];
  removedTables: string[];
  removedHistograms: string[];
  removedMedia: string[];
  removedTensors?: string[];
  removedKde?: string[];
}

export interface RunFilter {
  q: string;
  status: string[];
  config: string[];
  sort: string;
}

export interface ProjectLayout {
  schemaVersion?: 3;
  tabs: Tab[];
  activeTab: string;
  nextCardId: number;
  tabSettings: Record<string, TabSettings>;
  customRunColors: Record<string, string>;
  sidebarWidth: number;
  hiddenRunIds?: string[];
  removedMetrics: string[];
  visibleRunIds?: string[];
  showNewRuns?: boolean;
  runFilter?: RunFilter;
  chartsPerPage?: number | 'all';
  pinnedConfigKeys?: string[];
  /** What the main area shows (docs/ui.md#run-table). */
  projectView?: 'charts' | 'table' | 'params';
  /** Run-table columns as `field:…`, `config:<key>`, `last:|min:|max:<metric>`. */
  tableColumns?: string[];
  tableSort?: { column: string; descending: boolean };
  tableFilter?: string;
  /** Parameters view: the config keys drawn as axes, the metric and its statistic. */
  paramKeys?: string[];
  paramMetric?: string;
  paramStat?: 'last' | 'min' | 'max';
  /** Parameters view: the key on the scatter's x axis. */
  scatterKey?: string;
}
