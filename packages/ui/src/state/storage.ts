/** localStorage access that never throws (private mode, quota) — layouts are a convenience, not data. */

export function readString(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function writeString(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Storage full or disabled: the layout just is not remembered.
  }
}

export function readJson<T>(key: string): T | null {
  const raw = readString(key);
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return null;
  }
}

export function writeJson(key: string, value: unknown): void {
  writeString(key, JSON.stringify(value));
}

/**
 * localStorage keys (docs/ui.md#stored-state): the original's, so existing layouts carry over, and ours
 * prefixed `kobo-`.
 */
export const KEYS = {
  theme: 'theme',
  animations: 'animations-enabled',
  legendMode: (project: string) => `legend-mode-${project}`,
  runLayout: (project: string, runId: string) => `run-layout-${project}-${runId}`,
  legacyRunLayout: (project: string) => `project-layout-${project}`,
  projectLayout: (project: string) => `project-dashboard-layout-${project}`,
  hoverSync: 'kobo-hover-sync',
  live: 'kobo-live',
  palette: 'kobo-palette',
  dashPatterns: 'kobo-dash-patterns',
  /** Opt-in screen-reader announcements of live data (docs/ui.md#accessibility). */
  announce: 'kobo-announce',
} as const;
