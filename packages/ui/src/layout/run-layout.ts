/**
 * The run page layout (docs/ui.md#default-cards, docs/ui.md#run-layout): built from the summary, or loaded
 * from `run-layout-{project}-{runId}` (v2 or v3), with new names appended as default cards.
 */
import type { AvailableData } from '../api/types';
import { naturalSorted } from '../data/natural-order';
import { AXIS_ONLY_NAMES } from '../data/x-axis';
import { KEYS, readJson, writeJson, writeString } from '../state/storage';
import {
  defaultTabSettings,
  histogramCard,
  kdeCard,
  lineCard,
  mediaCard,
  namespaceOf,
  tableCard,
  tensorCard,
} from './card-factory';
import { isSystemMetric, SYSTEM_TAB, SYSTEM_X_AXIS, systemCharts } from './system-cards';
import { standaloneMedia } from './table-cell-media';
import type { Card, CardConfig, RunLayout, Tab } from './types';

export interface RunLayoutInput {
  available: AvailableData;
  hasGlobalStep: boolean;
}

type RemovedKey =
  | 'removedMetrics'
  | 'removedTables'
  | 'removedHistograms'
  | 'removedMedia'
  | 'removedTensors'
  | 'removedKde';

/** The removed-set a card's name goes into when it is deleted. */
export function removedKeyOf(card: CardConfig): { key: RemovedKey; names: string[] } {
  switch (card.type) {
    case 'line':
      return { key: 'removedMetrics', names: card.yMetrics };
    case 'media':
      return { key: 'removedMedia', names: [card.mediaName] };
    case 'table':
      return { key: 'removedTables', names: [card.tableName] };
    case 'histogram':
      return { key: 'removedHistograms', names: [card.histogramName] };
    case 'tensor':
      return { key: 'removedTensors', names: [card.tensorName] };
    case 'kde':
      return { key: 'removedKde', names: [card.kdeName] };
  }
}

/** Whether a card's title or one of its names contains `q` (lower case): the chart finder's match. */
export function cardMatches(card: CardConfig, q: string): boolean {
  if (card.title.toLowerCase().includes(q)) return true;
  return removedKeyOf(card).names.some((n) => n.toLowerCase().includes(q));
}

export function emptyRunLayout(hasGlobalStep: boolean): RunLayout {
  return {
    schemaVersion: 3,
    tabs: [{ name: 'Metrics', cards: [] }],
    activeTab: 'Metrics',
    nextCardId: 1,
    tabSettings: { Metrics: defaultTabSettings(hasGlobalStep) },
    removedMetrics: [],
    removedTables: [],
    removedHistograms: [],
    removedMedia: [],
    removedTensors: [],
    removedKde: [],
  };
}

/** A default card: the names it shows and how to make it for those of them that need one. */
interface DefaultCard {
  names: string[];
  kind: RemovedKey;
  make: (names: string[]) => CardConfig;
}

/**
 * Every name a default card exists for, with the card it gets, in natural order per kind. Media cells
 * of the run's tables get no card of their own: their table card shows them. The system metrics come last,
 * grouped into the charts of the system tab.
 */
function defaultCardsFor(input: RunLayoutInput): DefaultCard[] {
  const a = input.available;
  const x = input.hasGlobalStep ? 'global_step' : 'step';
  const kde = new Set(a.kernel_density ?? []);
  const out: DefaultCard[] = [];
  const one = (name: string, kind: RemovedKey, make: () => CardConfig) =>
    out.push({ names: [name], kind, make });
  for (const m of naturalSorted(a.scalars)) {
    if (AXIS_ONLY_NAMES.has(m) || isSystemMetric(m)) continue;
    one(m, 'removedMetrics', () => lineCard([m], x, m));
  }
  for (const m of naturalSorted(standaloneMedia(a.media, a.tables)))
    one(m, 'removedMedia', () => mediaCard(m));
  for (const t of naturalSorted(a.tables)) one(t, 'removedTables', () => tableCard(t));
  for (const h of naturalSorted(a.histograms)) {
    if (kde.has(h)) continue;
    const ns = namespaceOf(h);
    const mode = ns === 'gradients' || ns === 'params' ? 'flow' : 'single';
    one(h, 'removedHistograms', () => histogramCard(h, mode));
  }
  for (const k of naturalSorted(a.kernel_density ?? [])) one(k, 'removedKde', () => kdeCard(k));
  for (const t of naturalSorted(a.tensors ?? [])) one(t, 'removedTensors', () => tensorCard(t));
  for (const chart of systemCharts(a.scalars)) {
    out.push({
      names: chart.names,
      kind: 'removedMetrics',
      make: (names) => lineCard(names, SYSTEM_X_AXIS, chart.title),
    });
  }
  return out;
}

/** Names shown by some card of the layout, per removed-set kind. */
function namesInLayout(layout: RunLayout): Set<string> {
  const seen = new Set<string>();
  for (const tab of layout.tabs) {
    for (const card of tab.cards) {
      const { key, names } = removedKeyOf(card.config);
      for (const n of names) seen.add(`${key}:${n}`);
    }
  }
  return seen;
}

