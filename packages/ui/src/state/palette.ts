/**
 * Series colours (docs/ui.md#colours, docs/ui.md#accessibility): the original's palette or Okabe–Ito
 * (`kobo-palette`), run colours from the FNV hash of run_id, and the 3:1 contrast adjustment applied at
 * render time.
 */
import {
  ensureContrast,
  okabeItoPalette,
  paletteColor,
  runColor,
  SINGLE_RUN_PALETTE,
} from '@kohakuboard/series';
import { ref, watch } from 'vue';
import { KEYS, readString, writeString } from './storage';
import type { ThemeName } from './theme';

export type PaletteName = 'default' | 'cb-safe';

export const paletteName = ref<PaletteName>(readString(KEYS.palette) === 'cb-safe' ? 'cb-safe' : 'default');
export const globalDashPatterns = ref(readString(KEYS.dashPatterns) === 'true');
watch(paletteName, (v) => writeString(KEYS.palette, v));
watch(globalDashPatterns, (v) => writeString(KEYS.dashPatterns, String(v)));

/** Dash patterns cycled by "Distinguish by dash pattern": solid, dashed, dotted, dash-dot. */
export const DASH_PATTERNS: number[][] = [[], [8, 4], [2, 3], [8, 3, 2, 3]];

/**
 * The dash pattern of series number `index`: cycled when the user asks to distinguish series by
 * dash (per card or globally); with the colour-blind palette, series beyond its 8 colours cycle
 * through the patterns so that no two share colour and pattern (docs/ui.md#accessibility).
 */
export function dashFor(index: number, distinguish: boolean): number[] {
  if (distinguish) return DASH_PATTERNS[index % DASH_PATTERNS.length];
  if (paletteName.value === 'cb-safe') return DASH_PATTERNS[Math.floor(index / 8) % DASH_PATTERNS.length];
  return DASH_PATTERNS[0];
}

/** The chart background of each theme, which series colours must contrast with. */
export const CHART_BACKGROUND: Record<ThemeName, string> = { light: '#ffffff', dark: '#111827' };

/** Colour of series number `index` of a single run. */
export function seriesColor(index: number, theme: ThemeName): string {
  const palette = paletteName.value === 'cb-safe' ? okabeItoPalette(theme) : SINGLE_RUN_PALETTE;
  return paletteColor(palette, index);
}

/** A run's colour on the project page: custom pick, else cb-safe by position, else the FNV hash. */
export function colorForRun(
  runId: string,
  index: number,
  theme: ThemeName,
  custom?: Record<string, string>,
): string {
  const picked = custom?.[runId];
  if (picked) return picked;
  if (paletteName.value === 'cb-safe') return paletteColor(okabeItoPalette(theme), index);
  return runColor(runId);
}

/** The colour actually drawn: adjusted to 3:1 contrast against the chart background. */
export function renderColor(color: string, theme: ThemeName): string {
  try {
    return ensureContrast(color, CHART_BACKGROUND[theme]);
  } catch {
    return color;
  }
}
