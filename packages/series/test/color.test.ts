import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  contrastRatio,
  ensureContrast,
  fnv1a32,
  hexToRgb,
  hslToRgb,
  OKABE_ITO,
  okabeItoPalette,
  paletteColor,
  relativeLuminance,
  rgbToHex,
  rgbToHsl,
  runColor,
  runColorHsl,
  SINGLE_RUN_PALETTE,
} from '../src/index.js';

/** HSL → RGB by the CSS Color 4 formula f(n) = l − a·max(−1, min(k − 3, 9 − k, 1)), independent of ours. */
function cssHslToHex(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return `#${[f(0), f(8), f(4)]
    .map((c) =>
      Math.round(c * 255)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

describe('run colour (docs/ui.md#colours)', () => {
  it('hashes with FNV-1a 32-bit (published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes UTF-16 code units, not bytes', () => {
    // "é" is one code unit 0xe9: (2166136261 ^ 0xe9) · 16777619 mod 2^32.
    const expected = Number((BigInt((2166136261 ^ 0xe9) >>> 0) * 16777619n) % 2n ** 32n);
    expect(fnv1a32('é')).toBe(expected);
  });

  it('matches the formula worked by hand for run_id "a"', () => {
    // h = 0xe40c292c: h & 0xffff = 0x292c = 10540, (h >> 16) & 0xff = 0x0c = 12,
    // (h >> 24) & 0xff = 0xe4 = 228, (h >> 8) & 0xff = 0x29 = 41.
    const hue = ((10540 / 65535) * 360 + (12 / 255 - 0.5) * 60 + 360) % 360; // ≈ 30.722°
    const sat = Math.min(0.95, Math.max(0.5, 0.65 + (228 / 255 - 0.5) * 0.3)); // ≈ 0.7682
    const light = Math.min(0.7, Math.max(0.35, 0.55 + (41 / 255 - 0.5) * 0.25)); // ≈ 0.4652
    const hsl = runColorHsl('a');
    expect(hsl.h).toBeCloseTo(hue, 12);
    expect(hsl.s).toBeCloseTo(sat, 12);
    expect(hsl.l).toBeCloseTo(light, 12);
    expect(cssHslToHex(hue, sat, light)).toBe('#d2791b');
    expect(runColor('a')).toBe('#d2791b');
  });

  it('is deterministic, #rrggbb, and agrees with an independent HSL conversion', () => {
    expect(runColor('20251105_142233_1a2b3c4d')).toBe('#e861e9');
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (id) => {
        const c = runColor(id);
        expect(c).toMatch(/^#[0-9a-f]{6}$/);
        expect(runColor(id)).toBe(c);
        const { h, s, l } = runColorHsl(id);
        expect(h).toBeGreaterThanOrEqual(0);
        expect(h).toBeLessThan(360);
        expect(s).toBeGreaterThanOrEqual(0.5);
        expect(s).toBeLessThanOrEqual(0.95);
        expect(l).toBeGreaterThanOrEqual(0.35);
        expect(l).toBeLessThanOrEqual(0.7);
        expect(c).toBe(cssHslToHex(h, s, l));
      }),
    );
  });
});

describe('palettes', () => {
  it('has the original’s ten single-run colours', () => {
    expect(SINGLE_RUN_PALETTE).toEqual([
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
    expect(paletteColor(SINGLE_RUN_PALETTE, 10)).toBe('#3b82f6');
    expect(paletteColor(SINGLE_RUN_PALETTE, -1)).toBe('#17becf');
  });

  it('has Okabe–Ito followed by black (light) or white (dark)', () => {
    expect(OKABE_ITO).toEqual(['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7']);
    expect(okabeItoPalette('light')).toEqual([...OKABE_ITO, '#000000']);
    expect(okabeItoPalette('dark')[7]).toBe('#FFFFFF');
  });
});

describe('hex and HSL', () => {
  it('parses and formats', () => {
    expect(hexToRgb('#3b82f6')).toEqual({ r: 0x3b, g: 0x82, b: 0xf6 });
    expect(hexToRgb('FFF')).toEqual({ r: 255, g: 255, b: 255 });
    expect(rgbToHex({ r: 255.4, g: -3, b: 16 })).toBe('#ff0010');
    expect(() => hexToRgb('#12345')).toThrow(RangeError);
    expect(() => hexToRgb('blue')).toThrow(RangeError);
  });

  it('round-trips RGB through HSL', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffff }), (n) => {
        const hex = `#${n.toString(16).padStart(6, '0')}`;
        expect(rgbToHex(hslToRgb(rgbToHsl(hexToRgb(hex))))).toBe(hex);
      }),
    );
  });
});

describe('contrast (docs/ui.md#accessibility)', () => {
  it('computes WCAG luminance and ratios', () => {
    expect(relativeLuminance({ r: 255, g: 255, b: 255 })).toBeCloseTo(1, 12);
    expect(relativeLuminance({ r: 0, g: 0, b: 0 })).toBe(0);
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 12);
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 12);
    expect(contrastRatio('#777777', '#777777')).toBe(1);
  });

  it('leaves a colour that already has 3:1 alone', () => {
    expect(ensureContrast('#0072B2', '#ffffff')).toBe('#0072b2');
  });

  it('darkens a light colour on a light background just enough, keeping its hue', () => {
    const out = ensureContrast('#F0E442', '#ffffff'); // Okabe–Ito yellow on white: about 1.3:1
    const ratio = contrastRatio(out, '#ffffff');
    expect(ratio).toBeGreaterThanOrEqual(3);
    expect(ratio).toBeLessThan(3.15); // the smallest change, not black
    const before = rgbToHsl(hexToRgb('#F0E442'));
    const after = rgbToHsl(hexToRgb(out));
    expect(Math.abs(after.h - before.h)).toBeLessThan(2);
    expect(after.l).toBeLessThan(before.l);
  });

  it('lightens a dark colour on a dark background', () => {
    expect(contrastRatio('#203040', '#111827')).toBeLessThan(3);
    const out = ensureContrast('#203040', '#111827');
    expect(contrastRatio(out, '#111827')).toBeGreaterThanOrEqual(3);
    expect(rgbToHsl(hexToRgb(out)).l).toBeGreaterThan(rgbToHsl(hexToRgb('#203040')).l);
  });

  it('always reaches the ratio for any colour on any background', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffff }), fc.integer({ min: 0, max: 0xffffff }), (c, bg) => {
        const hex = `#${c.toString(16).padStart(6, '0')}`;
        const back = `#${bg.toString(16).padStart(6, '0')}`;
        expect(contrastRatio(ensureContrast(hex, back), back)).toBeGreaterThanOrEqual(3);
      }),
      { numRuns: 300 },
    );
  });

  it('honours another minimum ratio', () => {
    expect(contrastRatio(ensureContrast('#999999', '#ffffff', 4.5), '#ffffff')).toBeGreaterThanOrEqual(4.5);
  });
});
