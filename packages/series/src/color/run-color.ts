import { rgbToHex } from './hex.js';
import { type Hsl, hslToRgb } from './hsl.js';

/** FNV-1a, 32 bits, over the UTF-16 code units of `text`, as an unsigned integer (docs/ui.md#colours). */
export function fnv1a32(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** The HSL of a run's colour, from the FNV-1a hash of its run_id (docs/ui.md#colours steps 1–4). */
export function runColorHsl(runId: string): Hsl {
  const h = fnv1a32(runId);
  const hue = (((h & 0xffff) / 0xffff) * 360 + (((h >>> 16) & 0xff) / 255 - 0.5) * 60 + 360) % 360;
  const s = clamp(0.65 + (((h >>> 24) & 0xff) / 255 - 0.5) * 0.3, 0.5, 0.95);
  const l = clamp(0.55 + (((h >>> 8) & 0xff) / 255 - 0.5) * 0.25, 0.35, 0.7);
  return { h: hue, s, l };
}

/** A run's deterministic colour as `#rrggbb` (docs/ui.md#colours). */
export function runColor(runId: string): string {
  return rgbToHex(hslToRgb(runColorHsl(runId)));
}
