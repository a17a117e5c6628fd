/**
 * A line chart on uPlot (UI.md §6.2): every series keeps its own x array, drawn in step order by
 * our path builder; uPlot supplies scales, axes, the crosshair and drag selection. Zoom, pan,
 * tooltips, hover sync and the non-finite markers are handled here, from the data the chart holds,
 * so an interaction never waits for the network.
 */
import uPlot from 'uplot';
import { formatNonFinite, KIND_NAN, KIND_NEG_INF, KIND_POS_INF } from '../api/nonfinite';
import type { XKind } from '../data/x-axis';
import type { Range, ScaleType } from '../layout/types';
import { joinHoverGroup, publishHover } from '../state/hover-sync';
import { formatInt, formatRelative, formatValue, formatX, INTEGER_INCRS, relativeUnit } from './format';
import { buildLinePath, isSortedX, nearestIndex, visibleRange } from './line-path';
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
  /** UI.md §6.1 point codes, for the non-finite markers and tooltip. */
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

interface Slot {
  src: ChartSeries;
  x: Float64Array;
  y: Float64Array;
  sorted: boolean;
  isRaw: boolean;
}

let chartSeq = 0;

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

export class LineChart {
  readonly id = `chart-${++chartSeq}`;
  private u: uPlot | null = null;
  private slots: Slot[] = [];
  private series: ChartSeries[] = [];
  private fullX: [number, number] = [0, 1];
  private xWindow: [number, number] | null = null;
  private yWindow: [number, number] | null = null;
  private hiddenNonPositive = 0;
  private emphasized: string | null = null;
  private syncing = false;
  private leaveSync: (() => void) | null = null;
  private keyCursorIndex = -1;
  /** The cursor position the keyboard left, to tell whether the mouse moved it since. */
  private keyCursorLeft: number | null = null;
  /** The exact x of a cursor placed by the keyboard or by hover sync (pixel positions round). */
  private pinnedX: number | null = null;
  private panStart: { x: number; min: number; max: number; posMin: number; posMax: number } | null = null;
  private shiftDrag = false;
  private readonly detach: Array<() => void> = [];

  constructor(
    private readonly host: HTMLElement,
    private opts: LineChartOptions,
    private readonly cb: ChartCallbacks,
  ) {}

  /** Points ≤ 0 hidden by a log y axis (the "N points ≤ 0 hidden" badge). */
  get hiddenCount(): number {
    return this.hiddenNonPositive;
  }

  get zoomed(): boolean {
    return this.xWindow !== null || this.yWindow !== null;
  }

  get window(): [number, number] | null {
    return this.xWindow;
  }

  /** Replaces the data; keeps the zoom. Rebuilds the uPlot instance only when the series set changed. */
  setSeries(series: ChartSeries[]): void {
    const sameShape =
      this.u !== null &&
      series.length === this.series.length &&
      series.every((s, i) => {
        const old = this.series[i];
        return (
          old.key === s.key &&
          old.color === s.color &&
          (old.raw === null) === (s.raw === null) &&
          old.dash.join() === s.dash.join() &&
          old.label === s.label
        );
      });
    this.series = series;
    this.prepare();
    if (sameShape && this.u) {
      this.applyX();
      this.notifyDrawn();
    } else {
      this.rebuild();
    }
  }

  /** Reports a draw once uPlot's queued redraw (a microtask) has run. */
  private notifyDrawn(): void {
    queueMicrotask(() => {
      if (this.u) this.cb.onDrawn();
    });
  }

  /** New display options (scales, ranges, theme, size): rebuilds from the held data, no refetch. */
  setOptions(opts: LineChartOptions): void {
    const sizeOnly =
      this.u !== null &&
      Object.keys(opts).every(
        (k) =>
          k === 'width' ||
          k === 'height' ||
          opts[k as keyof LineChartOptions] === this.opts[k as keyof LineChartOptions],
      );
    const old = this.opts;
    this.opts = opts;
    if (sizeOnly && this.u) {
      if (old.width !== opts.width || old.height !== opts.height)
        this.u.setSize({ width: opts.width, height: opts.height });
      return;
    }
    if (old.xScale !== opts.xScale || old.xKind !== opts.xKind) this.xWindow = null;
    if (old.yScale !== opts.yScale) this.yWindow = null;
    this.prepare();
    this.rebuild();
  }

