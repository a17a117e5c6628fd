/**
 * The maths of a cell heatmap (tensor slices, docs/ui.md#tensor-cards): the colour of each value, where to
 * put index ticks, and whether the cells are big enough to print their values.
 */
import { relativeLuminance } from '@kohakuboard/series';
import { colormapLut } from './colormaps';

export interface ValueRange {
  lo: number;
  hi: number;
}

/** The finite minimum and maximum, or null when no value is finite. */
export function finiteRange(values: ArrayLike<number>): ValueRange | null {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isFinite(x)) continue;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return Number.isFinite(lo) ? { lo, hi } : null;
}

/** The colour-scale range: symmetric around 0 on a diverging scale, so 0 sits in the middle. */
export function scaleRange(range: ValueRange, diverging: boolean): ValueRange {
  if (!diverging) return range;
  const m = Math.max(Math.abs(range.lo), Math.abs(range.hi)) || 1;
  return { lo: -m, hi: m };
}

/** Non-finite cells are drawn magenta, a colour no scale uses. */
const NON_FINITE: [number, number, number] = [255, 0, 255];

/** RGBA pixels of a rows × cols grid (row-major values), one pixel per cell. */
export function paintCells(
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  scale: string,
  range: ValueRange,
): Uint8ClampedArray<ArrayBuffer> {
  const lut = colormapLut(scale);
  const out = new Uint8ClampedArray(rows * cols * 4);
  const span = range.hi - range.lo;
  for (let i = 0; i < rows * cols; i++) {
    const x = values[i];
    const p = i * 4;
    out[p + 3] = 255;
    if (!Number.isFinite(x)) {
      [out[p], out[p + 1], out[p + 2]] = NON_FINITE;
      continue;
    }
    const t = span > 0 ? (x - range.lo) / span : 0.5;
    const k = Math.round(Math.max(0, Math.min(1, t)) * 255) * 3;
    out[p] = lut[k];
    out[p + 1] = lut[k + 1];
    out[p + 2] = lut[k + 2];
  }
  return out;
}

const NICE = [1, 2, 5];

/**
 * Which of `count` cells, each `cellPx` wide, get a tick label so that labels are at least `minGapPx`
 * apart: every 1st, 2nd, 5th, 10th… cell, starting at 0.
 */
export function tickCells(count: number, cellPx: number, minGapPx: number): number[] {
  if (count <= 0 || cellPx <= 0) return [];
  let every = 1;
  search: for (let mag = 1; mag <= 1e9; mag *= 10) {
    for (const m of NICE) {
      every = m * mag;
      if (every * cellPx >= minGapPx) break search;
    }
  }
  const out: number[] = [];
  for (let k = 0; k < count; k += every) out.push(k);
  return out;
}

/** Black or white, whichever reads better on an RGB background. */
export function textColorOn(r: number, g: number, b: number): string {
  return relativeLuminance({ r, g, b }) > 0.179 ? '#000000' : '#ffffff';
}
