/**
 * The pure half of the line chart: the slots drawn from the series (log axes turn values ≤ 0 into
 * gaps), the x and y ranges they span, and the uPlot options (scales, axes, series, cursor). Nothing
 * here touches the DOM; the chart passes in the callbacks that do.
 */
import uPlot from 'uplot';
import { formatInt, formatRelative, formatValue, INTEGER_INCRS } from './format';
import type { ChartSeries, LineChartOptions, Slot } from './line-chart-types';
import { buildLinePath, isSortedX, visibleRange } from './line-path';

function finiteExtent(arr: Float64Array, positiveOnly: boolean, acc: [number, number]): void {
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (Number.isNaN(v) || v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) continue;
    if (positiveOnly && v <= 0) continue;
    if (v < acc[0]) acc[0] = v;
    if (v > acc[1]) acc[1] = v;
  }
}

/** Values ≤ 0 cannot be drawn on a log axis; they become gaps and are counted for the badge. */
function dropNonPositive(arr: Float64Array): { out: Float64Array; hidden: number } {
  let hidden = 0;
  const out = new Float64Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (v <= 0) {
      out[i] = Number.NaN;
      hidden++;
    } else out[i] = v;
  }
  return { out, hidden };
}

export interface PreparedSlots {
  slots: Slot[];
  /** The x extent of every series: the full view. */
  fullX: [number, number];
  /** Points ≤ 0 hidden by a log y axis. */
  hidden: number;
}

/** The lines to draw: each series, preceded by its dimmed original when smoothing shows one. */
export function prepareSlots(series: ChartSeries[], o: LineChartOptions): PreparedSlots {
  const logY = o.yScale === 'log';
  const logX = o.xScale === 'log' && (o.xKind === 'step' || o.xKind === 'metric');
  const slots: Slot[] = [];
  let hidden = 0;
  const fx: [number, number] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (const s of series) {
    let x = s.x;
    if (logX) x = dropNonPositive(x).out;
    const sorted = isSortedX(x);
    finiteExtent(x, logX, fx);
    if (s.raw && o.showOriginal) {
      const raw = logY ? dropNonPositive(s.raw).out : s.raw;
      slots.push({ src: s, x, y: raw, sorted, isRaw: true });
    }
    let y = s.y;
    if (logY) {
      const d = dropNonPositive(y);
      y = d.out;
      hidden += d.hidden;
    }
    slots.push({ src: s, x, y, sorted, isRaw: false });
  }
  if (fx[0] > fx[1]) {
    fx[0] = logX ? 1 : 0;
    fx[1] = logX ? 10 : 1;
  } else if (fx[0] === fx[1]) {
    fx[0] = logX ? fx[0] / 2 : fx[0] - 1;
    fx[1] = logX ? fx[1] * 2 : fx[1] + 1;
  }
  return { slots, fullX: fx, hidden };
}

/** The y range of the points inside the x window [xmin, xmax], padded 5 % (log: whole decades). */
export function autoYRange(slots: Slot[], xmin: number, xmax: number, o: LineChartOptions): [number, number] {
  const acc: [number, number] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  const logY = o.yScale === 'log';
  for (const slot of slots) {
    const [a, b] = visibleRange(slot.x, slot.sorted, xmin, xmax);
    const x = slot.x;
    const y = slot.y;
    for (let i = a; i <= b; i++) {
      const xv = x[i];
      if (!slot.sorted && !(xv >= xmin && xv <= xmax)) continue;
      const v = y[i];
      if (Number.isNaN(v)) continue;
      if (logY && v <= 0) continue;
      if (v < acc[0]) acc[0] = v;
      if (v > acc[1]) acc[1] = v;
    }
  }
  if (acc[0] > acc[1]) return logY ? [1, 10] : [0, 1];
  if (logY) return uPlot.rangeLog(acc[0], acc[1], 10, false) as [number, number];
  if (o.yScale === 'symlog') return uPlot.rangeAsinh(acc[0], acc[1], 10, false) as [number, number];
  if (acc[0] === acc[1]) {
    const pad = Math.abs(acc[0]) * 0.1 || 1;
    return [acc[0] - pad, acc[1] + pad];
  }
  const pad = (acc[1] - acc[0]) * 0.05;
  return [acc[0] - pad, acc[1] + pad];
}

/** What the options need from the live chart: its ranges, input bindings and draw hooks. */
export interface OptionsWiring {
  xRange: () => [number, number];
  yRange: () => [number, number];
  /** A mouse press on the plot: returns null when the chart handled it (a pan), else uPlot's handler result. */
  mousedown: (u: uPlot, e: MouseEvent, handler: (e: MouseEvent) => null) => null;
  dblclick: () => void;
  draw: (u: uPlot) => void;
  setSelect: (u: uPlot) => void;
  setCursor: (u: uPlot) => void;
}

/** uPlot draws lines through our path builder, which follows step order whatever the x order. */
function pathFor(slots: Slot[], slotIndex: number): uPlot.Series.PathBuilder {
  return (u) => {
    const slot = slots[slotIndex];
    const xs = u.scales.x;
    const [a, b] = visibleRange(slot.x, slot.sorted, xs.min ?? 0, xs.max ?? 1);
    const stroke = buildLinePath({
      x: slot.x,
      y: slot.y,
      from: a,
      to: b,
      xPos: (v) => u.valToPos(v, 'x', true),
      yPos: (v) => u.valToPos(v, 'y', true),
    });
    return {
      stroke,
      fill: null,
      clip: undefined,
      band: undefined,
      gaps: null,
      flags: 0,
    } as unknown as uPlot.Series.Paths;
  };
}

