import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  densitySampler,
  kdeDefaultBins,
  kdePointsGrid,
  kdeRangeTolerance,
  kdeSharedGrid,
  kdeSharedRange,
  kdeToCounts,
  linspaceEdges,
  resampleDensity,
} from '../src/index.js';

describe('KDE shared range (docs/api.md#kde-as-histograms)', () => {
  it('takes the minimum range_min and maximum range_max over entries, falling back to the grid', () => {
    const range = kdeSharedRange([
      { grid: [-1, 0, 1], rangeMin: -2, rangeMax: 1 },
      { grid: [-0.5, 3], rangeMin: null, rangeMax: null },
      { grid: [0, 1], rangeMin: -1, rangeMax: 2.5 },
    ]);
    expect(range).toEqual({ min: -2, max: 3 });
  });

  it('uses the smallest and largest grid values, whatever their order', () => {
    expect(kdeSharedRange([{ grid: [2, -4, 1] }])).toEqual({ min: -4, max: 2 });
  });

  it('widens equal ends by ±0.005', () => {
    const { min, max } = kdeSharedRange([{ grid: [1, 1], rangeMin: 1, rangeMax: 1 }]);
    expect(min).toBeCloseTo(0.995, 15);
    expect(max).toBeCloseTo(1.005, 15);
  });

  it('lets the query override either end, and makes an empty result max = min + 1', () => {
    const entries = [{ grid: [0, 1], rangeMin: 0, rangeMax: 1 }];
    expect(kdeSharedRange(entries, { rangeMin: -5 })).toEqual({ min: -5, max: 1 });
    expect(kdeSharedRange(entries, { rangeMax: 0.5 })).toEqual({ min: 0, max: 0.5 });
    expect(kdeSharedRange(entries, { rangeMin: 3 })).toEqual({ min: 3, max: 4 });
    expect(kdeSharedRange(entries, { rangeMin: 2, rangeMax: 2 })).toEqual({ min: 2, max: 3 });
    // The ±0.005 widening happens before the override.
    const flat = [{ grid: [1], rangeMin: 1, rangeMax: 1 }];
    expect(kdeSharedRange(flat, { rangeMax: 4 }).min).toBeCloseTo(0.995, 15);
  });

  it('throws when nothing gives a range', () => {
    expect(() => kdeSharedRange([])).toThrow(RangeError);
    expect(kdeSharedRange([], { rangeMin: 0, rangeMax: 2 })).toEqual({ min: 0, max: 2 });
  });
});

describe('KDE bin count (docs/api.md#kde-as-histograms)', () => {
  it('is max(P − 1, 32) with P = max(min(min num_points, 256), 32)', () => {
    expect(
      kdeDefaultBins([
        { grid: [], numPoints: 100 },
        { grid: [], numPoints: 300 },
      ]),
    ).toBe(99);
    expect(kdeDefaultBins([{ grid: [], numPoints: 1000 }])).toBe(255);
    expect(kdeDefaultBins([{ grid: [], numPoints: 10 }])).toBe(32); // P = 32, P − 1 = 31 < 32
    expect(kdeDefaultBins([{ grid: [], numPoints: 33 }])).toBe(32);
    expect(kdeDefaultBins([{ grid: [], numPoints: 34 }])).toBe(33);
    expect(kdeDefaultBins([{ grid: new Float64Array(64), numPoints: null }])).toBe(63); // num_points = grid size
  });

  it('builds bins + 1 evenly spaced edges, `bins` overriding the rule', () => {
    const entries = [{ grid: [0, 0.5, 1], rangeMin: 0, rangeMax: 1, numPoints: 128 }];
    const grid = kdeSharedGrid(entries);
    expect(grid.bins).toBe(127);
    expect(grid.edges.length).toBe(128);
    expect(grid.edges[0]).toBe(0);
    expect(grid.edges[127]).toBe(1);
    const given = kdeSharedGrid(entries, { bins: 8, rangeMin: -1 });
    expect(Array.from(given.edges)).toEqual(Array.from(linspaceEdges(-1, 1, 8)));
    expect(() => kdeSharedGrid(entries, { bins: 0 })).toThrow(RangeError);
  });
});

