/**
 * The project page's layout state (docs/ui.md#project-layout): tabs of line cards per metric namespace, their
 * settings, charts per page, run colours, the sidebar and the filter. Every user edit goes through
 * `changed()`, which stores the visible runs and saves (debounced 250 ms); default cards added for
 * new metrics are not user edits.
 */
import { computed, reactive, ref } from 'vue';
import {
  applyTabSettings,
  type CardGridOps,
  dropCard,
  findCard,
  moveCard,
  patchCard,
  resizeCard,
} from './card-ops';
import {
  appendProjectDefaults,
  deleteProjectLayout,
  emptyProjectLayout,
  loadProjectLayout,
  saveProjectLayout,
} from './project-layout';
import { createDebouncedSaver } from './run-layout';
import { shownTabs } from './shown-tabs';
import type { CardConfig, LineCardConfig, ProjectLayout, TabSettings } from './types';

export interface ProjectLayoutOptions {
  /** The runs visible now (stored with every save). */
  visibleIds: () => string[];
  /** Every run of the project while it has at most 1,000 (for the original's `hiddenRunIds`). */
  allRunIds: () => string[] | null;
}

export function useProjectLayout(project: string, o: ProjectLayoutOptions) {
  const loaded = loadProjectLayout(project);
  const layout = reactive<ProjectLayout>(loaded.layout);
  const page = ref(0);
  const saver = createDebouncedSaver(() => saveProjectLayout(project, layout, o.allRunIds()));

  function changed(): void {
    layout.visibleRunIds = [...o.visibleIds()];
    saver.touch();
  }
  function changedIf(didChange: boolean): void {
    if (didChange) changed();
  }

  const activeTab = computed(() => layout.tabs.find((t) => t.name === layout.activeTab) ?? layout.tabs[0]);
  const tabsShown = computed(() => shownTabs(layout.tabs, layout.activeTab));
  const tabSettings = computed<TabSettings>(
    () => layout.tabSettings[layout.activeTab] ?? emptyProjectLayout().tabSettings.Metrics,
  );
  const perPage = computed(() =>
    layout.chartsPerPage === 'all' || !layout.chartsPerPage ? Number.POSITIVE_INFINITY : layout.chartsPerPage,
  );
  const pageCount = computed(() =>
    Number.isFinite(perPage.value) ? Math.max(1, Math.ceil(activeTab.value.cards.length / perPage.value)) : 1,
  );
  const pageCards = computed(() =>
    Number.isFinite(perPage.value)
      ? activeTab.value.cards.slice(page.value * perPage.value, (page.value + 1) * perPage.value)
      : activeTab.value.cards,
  );

  /** Default cards for metrics never seen; opens a tab with charts when the current one has none. */
  function addDefaults(metrics: string[], xAxis: string): void {
    if (appendProjectDefaults(layout, metrics, xAxis) === 0) return;
    const current = layout.tabs.find((t) => t.name === layout.activeTab);
    if (!current || current.cards.length === 0)
      layout.activeTab = layout.tabs.find((t) => t.cards.length > 0)?.name ?? layout.tabs[0].name;
  }

  const gridOps: CardGridOps = {
    update: (id, patch) => changedIf(patchCard(layout.tabs, id, patch)),
    remove: (id) => {
      const found = findCard(layout.tabs, id);
      if (!found) return;
      const c = found.card.config as LineCardConfig;
      layout.removedMetrics = [...new Set([...layout.removedMetrics, ...c.yMetrics])];
      found.tab.cards.splice(found.index, 1);
      changed();
    },
    move: (id, delta) => changedIf(moveCard(layout.tabs, id, delta)),
    drop: (dragged, target) => changedIf(dropCard(layout.tabs, dragged, target)),
    resize: (id, size, all, rowIds) => changedIf(resizeCard(layout.tabs, id, size, all, rowIds)),
  };

  /** Adds a card to the active tab; returns its id. */
  function addCard(config: CardConfig): string {
    const id = `card-${layout.nextCardId++}`;
    activeTab.value.cards.push({ id, config });
    if (config.type === 'line')
      layout.removedMetrics = layout.removedMetrics.filter((m) => !config.yMetrics.includes(m));
    changed();
    return id;
  }

  function setTabSettings(s: TabSettings, applyAll: boolean): void {
    layout.tabSettings[layout.activeTab] = { ...s };
    if (applyAll) applyTabSettings(activeTab.value.cards, s);
    changed();
  }

  function setActiveTab(name: string): void {
    layout.activeTab = name;
    changed();
  }

  function switchTab(delta: number): void {
    const tabs = tabsShown.value;
    const i = tabs.findIndex((t) => t.name === layout.activeTab);
    const next = tabs[(i + delta + tabs.length) % tabs.length];
    if (next) setActiveTab(next.name);
  }

  function setChartsPerPage(value: string): void {
    layout.chartsPerPage = value === 'all' ? 'all' : Number(value);
    page.value = 0;
    changed();
  }

  /** Reset Layout: the stored layout is deleted and the defaults rebuilt for `metrics`. */
  function reset(metrics: string[], xAxis: string): void {
    deleteProjectLayout(project);
    Object.assign(layout, emptyProjectLayout());
    appendProjectDefaults(layout, metrics, xAxis);
  }

  return {
    loaded,
    layout,
    page,
    changed,
    activeTab,
    tabsShown,
    tabSettings,
    pageCount,
    pageCards,
    gridOps,
    addDefaults,
    addCard,
    setTabSettings,
    setActiveTab,
    switchTab,
    setChartsPerPage,
    reset,
    flush: saver.flush,
  };
}