function relativeIncrs(): number[] {
  const out: number[] = [];
  for (const unit of [1, 60, 3600]) for (const m of [1, 2, 5, 10, 15, 30]) out.push(m * unit);
  for (let e = 0; e < 8; e++) out.push(24 * 3600 * 10 ** e);
  return out.sort((a, b) => a - b);
}

function xAxisOptions(o: LineChartOptions, k: number, axisFont: string): uPlot.Axis {
  const c = o.colors;
  const isTime = o.xKind === 'time';
  const xAxis: uPlot.Axis = {
    stroke: c.text,
    font: axisFont,
    grid: { stroke: c.grid, width: k },
    ticks: { stroke: c.axis, width: k, size: 4 * k },
    space: (isTime ? 90 : 60) * k,
    gap: 5 * k,
    // Tick labels, then the title below them.
    size: 28 * k,
    label: o.xTitle || undefined,
    labelSize: o.xTitle ? 18 * k : 0,
    labelFont: axisFont,
    labelGap: 0,
  };
  if (o.xKind === 'step') {
    xAxis.incrs = INTEGER_INCRS;
    xAxis.values = (_u, splits) => splits.map((v) => formatInt(v));
  } else if (o.xKind === 'metric' && xDistrOf(o) === 1) {
    xAxis.values = (_u, splits) => splits.map((v) => formatValue(v));
  } else if (o.xKind === 'relative') {
    xAxis.values = (u, splits) => {
      const span = (u.scales.x.max ?? 1) - (u.scales.x.min ?? 0);
      return splits.map((v) => formatRelative(v, span));
    };
    xAxis.incrs = relativeIncrs();
  }
  return xAxis;
}

function yAxisOptions(o: LineChartOptions, k: number, axisFont: string): uPlot.Axis {
  const c = o.colors;
  return {
    stroke: c.text,
    font: axisFont,
    grid: { stroke: c.grid, width: k },
    ticks: { stroke: c.axis, width: k, size: 4 * k },
    gap: 5 * k,
    space: 30 * k,
    values: (_u, splits) => splits.map((v) => (v === null ? '' : formatValue(v))),
    size: (_u, values) => {
      if (!values) return 48 * k;
      let longest = 0;
      for (const v of values) if (v && v.length > longest) longest = v.length;
      return Math.max(40, Math.ceil(longest * CHAR_PX) + 14) * k;
    },
  };
}

/** Approximate width of a tick label in CSS px at the 11 px axis font (as the y axis sizes itself). */
const CHAR_PX = 6.6;

/**
 * The right padding: room for half the last x tick label, which is centred on its tick and may sit on
 * the plot's right edge ("5,000" at the end of a 5,000-step run), and never less than 14 px.
 */
function rightPadding(u: uPlot, k: number): number {
  const values = (u.axes[0] as { _values?: Array<string | number | null> | null })._values;
  const last = values?.[values.length - 1];
  const half = last === null || last === undefined ? 0 : Math.ceil((String(last).length * CHAR_PX) / 2) + 2;
  return Math.max(14, half) * k;
}

function xDistrOf(o: LineChartOptions): number {
  if (o.xKind === 'time' || o.xKind === 'relative') return 1;
  return o.xScale === 'log' ? 3 : o.xScale === 'symlog' ? 4 : 1;
}

/** The uPlot options of a chart drawing `slots` with display options `o`. */
export function buildLineChartOptions(
  o: LineChartOptions,
  slots: Slot[],
  wiring: OptionsWiring,
): uPlot.Options {
  const yDistr = o.yScale === 'log' ? 3 : o.yScale === 'symlog' ? 4 : 1;
  const k = o.pixelScale ?? 1;
  const lw = o.lineWidth * k;
  // uPlot scales widths by the screen's pixel ratio but not dash lengths.
  const dashOf = (d: number[]) => d.map((v) => v * k * uPlot.pxRatio);

  const seriesOpts: uPlot.Series[] = [{}];
  slots.forEach((slot, i) => {
    seriesOpts.push({
      label: slot.src.label,
      stroke: slot.src.color,
      width: slot.isRaw ? lw / 2 : lw * (slot.src.widthScale ?? 1),
      dash: dashOf(slot.src.dash),
      paths: pathFor(slots, i),
      points: { show: false },
      spanGaps: false,
    });
  });

  const axisFont = `${11 * k}px system-ui, -apple-system, "Segoe UI", sans-serif`;
  return {
    width: o.width,
    height: o.height,
    legend: { show: false },
    padding: [10 * k, (u) => rightPadding(u, k), 0, 4 * k],
    scales: {
      x: {
        time: o.xKind === 'time',
        auto: false,
        distr: xDistrOf(o) as uPlot.Scale.Distr,
        log: 10,
        asinh: o.asinhLinthresh,
        range: wiring.xRange,
      },
      y: {
        auto: true,
        distr: yDistr as uPlot.Scale.Distr,
        log: 10,
        asinh: o.asinhLinthresh,
        range: wiring.yRange,
      },
    },
    axes: [xAxisOptions(o, k, axisFont), yAxisOptions(o, k, axisFont)],
    series: seriesOpts,
    cursor: {
      x: true,
      y: true,
      points: { show: false },
      drag: { x: true, y: false, setScale: false, dist: 4 },
      dataIdx: (_u, _si, ci) => ci,
      bind: {
        mousedown: (u, _t, handler) => (e: MouseEvent) => wiring.mousedown(u, e, handler),
        dblclick: () => () => {
          wiring.dblclick();
          return null;
        },
      },
    },
    select: { show: true, left: 0, top: 0, width: 0, height: 0 },
    hooks: {
      draw: [wiring.draw],
      setSelect: [wiring.setSelect],
      setCursor: [wiring.setCursor],
    },
  };
}
