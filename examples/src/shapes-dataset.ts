/**
 * A small image dataset generated on the spot: 20×20 grey images of four shapes (disc, square, triangle,
 * cross) at random positions and sizes, with noise. Deterministic for a given seed.
 */
export const IMAGE_SIZE = 20;
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;
export const CLASSES = ['disc', 'square', 'triangle', 'cross'] as const;

export interface Dataset {
  /** n images, row-major, values in [0, 1]. */
  x: Float32Array;
  /** n labels (indices into CLASSES). */
  y: Uint8Array;
  n: number;
}

/** mulberry32: a tiny seeded random generator. */
export function randomGenerator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function inside(kind: number, dx: number, dy: number, r: number): boolean {
  switch (kind) {
    case 0:
      return dx * dx + dy * dy <= r * r;
    case 1:
      return Math.abs(dx) <= r * 0.85 && Math.abs(dy) <= r * 0.85;
    case 2:
      // Upward triangle: below the two slanted edges, above the base.
      return dy <= r * 0.8 && dy >= -r + 2 * Math.abs(dx);
    default:
      return Math.abs(dx) <= r * 0.28 || Math.abs(dy) <= r * 0.28
        ? Math.max(Math.abs(dx), Math.abs(dy)) <= r
        : false;
  }
}

function drawShape(out: Float32Array, offset: number, kind: number, rand: () => number): void {
  const r = 3.5 + rand() * 4;
  const cx = r + rand() * (IMAGE_SIZE - 2 * r);
  const cy = r + rand() * (IMAGE_SIZE - 2 * r);
  const ink = 0.6 + rand() * 0.4;
  for (let py = 0; py < IMAGE_SIZE; py++) {
    for (let px = 0; px < IMAGE_SIZE; px++) {
      const noise = (rand() - 0.5) * 0.35;
      const v = (inside(kind, px + 0.5 - cx, py + 0.5 - cy, r) ? ink : 0.05) + noise;
      out[offset + py * IMAGE_SIZE + px] = Math.min(1, Math.max(0, v));
    }
  }
}

export function makeDataset(n: number, seed: number): Dataset {
  const rand = randomGenerator(seed);
  const x = new Float32Array(n * PIXELS);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = Math.floor(rand() * CLASSES.length);
    drawShape(x, i * PIXELS, y[i], rand);
  }
  return { x, y, n };
}
