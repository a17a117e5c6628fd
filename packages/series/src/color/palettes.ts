/** The original's 10-colour palette for a single run's series, in y-metric order (docs/ui.md#colours). */
export const SINGLE_RUN_PALETTE: readonly string[] = Object.freeze([
  '#3b82f6',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
]);

/**
 * The Okabe–Ito colours of the `cb-safe` palette, before the theme's black or white
 * (docs/ui.md#accessibility).
 */
export const OKABE_ITO: readonly string[] = Object.freeze([
  '#E69F00',
  '#56B4E9',
  '#009E73',
  '#F0E442',
  '#0072B2',
  '#D55E00',
  '#CC79A7',
]);

export type Theme = 'light' | 'dark';

/** The 8-colour `cb-safe` palette: Okabe–Ito, then black in the light theme or white in the dark. */
export function okabeItoPalette(theme: Theme): readonly string[] {
  return Object.freeze([...OKABE_ITO, theme === 'dark' ? '#FFFFFF' : '#000000']);
}

/** The palette colour for series number `index`, cycling. */
export function paletteColor(palette: readonly string[], index: number): string {
  const n = palette.length;
  return palette[((Math.floor(index) % n) + n) % n];
}
