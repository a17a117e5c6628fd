import { hexToRgb, type Rgb, rgbToHex } from './hex.js';
import { hslToRgb, rgbToHsl } from './hsl.js';

/** The minimum contrast of a series colour against the chart background (docs/ui.md#accessibility). */
export const MIN_SERIES_CONTRAST = 3;

function linearChannel(c8: number): number {
  const c = c8 / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** WCAG relative luminance of an sRGB colour, 0 (black) … 1 (white). */
export function relativeLuminance(rgb: Rgb): number {
  return 0.2126 * linearChannel(rgb.r) + 0.7152 * linearChannel(rgb.g) + 0.0722 * linearChannel(rgb.b);
}

/** WCAG contrast ratio (L_lighter + 0.05) / (L_darker + 0.05), 1 … 21. */
export function contrastRatio(a: string | Rgb, b: string | Rgb): number {
  const la = relativeLuminance(typeof a === 'string' ? hexToRgb(a) : a);
  const lb = relativeLuminance(typeof b === 'string' ? hexToRgb(b) : b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/**
 * A series colour with at least `minRatio` contrast against `backgroundHex` (docs/ui.md#accessibility): the
 * colour itself (as `#rrggbb`) when it already has it; otherwise its HSL lightness moves away from
 * the background — darker on a light background, lighter on a dark one, or the other way when that
 * way cannot reach the ratio — by the smallest amount that reaches it, keeping hue and saturation.
 * When neither way can reach the ratio, the extreme (black or white) with the larger contrast.
 */
export function ensureContrast(
  hex: string,
  backgroundHex: string,
  minRatio: number = MIN_SERIES_CONTRAST,
): string {
  const rgb = hexToRgb(hex);
  const bg = hexToRgb(backgroundHex);
  const original = rgbToHex(rgb);
  if (contrastRatio(rgb, bg) >= minRatio) return original;

  const hsl = rgbToHsl(rgb);
  const colourAt = (l: number): string => rgbToHex(hslToRgb({ h: hsl.h, s: hsl.s, l }));
  const ratioAt = (l: number): number => contrastRatio(colourAt(l), bg);
  const darkerFirst = relativeLuminance(rgb) <= relativeLuminance(bg);
  const ways = darkerFirst ? [0, 1] : [1, 0];

  for (const end of ways) {
    if (ratioAt(end) < minRatio) continue;
    // Contrast grows monotonically as l moves from hsl.l towards `end`; find the nearest l that passes.
    let near = hsl.l;
    let far = end;
    for (let i = 0; i < 40; i++) {
      const mid = (near + far) / 2;
      if (ratioAt(mid) >= minRatio) far = mid;
      else near = mid;
    }
    return colourAt(far);
  }
  return ratioAt(0) >= ratioAt(1) ? colourAt(0) : colourAt(1);
}
