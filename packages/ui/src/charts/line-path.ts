/**
 * Path builder for one line series with its own x array (docs/ui.md#chart-interaction): points are joined in
 * step (array) order, so the line may run backwards along x; NaN breaks the line. Points that fall in
 * one pixel column are reduced to that column's extent, so a series of any length costs at most a
 * few segments per pixel.
 */

export interface LinePathInput {
  x: Float64Array;
  y: Float64Array;
  /** Index range to draw (inclusive). */
  from: number;
  to: number;
  /** Value → canvas pixel. */
  xPos: (v: number) => number;
  yPos: (v: number) => number;
}

export function buildLinePath({ x, y, from, to, xPos, yPos }: LinePathInput): Path2D {
  const path = new Path2D();
  let pen = false;
  let colX = Number.NaN;
  let colMin = 0;
  let colMax = 0;
  let lastY = 0;
  let atY = 0;
  for (let i = from; i <= to; i++) {
    const yv = y[i];
    const xv = x[i];
    if (Number.isNaN(yv) || Number.isNaN(xv)) {
      if (pen && atY !== lastY) path.lineTo(colX, lastY);
      pen = false;
      continue;
    }
    const px = Math.round(xPos(xv));
    const py = yPos(yv);
    if (!pen) {
      path.moveTo(px, py);
      pen = true;
      colX = px;
      colMin = colMax = lastY = atY = py;
      continue;
    }
    if (px === colX) {
      // Same pixel column: extend the column's vertical extent only.
      if (py < colMin) {
        colMin = py;
        path.lineTo(px, py);
        atY = py;
      } else if (py > colMax) {
        colMax = py;
        path.lineTo(px, py);
        atY = py;
      }
      lastY = py;
      continue;
    }
    if (atY !== lastY) path.lineTo(colX, lastY);
    path.lineTo(px, py);
    colX = px;
    colMin = colMax = lastY = atY = py;
  }
  if (pen && atY !== lastY) path.lineTo(colX, lastY);
  return path;
}

/** True when x is non-decreasing and has no NaN, so binary search applies. */
export function isSortedX(x: Float64Array): boolean {
  let prev = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!(v >= prev)) return false;
    prev = v;
  }
  return true;
}

/** First index whose x is ≥ v (x sorted ascending, NaN-free). */
export function lowerBound(x: Float64Array, v: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index range covering [min, max] plus one point on each side, so lines reach the edges. */
export function visibleRange(x: Float64Array, sorted: boolean, min: number, max: number): [number, number] {
  const n = x.length;
  if (n === 0) return [0, -1];
  if (!sorted) return [0, n - 1];
  const a = Math.max(0, lowerBound(x, min) - 1);
  const b = Math.min(n - 1, lowerBound(x, max));
  return [a, b];
}

/** Index of the point whose x is nearest v. */
export function nearestIndex(x: Float64Array, sorted: boolean, v: number): number {
  const n = x.length;
  if (n === 0) return -1;
  if (sorted) {
    const i = lowerBound(x, v);
    if (i <= 0) return 0;
    if (i >= n) return n - 1;
    return v - x[i - 1] <= x[i] - v ? i - 1 : i;
  }
  let best = -1;
  let bestD = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(x[i] - v);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}
