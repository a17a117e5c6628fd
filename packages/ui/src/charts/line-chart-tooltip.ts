/**
 * The unified tooltip's content (docs/ui.md#chart-interaction): for each series, the point nearest the cursor's x,
 * "—" when that point is more than 2 % of the visible span away; sorted by value, ten at most.
 */
import { formatNonFinite, KIND_NAN, KIND_NEG_INF, KIND_POS_INF } from '../api/nonfinite';
import type { XKind } from '../data/x-axis';
import { formatRelative, formatValue, formatX } from './format';
import type { HoverRow, Slot } from './line-chart-types';
import { nearestIndex } from './line-path';

export const TOOLTIP_MAX_ROWS = 10;

/** One row per drawn series (originals behind smoothed lines excluded), highest value first. */
export function hoverRows(slots: Slot[], xv: number, min: number, max: number): HoverRow[] {
  const tolerance = (max - min) * 0.02;
  const rows: HoverRow[] = [];
  for (const slot of slots) {
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
  return rows;
}

/** The x line of the tooltip: integers on step axes, units on relative time, dates on time axes. */
export function hoverXText(xv: number, kind: XKind, span: number): string {
  if (kind === 'relative') return formatRelative(xv, span);
  return formatX(kind === 'step' ? Math.round(xv) : xv, kind, span);
}
