/**
 * Which tabs the tab bar lists. The default "Metrics" tab holds metrics without a namespace; a run
 * that logs only namespaced names would show it empty, with count 0, before the useful tabs. So it is
 * hidden while it has no card, unless it is the active tab (the user is adding a card there) or the
 * only one. It reappears as soon as a card lands in it.
 */
export const METRICS_TAB = 'Metrics';

interface TabLike {
  name: string;
  cards: readonly unknown[];
}

export function isHiddenTab(tab: TabLike, activeTab: string, tabCount: number): boolean {
  return tab.name === METRICS_TAB && tab.cards.length === 0 && tab.name !== activeTab && tabCount > 1;
}

export function shownTabs<T extends TabLike>(tabs: readonly T[], activeTab: string): T[] {
  return tabs.filter((t) => !isHiddenTab(t, activeTab, tabs.length));
}

/** The tab to open instead of an empty "Metrics" tab: the first one with cards, if any. */
export function firstUsefulTab(tabs: readonly TabLike[], activeTab: string): string {
  const current = tabs.find((t) => t.name === activeTab);
  if (current && !(current.name === METRICS_TAB && current.cards.length === 0)) return activeTab;
  return tabs.find((t) => t.cards.length > 0)?.name ?? activeTab;
}
