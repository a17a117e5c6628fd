/**
 * The card components a page renders, by card id, for the header buttons and menu of their frames
 * (refresh, reset view, export, copy image), and which line cards show their "Data" table instead of
 * the chart (docs/ui.md#accessibility).
 */
import { reactive } from 'vue';

/** What a card component exposes to its page. */
export interface CardHandle {
  refresh?: () => void;
  resetView?: () => void;
  exportPng?: () => void;
  copyImage?: () => void;
  downloadShownCsv?: () => void;
  downloadFullCsv?: () => void;
}

export type CardHandles = ReturnType<typeof useCardHandles>;

export function useCardHandles() {
  const byId = new Map<string, CardHandle>();
  const dataViews = reactive(new Set<string>());

  /** A `:ref` callback: the card component of `id`, or null when it unmounts. */
  function bind(id: string, el: unknown): void {
    if (el) byId.set(id, el as CardHandle);
    else byId.delete(id);
  }

  function get(id: string): CardHandle | undefined {
    return byId.get(id);
  }

  function onMenu(id: string, action: string): void {
    if (action === 'copy-image') byId.get(id)?.copyImage?.();
    else if (action === 'download-shown-csv') byId.get(id)?.downloadShownCsv?.();
    else if (action === 'download-full-csv') byId.get(id)?.downloadFullCsv?.();
    else if (action === 'toggle-data') {
      if (dataViews.has(id)) dataViews.delete(id);
      else dataViews.add(id);
    }
  }

  function refreshAll(): void {
    for (const h of byId.values()) h.refresh?.();
  }

  return { bind, get, onMenu, refreshAll, dataViews };
}
