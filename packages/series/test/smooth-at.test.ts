import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SmoothMode, smooth, smoothAt } from '../src/index.js';

const value = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
);

describe('smoothAt', () => {
  it('equals smooth() at every index asked for, bit for bit, in every mode', () => {
    fc.assert(
      fc.property(
        fc.array(value, { maxLength: 300 }),
        fc.constantFrom<SmoothMode>('ema', 'ema_debiased', 'ma', 'gaussian'),
        fc.integer({ min: 1, max: 700 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (values, mode, size, picks) => {
          const v = mode === 'ema' || mode === 'ema_debiased' ? (size % 1000) / 1000 : size;
          const xs = Float64Array.from(values);
          const indices = Uint32Array.from(picks.filter((p) => p < xs.length));
          const full = smooth(xs, mode, v);
          const at = smoothAt(xs, mode, v, indices);
          expect(Array.from(at)).toEqual(Array.from(indices, (i) => full[i]));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('computes the Gaussian at the indices only: a kernel far wider than the points asked for costs little', () => {
    const n = 200_000;
    const xs = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 50));
    const indices = Uint32Array.from({ length: 10 }, (_, r) => r * 20_000);
    const at = smoothAt(xs, 'gaussian', 1000, indices);
    const full = smooth(xs.subarray(0, 1001), 'gaussian', 1000);
    // Index 0 only sees taps 0…500, all inside the first 1001 points.
    expect(at[0]).toBe(full[0]);
    expect(at.length).toBe(10);
  });
});