function tabFor(layout: RunLayout, name: string, hasGlobalStep: boolean): Tab {
  let tab = layout.tabs.find((t) => t.name === name);
  if (!tab) {
    tab = { name, cards: [] };
    layout.tabs.push(tab);
  }
  if (!layout.tabSettings[name]) {
    layout.tabSettings[name] = defaultTabSettings(hasGlobalStep);
    if (name === SYSTEM_TAB) layout.tabSettings[name].xAxis = SYSTEM_X_AXIS;
  }
  return tab;
}

/**
 * Appends a default card for every name that no card shows and no removed-set holds.
 * Returns the number of cards added.
 */
export function appendDefaultCards(layout: RunLayout, input: RunLayoutInput): number {
  const seen = namesInLayout(layout);
  let added = 0;
  for (const item of defaultCardsFor(input)) {
    const removed = layout[item.kind] ?? [];
    // A group shows only what no card shows yet (a GPU that appears later gets a card of its own).
    const names = item.names.filter((n) => !seen.has(`${item.kind}:${n}`) && !removed.includes(n));
    if (names.length === 0) continue;
    const tab = tabFor(layout, namespaceOf(names[0]), input.hasGlobalStep);
    tab.cards.push({ id: `card-${layout.nextCardId++}`, config: item.make(names) });
    for (const n of names) seen.add(`${item.kind}:${n}`);
    added++;
  }
  return added;
}

export function buildDefaultRunLayout(input: RunLayoutInput): RunLayout {
  const layout = emptyRunLayout(input.hasGlobalStep);
  appendDefaultCards(layout, input);
  // Open on the first tab that has something to show.
  const first = layout.tabs.find((t) => t.cards.length > 0);
  if (first) layout.activeTab = first.name;
  return layout;
}

function isRunLayout(value: unknown): value is RunLayout {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  // A project layout stored under a run key is not a run layout (docs/ui.md#run-layout).
  if ('hiddenRunIds' in v || 'customRunColors' in v) return false;
  return Array.isArray(v.tabs);
}

/** Fills the fields a v2 layout lacks and repairs what a hand-edited one may miss. */
function normalize(raw: RunLayout, hasGlobalStep: boolean): RunLayout {
  const tabs: Tab[] = raw.tabs
    .filter((t) => t && typeof t.name === 'string' && Array.isArray(t.cards))
    .map((t) => ({
      name: t.name,
      cards: t.cards.filter((c: Card) => c && typeof c.id === 'string' && c.config),
    }));
  if (tabs.length === 0) tabs.push({ name: 'Metrics', cards: [] });
  const layout: RunLayout = {
    schemaVersion: 3,
    tabs,
    activeTab: tabs.some((t) => t.name === raw.activeTab) ? raw.activeTab : tabs[0].name,
    nextCardId: Number.isFinite(raw.nextCardId) ? raw.nextCardId : 1,
    tabSettings: { ...(raw.tabSettings ?? {}) },
    removedMetrics: raw.removedMetrics ?? [],
    removedTables: raw.removedTables ?? [],
    removedHistograms: raw.removedHistograms ?? [],
    removedMedia: raw.removedMedia ?? [],
    removedTensors: raw.removedTensors ?? [],
    removedKde: raw.removedKde ?? [],
  };
  // Card ids must stay unique when new cards are appended.
  for (const t of tabs) {
    for (const c of t.cards) {
      const n = Number(c.id.replace(/^card-/, ''));
      if (Number.isFinite(n) && n >= layout.nextCardId) layout.nextCardId = n + 1;
    }
    if (!layout.tabSettings[t.name]) layout.tabSettings[t.name] = defaultTabSettings(hasGlobalStep);
    else layout.tabSettings[t.name] = { ...defaultTabSettings(hasGlobalStep), ...layout.tabSettings[t.name] };
  }
  return layout;
}

/**
 * Reads the saved layout of a run, migrating the legacy `project-layout-{project}` key
 * (copied to the new key, then deleted). Returns null when there is none.
 */
export function loadRunLayout(project: string, runId: string, hasGlobalStep: boolean): RunLayout | null {
  const key = KEYS.runLayout(project, runId);
  let raw = readJson<unknown>(key);
  if (raw === null) {
    const legacyKey = KEYS.legacyRunLayout(project);
    const legacy = readJson<unknown>(legacyKey);
    if (isRunLayout(legacy)) {
      writeJson(key, legacy);
      writeString(legacyKey, null);
      raw = legacy;
    }
  }
  return isRunLayout(raw) ? normalize(raw, hasGlobalStep) : null;
}

export function saveRunLayout(project: string, runId: string, layout: RunLayout): void {
  writeJson(KEYS.runLayout(project, runId), layout);
}

export function deleteRunLayout(project: string, runId: string): void {
  writeString(KEYS.runLayout(project, runId), null);
}

/** Debounced saving (250 ms) that starts only after the first user change (docs/ui.md#run-layout). */
export function createDebouncedSaver(save: () => void, ms = 250): { touch: () => void; flush: () => void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
      save();
    }
  };
  return {
    touch: () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        save();
      }, ms);
    },
    flush,
  };
}
