/**
 * A line chart on uPlot (docs/ui.md#chart-interaction): every series keeps its own x array, drawn in step
 * order by our path builder; uPlot supplies scales, axes, the crosshair and drag selection. This class holds
 * the chart's state (data, zoom window, emphasis, hover sync) and wires the parts together: the
 * options builder (line-chart-options), the interactions (line-chart-interaction), the tooltip
 * (line-chart-tooltip) and the overlays (line-chart-overlays). An interaction never waits for the
 * network: it redraws from the data the chart holds.
 */
import uPlot from 'uplot';
import { joinHoverGroup, publishHover } from '../state/hover-sync';
import { ChartInteraction, type ChartView } from './line-chart-interaction';
import { autoYRange, buildLineChartOptions, prepareSlots } from './line-chart-options';
import { drawOverlays } from './line-chart-overlays';
import { hoverRows, hoverXText, TOOLTIP_MAX_ROWS } from './line-chart-tooltip';
import type { ChartCallbacks, ChartSeries, LineChartOptions, Slot } from './line-chart-types';

export type { ChartCallbacks, ChartSeries, HoverInfo, HoverRow, LineChartOptions } from './line-chart-types';

let chartSeq = 0;

export class LineChart implements ChartView {
  readonly id = `chart-${++chartSeq}`;
  private u: uPlot | null = null;
  private slots: Slot[] = [];
  private series: ChartSeries[] = [];
  private fullX: [number, number] = [0, 1];
  private xWindow: [number, number] | null = null;
  yWindow: [number, number] | null = null;
  private hiddenNonPositive = 0;
  private emphasized: string | null = null;
  private syncing = false;
  private leaveSync: (() => void) | null = null;
  /** The exact x of a cursor placed by the keyboard or by hover sync (pixel positions round). */
  private pinnedX: number | null = null;
  private readonly interaction = new ChartInteraction(this);
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

  showWindow(min: number, max: number): void {
    this.xWindow = [min, max];
    this.applyX();
  }

  reportWindow(): void {
    if (this.xWindow) this.cb.onWindow({ min: this.xWindow[0], max: this.xWindow[1] });
  }

  firstLine(): Slot | undefined {
    return this.slots.find((s) => !s.isRaw && s.x.length > 0);
  }

  pinCursor(x: number, pos: { left: number; top: number }): void {
    this.pinnedX = x;
    this.u?.setCursor(pos);
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

  /** Keyboard control of a focused chart (docs/ui.md#keyboard). Returns true when handled. */
  handleKey(e: KeyboardEvent): boolean {
    return this.u ? this.interaction.handleKey(this.u, e) : false;
  }

  /** Pans by a pixel offset (scripted panning in benchmarks uses the same path as Alt-drag). */
  panByPixels(dx: number): void {
    if (this.u) this.interaction.panByPixels(this.u, dx);
  }

  /**
   * Renders the chart off-screen at `width` × `height` CSS px and device-pixel ratio `dpr`, with the
   * current zoom and theme, and returns its canvas (Export PNG, docs/ui.md#export-png). uPlot reads the
   * screen's ratio, so the render is made at width × dpr / screen ratio with every CSS size scaled alike.
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
      { onHover: () => {}, onWindow: () => {}, onDrawn: () => {} },
    );
    clone.xWindow = this.xWindow;
    clone.yWindow = this.yWindow;
    clone.setSeries(this.series);
    const canvas = clone.canvas();
    const copy = canvas ? document.createElement('canvas') : null;
    if (canvas && copy) {
      copy.width = canvas.width;
      copy.height = canvas.height;
      copy.getContext('2d')?.drawImage(canvas, 0, 0);
    }
    clone.destroy();
    holder.remove();
    return copy;
  }

  // ---- internals ----

  private prepare(): void {
    const p = prepareSlots(this.series, this.opts);
    this.fullX = p.fullX;
    this.slots = p.slots;
    this.hiddenNonPositive = p.hidden;
  }

  currentX(): [number, number] {
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
    return autoYRange(this.slots, xmin, xmax, this.opts);
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
    const uopts = buildLineChartOptions(this.opts, this.slots, {
      xRange: () => this.currentX(),
      yRange: () => this.currentY(),
      mousedown: (u, e, handler) => this.interaction.mousedown(u, e, handler),
      dblclick: () => this.resetView(),
      draw: (u) => {
        const [xmin, xmax] = this.currentX();
        drawOverlays(u, this.slots, {
          xmin,
          xmax,
          showMarkers: this.opts.showMarkers,
          lineWidth: this.opts.lineWidth,
          pixelScale: this.opts.pixelScale ?? 1,
        });
      },
      setSelect: (u) => this.interaction.onSelect(u),
      setCursor: (u) => this.onCursor(u),
    });
    const dummy: uPlot.AlignedData = [[0, 1], ...this.slots.map(() => [null, null] as (number | null)[])];
    const u = new uPlot(uopts, dummy, this.host);
    this.u = u;
    this.applyAlpha();
    this.applyX();

    const onLeave = () => {
      this.pinnedX = null;
      if (this.opts.syncKey) publishHover(this.opts.syncKey, null, this.id);
    };
    const onMove = () => {
      this.pinnedX = null;
    };
    u.over.addEventListener('mouseleave', onLeave);
    u.over.addEventListener('mousemove', onMove);
    this.detach.push(this.interaction.attachWheel(u), () => {
      u.over.removeEventListener('mouseleave', onLeave);
      u.over.removeEventListener('mousemove', onMove);
    });

    if (keepCursorSync) {
      this.leaveSync = joinHoverGroup(keepCursorSync, (x, source) => this.onSyncedHover(x, source));
    }
    this.notifyDrawn();
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
    const rows = hoverRows(this.slots, xv, min, max);
    const shown = rows.slice(0, TOOLTIP_MAX_ROWS);
    this.cb.onHover({
      left: left + u.over.offsetLeft,
      top: (synced ? u.bbox.height / uPlot.pxRatio / 3 : (u.cursor.top ?? 0)) + u.over.offsetTop,
      x: hoverXText(xv, this.opts.xKind, max - min),
      rows: shown,
      more: rows.length - shown.length,
      synced,
    });
  }
}
