/**
 * The run page's layout state (docs/ui.md#toolbar-and-tabs, docs/ui.md#card-frame, docs/ui.md#run-layout):
 * every user edit goes through one of these functions, which marks the layout changed and saves it (debounced
 * 250 ms). Default cards that the summary adds are not user edits and save nothing.
 */
import { type Ref, ref } from 'vue';
import type { AvailableData } from '../api/types';
import { defaultTabSettings } from './card-factory';
import {
  applyTabSettings,
  dropCard as dropCardOn,
  findCard,
  moveCard as moveCardBy,
  patchCard,
  resizeCard as resizeCardIn,
} from './card-ops';
import {
  appendDefaultCards,
  buildDefaultRunLayout,
  createDebouncedSaver,
  deleteRunLayout,
  loadRunLayout,
  removedKeyOf,
  saveRunLayout,
} from './run-layout';
import { firstUsefulTab } from './shown-tabs';
import type { CardConfig, RunLayout, TabSettings } from './types';

export function useRunLayout(project: string, runId: string) {
  const layout: Ref<RunLayout | null> = ref(null);
  let input: { available: AvailableData; hasGlobalStep: boolean } | null = null;
  const saver = createDebouncedSaver(() => {
    if (layout.value) saveRunLayout(project, runId, layout.value);
  });

  function changed(): void {
    saver.touch();
  }

  /** First load: the saved layout plus defaults for new names, or the default layout. */
  function init(available: AvailableData, hasGlobalStep: boolean): void {
    input = { available, hasGlobalStep };
    const saved = loadRunLayout(project, runId, hasGlobalStep);
    if (saved) {
      appendDefaultCards(saved, input);
      saved.activeTab = firstUsefulTab(saved.tabs, saved.activeTab);
      layout.value = saved;
    } else {
      layout.value = buildDefaultRunLayout(input);
    }
  }

  /** The summary grew: add default cards for names never seen (not a user change). */
  function grow(available: AvailableData, hasGlobalStep: boolean): number {
    input = { available, hasGlobalStep };
    if (!layout.value) return 0;
    return appendDefaultCards(layout.value, input);
  }

  function tab(name: string) {
    return layout.value?.tabs.find((t) => t.name === name) ?? null;
  }

  function setActiveTab(name: string): void {
    if (!layout.value || layout.value.activeTab === name) return;
    layout.value.activeTab = name;
    changed();
  }

  /** Adds a tab; refuses duplicates and empty names. */
  function addTab(name: string): string | null {
    const l = layout.value;
    const n = name.trim();
    if (!l) return 'No layout';
    if (!n) return 'A tab needs a name';
    if (l.tabs.some((t) => t.name === n)) return `A tab named “${n}” exists`;
    l.tabs.push({ name: n, cards: [] });
    l.tabSettings[n] = defaultTabSettings(input?.hasGlobalStep ?? false);
    l.activeTab = n;
    changed();
    return null;
  }

  /** Removes a tab (never the last one); its cards' names go into the removed sets. */
  function removeTab(name: string): void {
    const l = layout.value;
    if (!l || l.tabs.length <= 1) return;
    const t = tab(name);
    if (!t) return;
    for (const c of t.cards) rememberRemoved(c.config);
    l.tabs = l.tabs.filter((x) => x.name !== name);
    delete l.tabSettings[name];
    if (l.activeTab === name) l.activeTab = l.tabs[0].name;
    changed();
  }

  function rememberRemoved(config: CardConfig): void {
    const l = layout.value;
    if (!l) return;
    const { key, names } = removedKeyOf(config);
    const set = new Set(l[key] ?? []);
    for (const n of names) set.add(n);
    l[key] = [...set];
  }

  function addCard(tabName: string, config: CardConfig): string | null {
    const l = layout.value;
    const t = tab(tabName);
    if (!l || !t) return null;
    const id = `card-${l.nextCardId++}`;
    t.cards.push({ id, config });
    // A card added for a removed name brings the name back.
    const { key, names } = removedKeyOf(config);
    l[key] = (l[key] ?? []).filter((n) => !names.includes(n));
    changed();
    return id;
  }

  function removeCard(id: string): void {
    const found = layout.value && findCard(layout.value.tabs, id);
    if (!found) return;
    rememberRemoved(found.card.config);
    found.tab.cards.splice(found.index, 1);
    changed();
  }

  function updateCard(id: string, patch: Partial<CardConfig>): void {
    if (layout.value && patchCard(layout.value.tabs, id, patch)) changed();
  }

  function moveCard(id: string, delta: number): void {
    if (layout.value && moveCardBy(layout.value.tabs, id, delta)) changed();
  }

  function dropCard(draggedId: string, targetId: string): void {
    if (layout.value && dropCardOn(layout.value.tabs, draggedId, targetId)) changed();
  }

  function resizeCard(
    id: string,
    size: { widthPercent?: number; height?: number },
    all: boolean,
    rowIds: string[],
  ): void {
    if (layout.value && resizeCardIn(layout.value.tabs, id, size, all, rowIds)) changed();
  }

  function setTabSettings(tabName: string, settings: TabSettings, applyAll: boolean): void {
    const l = layout.value;
    const t = tab(tabName);
    if (!l || !t) return;
    l.tabSettings[tabName] = { ...settings };
    if (applyAll) applyTabSettings(t.cards, settings);
    changed();
  }

  /** Reset Layout: deletes the stored layout and rebuilds the default one, without a reload. */
  function reset(): void {
    deleteRunLayout(project, runId);
    if (input) layout.value = buildDefaultRunLayout(input);
  }

  return {
    layout,
    init,
    grow,
    setActiveTab,
    addTab,
    removeTab,
    addCard,
    removeCard,
    updateCard,
    moveCard,
    dropCard,
    resizeCard,
    setTabSettings,
    reset,
    flush: saver.flush,
  };
}