  setEmphasis(group: string | null): void {
    if (this.emphasized === group) return;
    this.emphasized = group;
    if (!this.u) return;
    this.applyAlpha();
    this.u.redraw(false);
  }

  resetView(): void {
    const had = this.xWindow !== null;
    this.xWindow = null;
    this.yWindow = null;
    this.applyX();
    if (had) this.cb.onWindow(null);
  }

  zoomTo(min: number, max: number, yWin: [number, number] | null = null): void {
    if (!(max > min)) return;
    this.xWindow = [min, max];
    this.yWindow = yWin;
    this.applyX();
    this.cb.onWindow({ min, max });
  }

  destroy(): void {
    this.leaveSync?.();
    this.leaveSync = null;
    for (const d of this.detach.splice(0)) d();
    this.u?.destroy();
    this.u = null;
  }

  /** The chart canvas (for tests and export). */
  canvas(): HTMLCanvasElement | null {
    return this.u?.ctx.canvas ?? null;
  }

  /** Keyboard control of a focused chart (UI.md §16.1). Returns true when handled. */
  handleKey(e: KeyboardEvent): boolean {
    const u = this.u;
    if (!u) return false;
    const [min, max] = this.currentX();
    const span = max - min;
    if (e.key === '0') {
      this.resetView();
      return true;
    }
    if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && e.shiftKey) {
      const d = (e.key === 'ArrowLeft' ? -0.1 : 0.1) * span;
      this.zoomTo(min + d, max + d, this.yWindow);
      return true;
    }
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      this.stepCursor(e.key === 'ArrowLeft' ? -1 : 1);
      return true;
    }
    if (e.key === '+' || e.key === '=' || e.key === '-') {
      const centre =
        u.cursor.left !== undefined && u.cursor.left >= 0 ? u.posToVal(u.cursor.left, 'x') : (min + max) / 2;
      const f = e.key === '-' ? 1.25 : 0.8;
      this.zoomTo(centre - (centre - min) * f, centre + (max - centre) * f);
      return true;
    }
    return false;
  }

  /**
   * Moves the cursor by one point of the first series, in step order (UI.md §16.1). It starts from
   * where the mouse left the cursor, keeps the point in view, and the tooltip and hover sync follow.
   */
  private stepCursor(delta: number): void {
    const u = this.u;
    const slot = this.slots.find((s) => !s.isRaw && s.x.length > 0);
    if (!u || !slot) return;
    const n = slot.x.length;
    const left = u.cursor.left ?? -1;
    const movedByMouse = left >= 0 && left !== this.keyCursorLeft;
    let i = this.keyCursorIndex;
    if (i < 0 || i >= n || movedByMouse) {
      const [min, max] = this.currentX();
      const at = left >= 0 ? u.posToVal(left, 'x') : (min + max) / 2;
      i = nearestIndex(slot.x, slot.sorted, at);
    } else {
      i = Math.max(0, Math.min(n - 1, i + delta));
    }
    // Skip points without an x (a forward-filled metric axis before its first value).
    while (i > 0 && i < n - 1 && Number.isNaN(slot.x[i])) i += delta;
    this.keyCursorIndex = i;
    const xv = slot.x[i];
    if (!Number.isFinite(xv)) return;
    const [min, max] = this.currentX();
    if (xv < min || xv > max) {
      const half = (max - min) / 2;
      this.zoomTo(xv - half, xv + half, this.yWindow);
    }
    const yv = slot.y[i];
    const pos = {
      left: u.valToPos(xv, 'x'),
      top: Number.isFinite(yv) ? u.valToPos(yv, 'y') : u.bbox.height / uPlot.pxRatio / 2,
    };
    this.pinnedX = xv;
    u.setCursor(pos);
    this.keyCursorLeft = u.cursor.left ?? null;
  }

  /**
   * Renders the chart off-screen at `width` × `height` CSS px and device-pixel ratio `dpr`, with the
   * current zoom and theme, and returns its canvas (Export PNG, UI.md §6.10). uPlot reads the screen's
   * ratio, so the render is made at width × dpr / screen ratio with every CSS size scaled alike.
   */
  renderOffscreen(width: number, height: number, dpr = 2): HTMLCanvasElement | null {
    const scale = dpr / uPlot.pxRatio;
    const w = Math.round(width * scale);
    const h = Math.round(height * scale);
    const holder = document.createElement('div');
    holder.style.cssText = `position:fixed;left:-100000px;top:0;width:${w}px;height:${h}px;`;
    document.body.appendChild(holder);
    const clone = new LineChart(
      holder,
      { ...this.opts, width: w, height: h, syncKey: null, pixelScale: scale },
      {
        onHover: () => {},
        onWindow: () => {},
        onDrawn: () => {},
      },
    );
    clone.xWindow = this.xWindow;
    clone.yWindow = this.yWindow;
    clone.setSeries(this.series);
    const canvas = clone.canvas();
    const copy = canvas ? document.createElement('canvas') : null;
    if (canvas && copy) {
      copy.width = canvas.width;
      copy.height = canvas.height;
      const ctx = copy.getContext('2d');
      ctx?.drawImage(canvas, 0, 0);
    }
    clone.destroy();
    holder.remove();
    return copy;
  }

  // ---- internals ----

  private prepare(): void {
    const logY = this.opts.yScale === 'log';
    const logX = this.opts.xScale === 'log' && (this.opts.xKind === 'step' || this.opts.xKind === 'metric');
    const slots: Slot[] = [];
    let hidden = 0;
    const fx: [number, number] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (const s of this.series) {
      let x = s.x;
      if (logX) x = dropNonPositive(x).out;
      const sorted = isSortedX(x);
      finiteExtent(x, logX, fx);
      if (s.raw && this.opts.showOriginal) {
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
    this.fullX = fx;
    this.slots = slots;
    this.hiddenNonPositive = hidden;
  }

  private currentX(): [number, number] {
    const r = this.opts.xRange;
    if (this.xWindow) return this.xWindow;
    if (!r.auto && r.min !== null && r.max !== null && r.max > r.min) return [r.min, r.max];
    return this.fullX;
  }

  private currentY(): [number, number] {
    if (this.yWindow) return this.yWindow;
    const r = this.opts.yRange;
    if (!r.auto && r.min !== null && r.max !== null && r.max > r.min) return [r.min, r.max];
    const [xmin, xmax] = this.currentX();
    const acc: [number, number] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    const logY = this.opts.yScale === 'log';
    for (const slot of this.slots) {
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
    if (this.opts.yScale === 'symlog') return uPlot.rangeAsinh(acc[0], acc[1], 10, false) as [number, number];
    if (acc[0] === acc[1]) {
      const pad = Math.abs(acc[0]) * 0.1 || 1;
      return [acc[0] - pad, acc[1] + pad];
    }
    const pad = (acc[1] - acc[0]) * 0.05;
    return [acc[0] - pad, acc[1] + pad];
  }

  /** Sets the x scale to the current window; uPlot then re-ranges y and rebuilds every path. */
  private applyX(): void {
    if (!this.u) return;
    const [min, max] = this.currentX();
    this.u.batch(() => {
      this.u?.setScale('x', { min, max });
      const [ymin, ymax] = this.currentY();
      this.u?.setScale('y', { min: ymin, max: ymax });
    });
  }

  private applyAlpha(): void {
    const u = this.u;
    if (!u) return;
    this.slots.forEach((slot, i) => {
      const base = slot.isRaw ? 0.3 : 1;
      const dim = this.emphasized !== null && slot.src.group !== this.emphasized ? 0.25 : 1;
      u.series[i + 1].alpha = base * dim;
    });
  }

  private rebuild(): void {
    const keepCursorSync = this.opts.syncKey;
    this.destroy();
    const o = this.opts;
    const c = o.colors;
    const isTime = o.xKind === 'time';
    const stepLike = o.xKind === 'step';
    const xDistr =
      isTime || o.xKind === 'relative' ? 1 : o.xScale === 'log' ? 3 : o.xScale === 'symlog' ? 4 : 1;
    const yDistr = o.yScale === 'log' ? 3 : o.yScale === 'symlog' ? 4 : 1;
    const k = o.pixelScale ?? 1;
    const lw = o.lineWidth * k;
    // uPlot scales widths by the screen's pixel ratio but not dash lengths.
    const dashOf = (d: number[]) => d.map((v) => v * k * uPlot.pxRatio);

    const pathFor =
      (slotIndex: number): uPlot.Series.PathBuilder =>
      (u) => {
        const slot = this.slots[slotIndex];
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

    const seriesOpts: uPlot.Series[] = [{}];
    this.slots.forEach((slot, i) => {
      seriesOpts.push({
        label: slot.src.label,
        stroke: slot.src.color,
        width: slot.isRaw ? lw / 2 : lw * (slot.src.widthScale ?? 1),
        dash: dashOf(slot.src.dash),
        paths: pathFor(i),
        points: { show: false },
        spanGaps: false,
      });
    });

    const axisFont = `${11 * k}px system-ui, -apple-system, "Segoe UI", sans-serif`;
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
    if (stepLike || (o.xKind === 'metric' && xDistr === 1)) {
      if (stepLike) {
        xAxis.incrs = INTEGER_INCRS;
        xAxis.values = (_u, splits) => splits.map((v) => formatInt(v));
      } else {
        xAxis.values = (_u, splits) => splits.map((v) => formatValue(v));
      }
    } else if (o.xKind === 'relative') {
      xAxis.values = (u, splits) => {
        const span = (u.scales.x.max ?? 1) - (u.scales.x.min ?? 0);
        return splits.map((v) => formatRelative(v, span));
      };
      xAxis.incrs = (() => {
        const out: number[] = [];
        for (const unit of [1, 60, 3600]) for (const m of [1, 2, 5, 10, 15, 30]) out.push(m * unit);
        for (let e = 0; e < 8; e++) out.push(24 * 3600 * 10 ** e);
        return out.sort((a, b) => a - b);
      })();
    }
    const yAxis: uPlot.Axis = {
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
        return Math.max(40, Math.ceil(longest * 6.6) + 14) * k;
      },
    };

    const uopts: uPlot.Options = {
      width: o.width,
      height: o.height,
      legend: { show: false },
      padding: [10 * k, 14 * k, 0, 4 * k],
      scales: {
        x: {
          time: isTime,
          auto: false,
          distr: xDistr as uPlot.Scale.Distr,
          log: 10,
          asinh: o.asinhLinthresh,
          range: () => this.currentX(),
        },
        y: {
          auto: true,
          distr: yDistr as uPlot.Scale.Distr,
          log: 10,
          asinh: o.asinhLinthresh,
          range: () => this.currentY(),
        },
      },
      axes: [xAxis, yAxis],
      series: seriesOpts,
      cursor: {
        x: true,
        y: true,
        points: { show: false },
        drag: { x: true, y: false, setScale: false, dist: 4 },
        dataIdx: (_u, _si, ci) => ci,
        bind: {
          mousedown: (u, _t, handler) => (e: MouseEvent) => {
            if (e.altKey) {
              this.startPan(e);
              return null;
            }
            this.shiftDrag = e.shiftKey;
            u.cursor.drag!.y = e.shiftKey;
            return handler(e);
          },
          dblclick: () => () => {
            this.resetView();
            return null;
          },
        },
      },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      hooks: {
        draw: [(u) => this.drawOverlays(u)],
        setSelect: [(u) => this.onSelect(u)],
        setCursor: [(u) => this.onCursor(u)],
      },
    };

    const dummy: uPlot.AlignedData = [[0, 1], ...this.slots.map(() => [null, null] as (number | null)[])];
    const u = new uPlot(uopts, dummy, this.host);
    this.u = u;
    this.applyAlpha();
    this.applyX();

    // Ctrl/⌘ + wheel zooms x around the cursor; a plain wheel scrolls the page.
    const onWheel = (e: WheelEvent) => {
      if (!(e.ctrlKey || e.metaKey)) return;
      e.preventDefault();
      const rect = u.over.getBoundingClientRect();
      const pos = e.clientX - rect.left;
      const at = u.posToVal(pos, 'x');
      const [min, max] = this.currentX();
      const f = e.deltaY < 0 ? 0.8 : 1.25;
      const nmin = at - (at - min) * f;
      const nmax = at + (max - at) * f;
      this.zoomTo(nmin, nmax);
    };
    u.over.addEventListener('wheel', onWheel, { passive: false });
    const onLeave = () => {
      this.pinnedX = null;
      if (this.opts.syncKey) publishHover(this.opts.syncKey, null, this.id);
    };
    const onMove = () => {
      this.pinnedX = null;
    };
    u.over.addEventListener('mouseleave', onLeave);
    u.over.addEventListener('mousemove', onMove);
    this.detach.push(() => {
      u.over.removeEventListener('wheel', onWheel);
      u.over.removeEventListener('mouseleave', onLeave);
      u.over.removeEventListener('mousemove', onMove);
    });

    if (keepCursorSync) {
      this.leaveSync = joinHoverGroup(keepCursorSync, (x, source) => this.onSyncedHover(x, source));
    }
    this.notifyDrawn();
  }

  private startPan(e: MouseEvent): void {
    const u = this.u;
    if (!u) return;
    e.preventDefault();
    const [min, max] = this.currentX();
    this.panStart = { x: e.clientX, min, max, posMin: u.valToPos(min, 'x'), posMax: u.valToPos(max, 'x') };
    const move = (ev: MouseEvent) => {
      const p = this.panStart;
      if (!p || !this.u) return;
      const dx = ev.clientX - p.x;
      const nmin = this.u.posToVal(p.posMin - dx, 'x');
      const nmax = this.u.posToVal(p.posMax - dx, 'x');
      this.xWindow = [nmin, nmax];
      this.applyX();
    };
    const up = () => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
      this.panStart = null;
      if (this.xWindow) this.cb.onWindow({ min: this.xWindow[0], max: this.xWindow[1] });
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
  }

  /** Pans by a pixel offset (scripted panning in benchmarks uses the same path as Alt-drag). */
  panByPixels(dx: number): void {
    const u = this.u;
    if (!u) return;
    const [min, max] = this.currentX();
    const nmin = u.posToVal(u.valToPos(min, 'x') - dx, 'x');
    const nmax = u.posToVal(u.valToPos(max, 'x') - dx, 'x');
    this.xWindow = [nmin, nmax];
    this.applyX();
  }

  private onSelect(u: uPlot): void {
    const sel = u.select;
    if (sel.width < 3) return;
    const min = u.posToVal(sel.left, 'x');
    const max = u.posToVal(sel.left + sel.width, 'x');
    let yWin: [number, number] | null = null;
    if (this.shiftDrag && sel.height > 3) {
      const top = u.posToVal(sel.top, 'y');
      const bottom = u.posToVal(sel.top + sel.height, 'y');
      yWin = [Math.min(top, bottom), Math.max(top, bottom)];
    }
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    this.zoomTo(min, max, yWin);
  }

  private onSyncedHover(x: number | null, source: string): void {
    const u = this.u;
    if (!u || source === this.id) return;
    this.syncing = true;
    this.pinnedX = x;
    if (x === null) u.setCursor({ left: -10, top: -10 });
    else u.setCursor({ left: u.valToPos(x, 'x'), top: -10 });
    this.syncing = false;
    this.pinnedX = null;
  }

  private onCursor(u: uPlot): void {
    const left = u.cursor.left ?? -1;
    const synced = this.syncing;
    if (left < 0) {
      this.cb.onHover(null);
      return;
    }
    const xv = this.pinnedX ?? u.posToVal(left, 'x');
    if (!synced && this.opts.syncKey) publishHover(this.opts.syncKey, xv, this.id);
    const [min, max] = this.currentX();
    // A synced x outside this chart's view shows no tooltip here.
    if (synced && (xv < min || xv > max)) {
      this.cb.onHover(null);
      return;
    }
    const tolerance = (max - min) * 0.02;
    const rows: HoverRow[] = [];
    for (const slot of this.slots) {
      if (slot.isRaw) continue;
      const s = slot.src;
      const i = nearestIndex(slot.x, slot.sorted, xv);
      let text = '\u2014';
      let sortValue = Number.NEGATIVE_INFINITY;
      if (i >= 0 && Math.abs(slot.x[i] - xv) <= tolerance) {
        const kind = s.kinds ? s.kinds[i] : 0;
        if (kind === KIND_NAN || kind === KIND_POS_INF || kind === KIND_NEG_INF) {
          text = formatNonFinite(kind);
          sortValue = kind === KIND_POS_INF ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
        } else if (Number.isFinite(s.y[i])) {
          text = formatValue(s.y[i]);
          sortValue = s.y[i];
          if (s.raw && Number.isFinite(s.raw[i])) text += ` (${formatValue(s.raw[i])})`;
        }
      }
      rows.push({ key: s.key, label: s.label, color: s.color, dash: s.dash, text, sortValue });
    }
    rows.sort((a, b) => b.sortValue - a.sortValue);
    const shown = rows.slice(0, 10);
    const span = max - min;
    const xText =
      this.opts.xKind === 'relative'
        ? formatRelative(xv, span)
        : formatX(this.opts.xKind === 'step' ? Math.round(xv) : xv, this.opts.xKind, span);
    this.cb.onHover({
      left: left + u.over.offsetLeft,
      top: (synced ? u.bbox.height / uPlot.pxRatio / 3 : (u.cursor.top ?? 0)) + u.over.offsetTop,
      x: xText,
      rows: shown,
      more: rows.length - shown.length,
      synced,
    });
  }

  /** Non-finite markers (UI.md §6.4) and optional point markers, in a draw hook; they do not affect y ranges. */
  private drawOverlays(u: uPlot): void {
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    const pr = uPlot.pxRatio * (this.opts.pixelScale ?? 1);
    const size = 5 * pr;
    const [xmin, xmax] = this.currentX();
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    const fewSeries = this.slots.length <= SPARSE_MAX_SERIES;
    this.slots.forEach((slot, si) => {
      if (slot.isRaw) return;
      const s = slot.src;
      const alpha = u.series[si + 1].alpha ?? 1;
      ctx.globalAlpha = alpha;
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      ctx.lineWidth = 1.5 * pr;
      const [a, b] = visibleRange(slot.x, slot.sorted, xmin, xmax);
      if (s.kinds) {
        const kinds = s.kinds;
        for (let i = a; i <= b; i++) {
          const k = kinds[i];
          if (k !== KIND_NAN && k !== KIND_POS_INF && k !== KIND_NEG_INF) continue;
          const xv = slot.x[i];
          if (!(xv >= xmin && xv <= xmax)) continue;
          const px = u.valToPos(xv, 'x', true);
          if (k === KIND_NAN) {
            ctx.beginPath();
            ctx.arc(px, top + size + pr, size * 0.8, 0, Math.PI * 2);
            ctx.stroke();
          } else if (k === KIND_POS_INF) {
            const y0 = top + pr;
            ctx.beginPath();
            ctx.moveTo(px, y0);
            ctx.lineTo(px - size, y0 + size * 1.6);
            ctx.lineTo(px + size, y0 + size * 1.6);
            ctx.closePath();
            ctx.fill();
          } else {
            const y0 = top + height - pr;
            ctx.beginPath();
            ctx.moveTo(px, y0);
            ctx.lineTo(px - size, y0 - size * 1.6);
            ctx.lineTo(px + size, y0 - size * 1.6);
            ctx.closePath();
            ctx.fill();
          }
        }
      }
      if (
        (this.opts.showMarkers && b - a < width / (6 * pr)) ||
        (fewSeries && isSparse(b - a + 1, width / pr))
      ) {
        const r = Math.max(2, this.opts.lineWidth + 1) * pr;
        for (let i = a; i <= b; i++) {
          const yv = slot.y[i];
          if (Number.isNaN(yv)) continue;
          ctx.beginPath();
          ctx.arc(u.valToPos(slot.x[i], 'x', true), u.valToPos(yv, 'y', true), r, 0, Math.PI * 2);
          ctx.fill();
        }
      }
    });
    ctx.restore();
  }
}

/** A series shown with so few points (say an eval metric logged once per epoch) is drawn with point
 * markers even when markers are off: a lone point would otherwise not show at all. Comparisons of many
 * runs are left as lines: dots of hundreds of series would only clutter them, and cost draw time. */
const SPARSE_POINTS = 50;
const SPARSE_MAX_SERIES = 20;
const SPARSE_PX_PER_POINT = 10;
function isSparse(visiblePoints: number, plotWidthCss: number): boolean {
  return (
    visiblePoints > 0 && visiblePoints <= SPARSE_POINTS && visiblePoints * SPARSE_PX_PER_POINT <= plotWidthCss
  );
}

/** The unit of the relative-walltime axis, for its label. */
export function relativeAxisLabel(spanSeconds: number): string {
  return `Relative time (${relativeUnit(spanSeconds).suffix})`;
}
