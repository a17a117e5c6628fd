/**
 * Card edits that the run page and the project page share (docs/ui.md#tab-settings, docs/ui.md#card-frame):
 * find, patch, move with the keyboard, drag and drop, resize (with Shift for the whole tab, and equal heights
 * per row), and "Apply to All Cards". Each returns whether it changed anything, so the caller knows to save.
 */
import type { Card, CardConfig, Tab, TabSettings } from './types';

/** The layout edits a card grid makes; the page saves the layout after each. */
export interface CardGridOps {
  update: (id: string, patch: Partial<CardConfig>) => void;
  remove: (id: string) => void;
  move: (id: string, delta: number) => void;
  drop: (draggedId: string, targetId: string) => void;
  resize: (
    id: string,
    size: { widthPercent?: number; height?: number },
    all: boolean,
    rowIds: string[],
  ) => void;
}

export interface FoundCard {
  card: Card;
  tab: Tab;
  index: number;
}

export function findCard(tabs: readonly Tab[], id: string): FoundCard | null {
  for (const tab of tabs) {
    const index = tab.cards.findIndex((c) => c.id === id);
    if (index >= 0) return { card: tab.cards[index], tab, index };
  }
  return null;
}

export function patchCard(tabs: readonly Tab[], id: string, patch: Partial<CardConfig>): boolean {
  const found = findCard(tabs, id);
  if (!found) return false;
  found.card.config = { ...found.card.config, ...patch } as CardConfig;
  return true;
}

/** Moves a card by `delta` places within its tab (Alt+↑/↓ on its handle). */
export function moveCard(tabs: readonly Tab[], id: string, delta: number): boolean {
  const found = findCard(tabs, id);
  if (!found) return false;
  const { tab, index } = found;
  const to = Math.max(0, Math.min(tab.cards.length - 1, index + delta));
  if (to === index) return false;
  const [card] = tab.cards.splice(index, 1);
  tab.cards.splice(to, 0, card);
  return true;
}

/** Drag and drop within a tab: the dragged card takes the target's place. */
export function dropCard(tabs: readonly Tab[], draggedId: string, targetId: string): boolean {
  const from = findCard(tabs, draggedId);
  const target = findCard(tabs, targetId);
  if (!from || !target || from.tab !== target.tab || draggedId === targetId) return false;
  const cards = from.tab.cards;
  const [card] = cards.splice(from.index, 1);
  const at = cards.findIndex((c) => c.id === targetId);
  cards.splice(from.index <= at ? at + 1 : at, 0, card);
  return true;
}

/**
 * Resizes a card; with `all` (Shift held) every card of its tab. A new height also goes to the
 * cards of the same visual row (`rowIds`), which keep equal heights.
 */
export function resizeCard(
  tabs: readonly Tab[],
  id: string,
  size: { widthPercent?: number; height?: number },
  all: boolean,
  rowIds: readonly string[],
): boolean {
  const found = findCard(tabs, id);
  if (!found) return false;
  for (const c of found.tab.cards) {
    const resized = all || c.id === id;
    const sameRow = size.height !== undefined && rowIds.includes(c.id);
    if (!resized && !sameRow) continue;
    const next = { ...c.config };
    if (resized && size.widthPercent !== undefined) next.widthPercent = size.widthPercent;
    if (size.height !== undefined) next.height = size.height;
    c.config = next;
  }
  return true;
}

/** "Apply to All Cards": the tab's settings overwrite those of its line and histogram cards. */
export function applyTabSettings(cards: readonly Card[], s: TabSettings): void {
  for (const c of cards) {
    if (c.config.type === 'line') {
      c.config = {
        ...c.config,
        xMetric: s.xAxis,
        smoothingMode: s.smoothing,
        smoothingValue: s.smoothingValue,
        downsampleRate: s.downsampleRate,
        yScale: s.yScale ?? 'linear',
      };
    } else if (c.config.type === 'histogram') {
      c.config = { ...c.config, histogramMode: s.histogramMode };
    }
  }
}
