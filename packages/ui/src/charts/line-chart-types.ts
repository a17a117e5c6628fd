/** The shapes the line chart's modules share: what it draws, how, and what it reports on hover. */
import type { XKind } from '../data/x-axis';
import type { Range, ScaleType } from '../layout/types';
import type { ChartColors } from './theme-colors';

export interface ChartSeries {
  key: string;
  label: string;
  /** The colour drawn (already contrast-adjusted). */
  color: string;
  x: Float64Array;
  /** Values to draw (smoothed when smoothing is on); NaN breaks the line. */
  y: Float64Array;
  /** The original values drawn dimmed behind a smoothed line, or null. */
  raw: Float64Array | null;
  /** Point codes (finite, NaN, ±Inf, missing), for the non-finite markers and the tooltip. */
  kinds: Uint8Array | null;
  dash: number[];
  /** Run of the series (project page emphasis). */
  group?: string;
  /** Drawn this much wider than the card's line width (the selected step of a KDE overlay). */
  widthScale?: number;
}

export interface LineChartOptions {
  width: number;
  height: number;
  xKind: XKind;
  xScale: ScaleType;
  yScale: ScaleType;
  asinhLinthresh: number;
  xRange: Range;
  yRange: Range;
  lineWidth: number;
  showMarkers: boolean;
  showOriginal: boolean;
  /** The x-axis title, or '' for none. */
  xTitle?: string;
  colors: ChartColors;
  /** Hover-sync group key (tab + x-axis name), or null. */
  syncKey: string | null;
  /**
   * Multiplies every size given in CSS px (fonts, line widths, ticks, padding): an export renders at
   * width × scale with everything else scaled alike, which equals a render at a higher pixel ratio.
   */
  pixelScale?: number;
}

export interface HoverRow {
  key: string;
  label: string;
  color: string;
  dash: number[];
  text: string;
  sortValue: number;
}

export interface HoverInfo {
  left: number;
  top: number;
  x: string;
  rows: HoverRow[];
  more: number;
  synced: boolean;
}

export interface ChartCallbacks {
  onHover: (info: HoverInfo | null) => void;
  /** The x window changed by a user action; null = full view. */
  onWindow: (win: { min: number; max: number } | null) => void;
  onDrawn: () => void;
}

/** One drawn line: a series, or the dimmed original behind a smoothed series. */
export interface Slot {
  src: ChartSeries;
  x: Float64Array;
  y: Float64Array;
  sorted: boolean;
  isRaw: boolean;
}
