/** An sRGB colour with 8-bit channels. */
export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** Parses `#rgb` or `#rrggbb` (case-insensitive, `#` optional). Throws a RangeError otherwise. */
export function hexToRgb(hex: string): Rgb {
  const s = hex.startsWith('#') ? hex.slice(1) : hex;
  if (!/^([0-9a-f]{3}|[0-9a-f]{6})$/i.test(s)) throw new RangeError(`not a hex colour: ${hex}`);
  const full = s.length === 3 ? s[0] + s[0] + s[1] + s[1] + s[2] + s[2] : s;
  const n = Number.parseInt(full, 16);
  return { r: (n >> 16) & 0xff, g: (n >> 8) & 0xff, b: n & 0xff };
}

function channelHex(c: number): string {
  const v = Math.min(255, Math.max(0, Math.round(c)));
  return v.toString(16).padStart(2, '0');
}

/** `#rrggbb`, lower case; channels are rounded and clamped to 0–255. */
export function rgbToHex(rgb: Rgb): string {
  return `#${channelHex(rgb.r)}${channelHex(rgb.g)}${channelHex(rgb.b)}`;
}
