/**
 * The rows a tab's cards fall into, as the grid's flex-wrap lays them out (a card's width is a percentage
 * of the row; a row takes cards while their widths add up to at most 100 %, and is as tall as its
 * tallest card), so the grid can mount only the rows near the screen (docs/ui.md#virtualization) and stand in for the
 * others with their height.
 */

/** The gap between cards and between rows, in CSS px (the grid's `gap`). */
export const CARD_GAP = 12;

export interface CardRow {
  /** Index of the row's first card, and one past its last. */
  start: number;
  end: number;
  /** Offset of the row's top from the grid's top, in CSS px. */
  top: number;
  height: number;
}

export interface SizedCard {
  widthPercent: number;
  height: number;
}

/** Rows of `cards` in order; on a narrow screen (`singleColumn`) every card takes a row. */
export function packCardRows(cards: readonly SizedCard[], singleColumn: boolean): CardRow[] {
  const rows: CardRow[] = [];
  let top = 0;
  let i = 0;
  while (i < cards.length) {
    const start = i;
    let width = 0;
    let height = 0;
    do {
      width += singleColumn ? 100 : cards[i].widthPercent;
      height = Math.max(height, cards[i].height);
      i++;
    } while (i < cards.length && width + (singleColumn ? 100 : cards[i].widthPercent) <= 100 + 1e-7);
    rows.push({ start, end: i, top, height });
    top += height + CARD_GAP;
  }
  return rows;
}

/** Total height of the rows, gaps between them included. */
export function rowsHeight(rows: readonly CardRow[]): number {
  if (rows.length === 0) return 0;
  const last = rows[rows.length - 1];
  return last.top + last.height;
}

/**
 * The rows that meet the band [from, to] (grid coordinates, CSS px), as a half-open index range; the
 * first row when none does (an empty band above the grid).
 */
export function rowsInBand(rows: readonly CardRow[], from: number, to: number): [number, number] {
  if (rows.length === 0) return [0, 0];
  // First row whose bottom reaches `from` (binary search: rows are in top order).
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid].top + rows[mid].height < from) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < rows.length && rows[end].top <= to) end++;
  if (lo >= rows.length) return [rows.length - 1, rows.length];
  return [lo, Math.max(end, lo + 1)];
}