describe('KDE as counts (docs/api.md#kde-as-histograms)', () => {
  it('is the density at each bin centre × bin width × sample_count', () => {
    const counts = kdeToCounts(
      { grid: [0, 1], density: [1, 1], rangeMin: 0, rangeMax: 1, sampleCount: 10 },
      [0, 0.25, 0.5, 0.75, 1],
    );
    expect(Array.from(counts)).toEqual([2.5, 2.5, 2.5, 2.5]);
  });

  it('interpolates linearly and uses sample_count 1 when it is missing', () => {
    const counts = kdeToCounts({ grid: [0, 2], density: [0, 4] }, [0, 1, 2]); // centres 0.5 and 1.5
    expect(Array.from(counts)).toEqual([1, 3]);
  });

  it('is 0 outside the entry’s grid', () => {
    const counts = kdeToCounts({ grid: [0, 1], density: [1, 1], sampleCount: 1 }, [-2, -1, 0, 1, 2, 3]);
    expect(Array.from(counts)).toEqual([0, 0, 1, 0, 0]);
  });

  it('is 0 outside the entry’s own range beyond the tolerance', () => {
    // The grid reaches 1, but the entry’s range stops at 0.5.
    const entry = { grid: [0, 1], density: [1, 1], rangeMin: 0, rangeMax: 0.5 };
    expect(Array.from(kdeToCounts(entry, [0, 0.5, 1]))).toEqual([0.5, 0]);
    // A centre just beyond range_max, inside the tolerance max(0.5·1e-6, 1e-9), still counts.
    expect(kdeRangeTolerance(0, 0.5)).toBe(5e-7);
    expect(kdeRangeTolerance(0, 1e-6)).toBe(1e-9);
    const c = 0.5 + 4e-7;
    expect(kdeToCounts(entry, [c - 0.1, c + 0.1])[0]).toBeCloseTo(0.2, 12);
    expect(kdeToCounts(entry, [c + 2e-7 - 0.1, c + 2e-7 + 0.1])[0]).toBe(0);
  });

  it('clips below at 0 and turns NaN into 0', () => {
    // Centres 0.5 and 1.5: densities −1 and 1.
    expect(Array.from(kdeToCounts({ grid: [0, 1, 2], density: [-2, 0, 2] }, [0, 1, 2]))).toEqual([0, 1]);
    expect(Array.from(kdeToCounts({ grid: [0, 1], density: [Number.NaN, 1] }, [0, 1]))).toEqual([0]);
  });

  it('never gives a negative or non-finite count for finite densities', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 2, maxLength: 50, size: 'max' }),
        fc.integer({ min: 1, max: 300 }),
        (density, bins) => {
          const grid = Array.from(linspaceEdges(-1, 1, density.length - 1));
          const counts = kdeToCounts({ grid, density, sampleCount: 100 }, linspaceEdges(-2, 2, bins));
          for (const c of counts) {
            expect(c).toBeGreaterThanOrEqual(0);
            expect(Number.isFinite(c)).toBe(true);
          }
        },
      ),
    );
  });

  it('rejects a grid and density of different lengths', () => {
    expect(() => kdeToCounts({ grid: [0, 1], density: [1] }, [0, 1])).toThrow(RangeError);
  });
});

describe('KDE on a shared grid of points (docs/api.md#kernel-density)', () => {
  it('gives densities, 0 outside the entry’s range', () => {
    const out = resampleDensity([0, 1, 2], [0, 2, 4], [-1, 0, 0.5, 1.5, 2, 3], 0, 2);
    expect(Array.from(out)).toEqual([0, 0, 1, 3, 4, 0]);
    expect(Array.from(resampleDensity([0, 1, 2], [0, 2, 4], [0.5, 1.5], 0, 1))).toEqual([1, 0]);
  });

  it('builds `points` evenly spaced values over the docs/api.md#histograms range', () => {
    const entries = [
      { grid: [0, 1], rangeMin: 0, rangeMax: 1 },
      { grid: [2, 3], rangeMin: 2, rangeMax: 3 },
    ];
    expect(Array.from(kdePointsGrid(entries, 4))).toEqual([0, 1, 2, 3]);
    expect(Array.from(kdePointsGrid(entries, 3, { rangeMin: 1 }))).toEqual([1, 2, 3]);
    expect(() => kdePointsGrid(entries, 0)).toThrow(RangeError);
  });

  it('samples an empty grid as 0', () => {
    expect(densitySampler([], [])(0)).toBe(0);
  });
});
