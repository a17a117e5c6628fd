/**
 * Colour scales for heatmaps and the surface (docs/ui.md#flow-heatmap, docs/ui.md#3-d-surface,
 * docs/ui.md#tensor-cards): anchor colours of the matplotlib maps (and Google's Turbo), interpolated into
 * 256-entry lookup tables.
 */
import { rgbToHex } from '@kohakuboard/series';

const ANCHORS: Record<string, string[]> = {
  Viridis: [
    '#440154',
    '#482878',
    '#3e4989',
    '#31688e',
    '#26828e',
    '#1f9e89',
    '#35b779',
    '#6ece58',
    '#b5de2b',
    '#fde725',
  ],
  Plasma: [
    '#0d0887',
    '#46039f',
    '#7201a8',
    '#9c179e',
    '#bd3786',
    '#d8576b',
    '#ed7953',
    '#fb9f3a',
    '#fdca26',
    '#f0f921',
  ],
  Magma: [
    '#000004',
    '#180f3d',
    '#440f76',
    '#721f81',
    '#9e2f7f',
    '#cd4071',
    '#f1605d',
    '#fd9668',
    '#feca8d',
    '#fcfdbf',
  ],
  Inferno: [
    '#000004',
    '#1b0c41',
    '#4a0c6b',
    '#781c6d',
    '#a52c60',
    '#cf4446',
    '#ed6925',
    '#fb9b06',
    '#f7d13d',
    '#fcffa4',
  ],
  Cividis: [
    '#00224e',
    '#123570',
    '#3b496c',
    '#575d6d',
    '#707173',
    '#8a8779',
    '#a69d75',
    '#c4b56c',
    '#e4cf5b',
    '#fee838',
  ],
  Turbo: [
    '#30123b',
    '#4145ab',
    '#4675ed',
    '#39a2fc',
    '#1bcfd4',
    '#24eca6',
    '#61fc6c',
    '#a4fc3b',
    '#d1e834',
    '#f3c63a',
    '#fe9b2d',
    '#f36315',
    '#d93806',
    '#b11901',
    '#7a0402',
  ],
  RdBu: ['#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7', '#fddbc7', '#f4a582', '#d6604d', '#b2182b'],
};

export const COLORSCALES = ['Viridis', 'Plasma', 'Magma', 'Cividis', 'Inferno', 'Turbo'] as const;

const luts = new Map<string, Uint8Array>();

function hex(c: string): [number, number, number] {
  const n = Number.parseInt(c.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** 256 RGB triples of a colour scale (Viridis when the name is unknown). */
export function colormapLut(name: string): Uint8Array {
  const key = ANCHORS[name] ? name : 'Viridis';
  let lut = luts.get(key);
  if (lut) return lut;
  const stops = ANCHORS[key].map(hex);
  lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (stops.length - 1);
    const a = Math.min(stops.length - 2, Math.floor(t));
    const f = t - a;
    for (let c = 0; c < 3; c++)
      lut[i * 3 + c] = Math.round(stops[a][c] + (stops[a + 1][c] - stops[a][c]) * f);
  }
  luts.set(key, lut);
  return lut;
}

/** CSS colour of a value in [0, 1]. */
export function colormapCss(name: string, t: number): string {
  const lut = colormapLut(name);
  const i = Math.max(0, Math.min(255, Math.round(t * 255))) * 3;
  return `rgb(${lut[i]},${lut[i + 1]},${lut[i + 2]})`;
}

/** `#rrggbb` of a value in [0, 1], for colours that go through the contrast adjustment. */
export function colormapHex(name: string, t: number): string {
  const lut = colormapLut(name);
  const i = Math.max(0, Math.min(255, Math.round(t * 255))) * 3;
  return rgbToHex({ r: lut[i], g: lut[i + 1], b: lut[i + 2] });
}

/** A CSS linear-gradient of a scale, for colour bars. */
export function colormapGradient(name: string, direction = 'to top'): string {
  const stops: string[] = [];
  for (let i = 0; i <= 10; i++) stops.push(`${colormapCss(name, i / 10)} ${i * 10}%`);
  return `linear-gradient(${direction}, ${stops.join(', ')})`;
}
