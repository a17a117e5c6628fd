import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isSmoothMode,
  type SmoothMode,
  smooth,
  smoothEma,
  smoothEmaDebiased,
  smoothGaussian,
  smoothMovingAverage,
} from '../src/index.js';

// Straightforward reference implementations, written from docs/ui.md#smoothing as literally as possible.

function segmentsOf(values: number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = 0;
  while (i < values.length) {
    while (i < values.length && !Number.isFinite(values[i])) i++;
    const s = i;
    while (i < values.length && Number.isFinite(values[i])) i++;
    if (i > s) out.push([s, i]);
  }
  return out;
}

function perSegment(values: number[], f: (y: number[]) => number[]): number[] {
  const out = values.map(() => Number.NaN);
  for (const [s, e] of segmentsOf(values)) {
    const r = f(values.slice(s, e));
    for (let k = 0; k < r.length; k++) out[s + k] = r[k];
  }
  return out;
}

/** The original's EMA with its per-index decay d_i = min(i / (1 − α), α), α clamped to 0.999. */
function refEma(values: number[], v: number): number[] {
  const a = Math.min(v, 0.999);
  return perSegment(values, (y) => {
    const s: number[] = [];
    let last = 0;
    for (let i = 0; i < y.length; i++) {
      const d = Math.min(i / (1 - a), a);
      last = d * last + (1 - d) * y[i];
      s.push(last);
    }
    return s;
  });
}

function refEmaDebiased(values: number[], v: number): number[] {
  const a = Math.min(v, 0.999);
  return perSegment(values, (y) => {
    let m = 0;
    return y.map((yk, idx) => {
      m = a * m + (1 - a) * yk;
      return m / (1 - a ** (idx + 1));
    });
  });
}

function refMa(values: number[], v: number): number[] {
  const w = Math.max(1, Math.floor(v));
  return perSegment(values, (y) =>
    y.map((_, i) => {
      const from = Math.max(0, i - w + 1);
      let sum = 0;
      for (let k = from; k <= i; k++) sum += y[k];
      return sum / (i - from + 1);
    }),
  );
}

function refGaussian(values: number[], v: number): number[] {
  const K = Math.max(3, Math.floor(v));
  const sigma = K / 6;
  const h = Math.floor(K / 2);
  return perSegment(values, (y) =>
    y.map((_, i) => {
      let num = 0;
      let den = 0;
      for (let j = -h; j <= h; j++) {
        if (i + j < 0 || i + j >= y.length) continue;
        const g = Math.exp(-(j * j) / (2 * sigma * sigma));
        num += g * y[i + j];
        den += g;
      }
      return num / den;
    }),
  );
}

