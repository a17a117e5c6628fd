/**
 * Zoom and pan of a line chart (docs/ui.md#chart-interaction, docs/ui.md#keyboard): drag selects an x range, Shift-drag an x-and-y
 * box, Alt-drag pans, Ctrl/⌘+wheel zooms around the cursor, and a focused chart takes ←/→ (cursor by
 * one point), Shift+←/→ (pan), +/− (zoom) and 0 (reset). Every change redraws from held data.
 */
import uPlot from 'uplot';
import type { Slot } from './line-chart-types';
import { nearestIndex } from './line-path';

/** What the interactions change on the chart. */
export interface ChartView {
  currentX(): [number, number];
  readonly yWindow: [number, number] | null;
  /** A user zoom: sets the window, redraws and reports it. */
  zoomTo(min: number, max: number, yWin?: [number, number] | null): void;
  /** Sets the x window and redraws without reporting it (during a drag). */
  showWindow(min: number, max: number): void;
  /** Reports the window shown (a drag ended). */
  reportWindow(): void;
  resetView(): void;
  /** The first line that is not a dimmed original: the keyboard cursor walks its points. */
  firstLine(): Slot | undefined;
  /** Places the cursor at data x `x` (exact, where pixel positions round). */
  pinCursor(x: number, pos: { left: number; top: number }): void;
}

export class ChartInteraction {
  private shiftDrag = false;
  private keyCursorIndex = -1;
  /** The cursor position the keyboard left, to tell whether the mouse moved it since. */
  private keyCursorLeft: number | null = null;

  constructor(private readonly view: ChartView) {}

  /** uPlot's mousedown: Alt starts a pan (handled here), Shift makes the selection a box. */
  mousedown(u: uPlot, e: MouseEvent, handler: (e: MouseEvent) => null): null {
    if (e.altKey) {
      this.startPan(u, e);
      return null;
    }
    this.shiftDrag = e.shiftKey;
    if (u.cursor.drag) u.cursor.drag.y = e.shiftKey;
    return handler(e);
  }

  /** A finished drag selection zooms to it. */
  onSelect(u: uPlot): void {
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
    this.view.zoomTo(min, max, yWin);
  }

  /** Ctrl/⌘ + wheel zooms x around the cursor; a plain wheel scrolls the page. Returns the detach. */
  attachWheel(u: uPlot): () => void {
    const onWheel = (e: WheelEvent) => {
      if (!(e.ctrlKey || e.metaKey)) return;
      e.preventDefault();
      const rect = u.over.getBoundingClientRect();
      const at = u.posToVal(e.clientX - rect.left, 'x');
      const [min, max] = this.view.currentX();
      const f = e.deltaY < 0 ? 0.8 : 1.25;
      this.view.zoomTo(at - (at - min) * f, at + (max - at) * f);
    };
    u.over.addEventListener('wheel', onWheel, { passive: false });
    return () => u.over.removeEventListener('wheel', onWheel);
  }

  private startPan(u: uPlot, e: MouseEvent): void {
    e.preventDefault();
    const [min, max] = this.view.currentX();
    const start = { x: e.clientX, posMin: u.valToPos(min, 'x'), posMax: u.valToPos(max, 'x') };
    const move = (ev: MouseEvent) => {
      const dx = ev.clientX - start.x;
      this.view.showWindow(u.posToVal(start.posMin - dx, 'x'), u.posToVal(start.posMax - dx, 'x'));
    };
    const up = () => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
      this.view.reportWindow();
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
  }

  /** Pans by a pixel offset (scripted panning in benchmarks uses the same path as Alt-drag). */
  panByPixels(u: uPlot, dx: number): void {
    const [min, max] = this.view.currentX();
    this.view.showWindow(
      u.posToVal(u.valToPos(min, 'x') - dx, 'x'),
      u.posToVal(u.valToPos(max, 'x') - dx, 'x'),
    );
  }

  /** Keyboard control of a focused chart. Returns true when handled. */
  handleKey(u: uPlot, e: KeyboardEvent): boolean {
    const [min, max] = this.view.currentX();
    const span = max - min;
    if (e.key === '0') {
      this.view.resetView();
      return true;
    }
    if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && e.shiftKey) {
      const d = (e.key === 'ArrowLeft' ? -0.1 : 0.1) * span;
      this.view.zoomTo(min + d, max + d, this.view.yWindow);
      return true;
    }
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      this.stepCursor(u, e.key === 'ArrowLeft' ? -1 : 1);
      return true;
    }
    if (e.key === '+' || e.key === '=' || e.key === '-') {
      const centre =
        u.cursor.left !== undefined && u.cursor.left >= 0 ? u.posToVal(u.cursor.left, 'x') : (min + max) / 2;
      const f = e.key === '-' ? 1.25 : 0.8;
      this.view.zoomTo(centre - (centre - min) * f, centre + (max - centre) * f);
      return true;
    }
    return false;
  }

  /**
   * Moves the cursor by one point of the first series, in step order. It starts from where the mouse
   * left the cursor, keeps the point in view, and the tooltip and hover sync follow.
   */
  private stepCursor(u: uPlot, delta: number): void {
    const slot = this.view.firstLine();
    if (!slot) return;
    const n = slot.x.length;
    const left = u.cursor.left ?? -1;
    const movedByMouse = left >= 0 && left !== this.keyCursorLeft;
    let i = this.keyCursorIndex;
    if (i < 0 || i >= n || movedByMouse) {
      const [min, max] = this.view.currentX();
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
    const [min, max] = this.view.currentX();
    if (xv < min || xv > max) {
      const half = (max - min) / 2;
      this.view.zoomTo(xv - half, xv + half, this.view.yWindow);
    }
    const yv = slot.y[i];
    this.view.pinCursor(xv, {
      left: u.valToPos(xv, 'x'),
      top: Number.isFinite(yv) ? u.valToPos(yv, 'y') : u.bbox.height / uPlot.pxRatio / 2,
    });
    this.keyCursorLeft = u.cursor.left ?? null;
  }
}
