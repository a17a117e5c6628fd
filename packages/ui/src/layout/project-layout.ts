/**
 * The project page layout (docs/ui.md#project-page, docs/ui.md#project-layout), stored as
 * `project-dashboard-layout-{project}`: the original's v2 fields plus v3's visible runs, filter, and pinned
 * config keys. Only line cards.
 */
import { AXIS_ONLY_NAMES } from '../data/x-axis';
import { KEYS, readJson, writeJson, writeString } from '../state/storage';
import { defaultTabSettings, lineCard, namespaceOf } from './card-factory';
import { isSystemMetric } from './system-cards';
import type { ProjectLayout, RunFilter, Tab } from './types';

export const DEFAULT_FILTER: RunFilter = { q: '', status: [], config: [], sort: '-updated_at' };

export function emptyProjectLayout(): ProjectLayout {
  return {
    schemaVersion: 3,
    tabs: [{ name: 'Metrics', cards: [] }],
    activeTab: 'Metrics',
    nextCardId: 1,
    tabSettings: { Metrics: defaultTabSettings(false) },
    customRunColors: {},
    sidebarWidth: 300,
    removedMetrics: [],
    showNewRuns: true,
    runFilter: { ...DEFAULT_FILTER },
    chartsPerPage: 'all',
    pinnedConfigKeys: [],
  };
}

export interface LoadedProjectLayout {
  layout: ProjectLayout;
  /** v2 layouts only knew hidden runs; visibility is derived from them. */
  legacyHidden: string[] | null;
  fromStorage: boolean;
}

export function loadProjectLayout(project: string): LoadedProjectLayout {
  const raw = readJson<Partial<ProjectLayout>>(KEYS.projectLayout(project));
  if (!raw || typeof raw !== 'object' || !Array.isArray(raw.tabs)) {
    return { layout: emptyProjectLayout(), legacyHidden: null, fromStorage: false };
  }
  const base = emptyProjectLayout();
  // Only line cards are kept on the project page (docs/ui.md#project-layout).
  const tabs: Tab[] = raw.tabs
    .filter((t) => t && typeof t.name === 'string' && Array.isArray(t.cards))
    .map((t) => ({ name: t.name, cards: t.cards.filter((c) => c?.config?.type === 'line') }));
  const layout: ProjectLayout = {
    ...base,
    ...raw,
    schemaVersion: 3,
    tabs: tabs.length ? tabs : base.tabs,
    tabSettings: { ...base.tabSettings, ...(raw.tabSettings ?? {}) },
    customRunColors: raw.customRunColors ?? {},
    sidebarWidth: clampWidth(raw.sidebarWidth ?? 300),
    removedMetrics: raw.removedMetrics ?? [],
    runFilter: { ...DEFAULT_FILTER, ...(raw.runFilter ?? {}) },
    pinnedConfigKeys: raw.pinnedConfigKeys ?? [],
    showNewRuns: raw.showNewRuns ?? true,
    chartsPerPage: raw.chartsPerPage ?? 'all',
  };
  if (!layout.tabs.some((t) => t.name === layout.activeTab)) layout.activeTab = layout.tabs[0].name;
  for (const t of layout.tabs) {
    for (const c of t.cards) {
      const n = Number(c.id.replace(/^card-/, ''));
      if (Number.isFinite(n) && n >= layout.nextCardId) layout.nextCardId = n + 1;
    }
    if (!layout.tabSettings[t.name]) layout.tabSettings[t.name] = defaultTabSettings(false);
  }
  const legacyHidden =
    raw.visibleRunIds === undefined && Array.isArray(raw.hiddenRunIds) ? raw.hiddenRunIds : null;
  return { layout, legacyHidden, fromStorage: true };
}

/**
 * Writes the layout. For the original UI, `hiddenRunIds` (listed runs that are not visible) is also
 * written, but only while the project has at most 1,000 runs.
 */
export function saveProjectLayout(project: string, layout: ProjectLayout, allRunIds: string[] | null): void {
  const out: ProjectLayout = { ...layout, schemaVersion: 3 };
  if (allRunIds && allRunIds.length <= 1000) {
    const visible = new Set(layout.visibleRunIds ?? []);
    out.hiddenRunIds = allRunIds.filter((id) => !visible.has(id));
  } else delete out.hiddenRunIds;
  writeJson(KEYS.projectLayout(project), out);
}

export function deleteProjectLayout(project: string): void {
  writeString(KEYS.projectLayout(project), null);
}

export function clampWidth(w: number): number {
  return Math.min(600, Math.max(200, Math.round(w)));
}

/** Adds a default line card per metric not yet shown and not removed; returns how many were added. */
export function appendProjectDefaults(layout: ProjectLayout, metrics: string[], xAxis: string): number {
  const shown = new Set<string>();
  for (const t of layout.tabs)
    for (const c of t.cards) if (c.config.type === 'line') for (const m of c.config.yMetrics) shown.add(m);
  let added = 0;
  // The system metrics' tab comes after the runs' own tabs (docs/ui.md#system-tab).
  const ordered = [...metrics.filter((m) => !isSystemMetric(m)), ...metrics.filter(isSystemMetric)];
  for (const m of ordered) {
    if (AXIS_ONLY_NAMES.has(m) || shown.has(m) || layout.removedMetrics.includes(m)) continue;
    const tabName = namespaceOf(m);
    let tab = layout.tabs.find((t) => t.name === tabName);
    if (!tab) {
      tab = { name: tabName, cards: [] };
      layout.tabs.push(tab);
      layout.tabSettings[tabName] = { ...defaultTabSettings(false), xAxis };
    }
    const card = lineCard([m], layout.tabSettings[tabName]?.xAxis ?? xAxis, m);
    card.defaultMetrics = [m];
    tab.cards.push({ id: `card-${layout.nextCardId++}`, config: card });
    shown.add(m);
    added++;
  }
  return added;
}