function expectClose(actual: ArrayLike<number>, expected: number[], tol = 1e-9): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    if (Number.isNaN(e)) {
      expect(a, `index ${i}`).toBeNaN();
    } else {
      expect(Math.abs(a - e), `index ${i}: ${a} vs ${e}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e)));
    }
  }
}

const finiteValue = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
const seriesValue = fc.oneof(
  { weight: 8, arbitrary: finiteValue },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) },
);
const series = fc.array(seriesValue, { maxLength: 120, size: 'max' });

describe('ema', () => {
  it('matches a hand-computed case', () => {
    expectClose(smoothEma([1, 2, 3], 0.5), [1, 1.5, 2.25], 0);
  });

  it('is seeded with the first value of each segment', () => {
    expectClose(smoothEma([4, 4, 4], 0.9), [4, 4, 4]);
    expectClose(smoothEma([1, 2, Number.NaN, 10, 20], 0.5), [1, 1.5, Number.NaN, 10, 15], 0);
  });

  it('clamps alpha = 1 to 0.999, so the result is finite and moves', () => {
    const s = smoothEma([0, 10, 10], 1);
    expect(s[1]).toBeCloseTo(0.01, 12);
    expect(s.every(Number.isFinite)).toBe(true);
    expectClose(smoothEma([0, 10], 5), [0, 0.01]);
  });

  it('alpha = 0 returns the series', () => {
    expectClose(smoothEma([3, -1, 7], 0), [3, -1, 7], 0);
  });

  it('matches the original decay formula on random series', () => {
    fc.assert(
      fc.property(series, fc.double({ min: 0, max: 1, noNaN: true }), (values, alpha) => {
        expectClose(smoothEma(values, alpha), refEma(values, alpha));
      }),
    );
  });
});

describe('ema_debiased', () => {
  it('matches a hand-computed case', () => {
    // k = 1: m = 0.5, s = 0.5 / 0.5 = 1; k = 2: m = 0.25 + 1 = 1.25, s = 1.25 / 0.75.
    expectClose(smoothEmaDebiased([1, 2], 0.5), [1, 1.25 / 0.75], 1e-15);
  });

  it('gives exactly the constant of a constant segment', () => {
    fc.assert(
      fc.property(
        finiteValue,
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (c, n, alpha) => {
          const s = smoothEmaDebiased(new Array(n).fill(c), alpha);
          // Numeric equality: a segment of -0 may smooth to +0, which is the same value.
          for (const v of s) expect(v === c).toBe(true);
        },
      ),
    );
  });

  it('is not dragged toward 0 at the start (unlike a plain EMA seeded with 0)', () => {
    const s = smoothEmaDebiased([100, 100, 100, 0], 0.9);
    expect(s[2]).toBe(100);
    expect(s[3]).toBeLessThan(100);
  });

  it('matches m / (1 − α^k) on random series', () => {
    fc.assert(
      fc.property(series, fc.double({ min: 0, max: 1, noNaN: true }), (values, alpha) => {
        expectClose(smoothEmaDebiased(values, alpha), refEmaDebiased(values, alpha), 1e-7);
      }),
    );
  });
});

describe('ma', () => {
  it('uses a trailing window that is shorter at the start', () => {
    expectClose(smoothMovingAverage([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5], 0);
    expectClose(smoothMovingAverage([1, 2, 3, 4], 3.7), [1, 1.5, 2, 3], 0);
  });

  it('a window below 1 is 1, the identity', () => {
    expectClose(smoothMovingAverage([5, -2, 9], 0.2), [5, -2, 9], 0);
  });

  it('restarts the window after a break', () => {
    expectClose(
      smoothMovingAverage([2, 4, Number.POSITIVE_INFINITY, 10, 20], 5),
      [2, 3, Number.NaN, 10, 15],
      0,
    );
  });

  it('does not drift over a long series', () => {
    const n = 200_000;
    const values = Float64Array.from({ length: n }, (_, i) => 1e6 + Math.sin(i) * 1e-3);
    const s = smoothMovingAverage(values, 10);
    let direct = 0;
    for (let k = n - 10; k < n; k++) direct += values[k];
    expect(Math.abs(s[n - 1] - direct / 10)).toBeLessThan(1e-9);
  });

  it('matches the direct mean on random series', () => {
    fc.assert(
      fc.property(series, fc.double({ min: 0, max: 40, noNaN: true }), (values, w) => {
        expectClose(smoothMovingAverage(values, w), refMa(values, w), 1e-9);
      }),
    );
  });
});

describe('gaussian', () => {
  it('matches a hand-computed case with K = 3 (σ = 0.5, h = 1)', () => {
    const g1 = Math.exp(-2); // exp(−1 / (2 · 0.25))
    expectClose(
      smoothGaussian([0, 3, 0], 3),
      [(3 * g1) / (1 + g1), 3 / (1 + 2 * g1), (3 * g1) / (1 + g1)],
      1e-15,
    );
  });

  it('uses K = 3 for values below 3 and K + 1 taps for even K', () => {
    expectClose(smoothGaussian([0, 3, 0], 1), smoothGaussian([0, 3, 0], 3) as unknown as number[]);
    // K = 4: σ = 2/3, h = 2, so the point two away contributes.
    const s = smoothGaussian([0, 0, 0, 0, 6], 4);
    expect(s[2]).toBeGreaterThan(0);
    expect(smoothGaussian([0, 0, 0, 0, 6], 3)[2]).toBe(0);
  });

  it('keeps a constant segment constant (weights renormalised at the edges)', () => {
    const s = smoothGaussian([5, 5, 5, 5, 5], 9);
    for (const v of s) expect(v).toBeCloseTo(5, 12);
  });

  it('matches the direct formula on random series', () => {
    fc.assert(
      fc.property(series, fc.double({ min: 0, max: 30, noNaN: true }), (values, k) => {
        expectClose(smoothGaussian(values, k), refGaussian(values, k), 1e-9);
      }),
    );
  });

  it('accepts a kernel wider than the series', () => {
    const s = smoothGaussian([1, 2, 3], 1e9);
    expect(s[1]).toBeCloseTo(2, 9);
  });
});

describe('smooth', () => {
  const modes: SmoothMode[] = ['ema', 'ema_debiased', 'ma', 'gaussian'];

  it('dispatches to the four modes', () => {
    const values = [1, 5, 2, 8, 3];
    expect(Array.from(smooth(values, 'ema', 0.6))).toEqual(Array.from(smoothEma(values, 0.6)));
    expect(Array.from(smooth(values, 'ema_debiased', 0.6))).toEqual(
      Array.from(smoothEmaDebiased(values, 0.6)),
    );
    expect(Array.from(smooth(values, 'ma', 2))).toEqual(Array.from(smoothMovingAverage(values, 2)));
    expect(Array.from(smooth(values, 'gaussian', 5))).toEqual(Array.from(smoothGaussian(values, 5)));
  });

  it('gives NaN exactly where the input is not finite, in every mode', () => {
    fc.assert(
      fc.property(
        series,
        fc.constantFrom(...modes),
        fc.double({ min: 0, max: 20, noNaN: true }),
        (values, mode, v) => {
          const s = smooth(values, mode, v);
          expect(s.length).toBe(values.length);
          for (let i = 0; i < values.length; i++)
            expect(Number.isFinite(s[i])).toBe(Number.isFinite(values[i]));
        },
      ),
    );
  });

  it('smooths each segment independently', () => {
    fc.assert(
      fc.property(
        fc.array(finiteValue, { maxLength: 40, size: 'max' }),
        fc.array(finiteValue, { maxLength: 40, size: 'max' }),
        fc.constantFrom(...modes),
        fc.double({ min: 0, max: 20, noNaN: true }),
        (a, b, mode, v) => {
          const joined = smooth([...a, Number.NaN, ...b], mode, v);
          expect(Array.from(joined.subarray(0, a.length))).toEqual(Array.from(smooth(a, mode, v)));
          expect(Array.from(joined.subarray(a.length + 1))).toEqual(Array.from(smooth(b, mode, v)));
        },
      ),
    );
  });

  it('breaks segments where kinds marks a point as missing, whatever its stored value', () => {
    const values = [1, 2, 0, 10, 20];
    const kinds = Uint8Array.of(0, 0, 4, 0, 0);
    expectClose(smooth(values, 'ema', 0.5, kinds), [1, 1.5, Number.NaN, 10, 15], 0);
    expectClose(smooth(values, 'ma', 3, kinds), [1, 1.5, Number.NaN, 10, 15], 0);
  });

  it('handles empty and all-missing series', () => {
    for (const mode of modes) {
      expect(smooth([], mode, 3).length).toBe(0);
      const s = smooth([Number.NaN, Number.NEGATIVE_INFINITY], mode, 3);
      expect(Array.from(s).every(Number.isNaN)).toBe(true);
    }
  });

  it('rejects a NaN smoothing value, an unknown mode and mismatched kinds', () => {
    expect(() => smooth([1], 'ema', Number.NaN)).toThrow(RangeError);
    expect(() => smooth([1], 'median' as SmoothMode, 1)).toThrow(RangeError);
    expect(() => smooth([1, 2], 'ma', 2, Uint8Array.of(0))).toThrow(RangeError);
  });

  it('recognises the mode names', () => {
    for (const mode of modes) expect(isSmoothMode(mode)).toBe(true);
    expect(isSmoothMode('EMA')).toBe(false);
    expect(isSmoothMode(undefined)).toBe(false);
  });
});
