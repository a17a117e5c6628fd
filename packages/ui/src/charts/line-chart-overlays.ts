/**
 * What the line chart draws over its lines in a uPlot draw hook, without touching the y range: the
 * non-finite markers (docs/ui.md#non-finite-markers: ○ NaN at the top, ▲ +Inf at the top, ▼ −Inf at the bottom) and
 * point markers, which sparse series get even when markers are off.
 */
import uPlot from 'uplot';
import { KIND_NAN, KIND_NEG_INF, KIND_POS_INF } from '../api/nonfinite';
import type { Slot } from './line-chart-types';
import { visibleRange } from './line-path';

/** A series shown with so few points (say an eval metric logged once per epoch) is drawn with point
 * markers even when markers are off: a lone point would otherwise not show at all. Comparisons of many
 * runs are left as lines: dots of hundreds of series would only clutter them, and cost draw time. */
const SPARSE_POINTS = 50;
const SPARSE_MAX_SERIES = 20;
const SPARSE_PX_PER_POINT = 10;

export function isSparse(visiblePoints: number, plotWidthCss: number): boolean {
  return (
    visiblePoints > 0 && visiblePoints <= SPARSE_POINTS && visiblePoints * SPARSE_PX_PER_POINT <= plotWidthCss
  );
}

export interface OverlayOptions {
  /** The visible x window. */
  xmin: number;
  xmax: number;
  showMarkers: boolean;
  lineWidth: number;
  /** Export scale of every CSS size (1 on screen). */
  pixelScale: number;
}

function drawNonFiniteMarker(
  ctx: CanvasRenderingContext2D,
  kind: number,
  px: number,
  bbox: { top: number; height: number },
  size: number,
  pr: number,
): void {
  const { top, height } = bbox;
  ctx.beginPath();
  if (kind === KIND_NAN) {
    ctx.arc(px, top + size + pr, size * 0.8, 0, Math.PI * 2);
    ctx.stroke();
    return;
  }
  const y0 = kind === KIND_POS_INF ? top + pr : top + height - pr;
  const dy = kind === KIND_POS_INF ? size * 1.6 : -size * 1.6;
  ctx.moveTo(px, y0);
  ctx.lineTo(px - size, y0 + dy);
  ctx.lineTo(px + size, y0 + dy);
  ctx.closePath();
  ctx.fill();
}

export function drawOverlays(u: uPlot, slots: Slot[], o: OverlayOptions): void {
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const pr = uPlot.pxRatio * o.pixelScale;
  const size = 5 * pr;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  const fewSeries = slots.length <= SPARSE_MAX_SERIES;
  slots.forEach((slot, si) => {
    if (slot.isRaw) return;
    const s = slot.src;
    ctx.globalAlpha = u.series[si + 1].alpha ?? 1;
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = 1.5 * pr;
    const [a, b] = visibleRange(slot.x, slot.sorted, o.xmin, o.xmax);
    if (s.kinds) {
      const kinds = s.kinds;
      for (let i = a; i <= b; i++) {
        const k = kinds[i];
        if (k !== KIND_NAN && k !== KIND_POS_INF && k !== KIND_NEG_INF) continue;
        const xv = slot.x[i];
        if (!(xv >= o.xmin && xv <= o.xmax)) continue;
        drawNonFiniteMarker(ctx, k, u.valToPos(xv, 'x', true), { top, height }, size, pr);
      }
    }
    if ((o.showMarkers && b - a < width / (6 * pr)) || (fewSeries && isSparse(b - a + 1, width / pr))) {
      const r = Math.max(2, o.lineWidth + 1) * pr;
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
