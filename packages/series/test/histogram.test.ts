import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  autoStride,
  binCenters,
  binWidths,
  buildSurface,
  canonicalGrid,
  defaultSurfaceBins,
  interpolateAt,
  isSurfaceNormalize,
  linspace,
  linspaceEdges,
  normalizeMatrix,
  resampleHistogram,
  strideSample,
  surfaceStride,
} from '../src/index.js';

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

describe('edges', () => {
  it('are K + 1 evenly spaced values from min to max, the last exactly max', () => {
    const e = linspaceEdges(-1, 1, 4);
    expect(Array.from(e)).toEqual([-1, -0.5, 0, 0.5, 1]);
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        fc.integer({ min: 1, max: 300 }),
        (min, span, k) => {
          const max = min + span;
          const edges = linspaceEdges(min, max, k);
          expect(edges.length).toBe(k + 1);
          expect(edges[0]).toBe(min);
          expect(edges[k]).toBe(max);
          for (let i = 1; i <= k; i++) expect(edges[i]).toBeGreaterThanOrEqual(edges[i - 1]);
        },
      ),
    );
  });

  it('are computed as numpy.linspace does (start + i·step)', () => {
    // numpy.linspace(0, 1, 11)[3] is 0.30000000000000004, not 0.3.
    expect(linspaceEdges(0, 1, 10)[3]).toBe(0.30000000000000004);
    expect(linspace(0, 1, 11)[7]).toBe(7 * 0.1);
    expect(Array.from(linspace(2, 2, 3))).toEqual([2, 2, 2]);
    expect(Array.from(linspace(5, 9, 1))).toEqual([5]);
    expect(linspace(5, 9, 0).length).toBe(0);
  });

  it('give centres and widths', () => {
    expect(Array.from(binCenters([0, 1, 3]))).toEqual([0.5, 2]);
    expect(Array.from(binWidths([0, 1, 3]))).toEqual([1, 2]);
    expect(binCenters([1]).length).toBe(0);
  });

  it('reject a bad bin count', () => {
    expect(() => linspaceEdges(0, 1, 0)).toThrow(RangeError);
    expect(() => linspaceEdges(0, 1, 2.5)).toThrow(RangeError);
  });
});

describe('linear interpolation', () => {
  it('interpolates between points and holds the ends flat, like numpy.interp', () => {
    const xp = [0, 1, 3];
    const fp = [0, 10, 30];
    expect(interpolateAt(xp, fp, 0.5)).toBe(5);
    expect(interpolateAt(xp, fp, 2)).toBe(20);
    expect(interpolateAt(xp, fp, 3)).toBe(30);
    expect(interpolateAt(xp, fp, -1)).toBe(0);
    expect(interpolateAt(xp, fp, 9)).toBe(30);
    expect(interpolateAt([], [], 1)).toBeNaN();
    expect(interpolateAt(xp, fp, Number.NaN)).toBeNaN();
  });
});

describe('histogram resampling (docs/api.md#histogram-surface step 4)', () => {
  it('returns the same counts on the same edges', () => {
    const edges = [0, 1, 2, 3, 4];
    const counts = [3, 10, 12, 2];
    const out = resampleHistogram(edges, counts, edges);
    for (let i = 0; i < counts.length; i++) expect(out[i]).toBeCloseTo(counts[i], 9);
  });

  it('works from a stored {min, max} like from its edges', () => {
    const counts = [1, 5, 2, 8];
    const target = linspaceEdges(-3, 3, 17);
    expect(Array.from(resampleHistogram({ min: -1, max: 1 }, counts, target))).toEqual(
      Array.from(resampleHistogram(linspaceEdges(-1, 1, 4), counts, target)),
    );
  });

  it('is density × target width: halving the bins halves the counts', () => {
    // A flat histogram: density 10 per unit everywhere on [0, 4].
    const out = resampleHistogram([0, 1, 2, 3, 4], [10, 10, 10, 10], linspaceEdges(0, 4, 8));
    for (const v of out) expect(v).toBeCloseTo(5, 12);
  });

  it('is 0 where a target centre lies outside the source range', () => {
    // Source: density 4 on [0, 2]. Target centres: −2.5, −1.5, 0, 1, 2, 3.
    const out = resampleHistogram([0, 1, 2], [4, 4], [-3, -2, -0.5, 0.5, 1.5, 2.5, 3.5]);
    expect(Array.from(out)).toEqual([0, 0, 4, 4, 4, 0]); // the range ends themselves are inside
  });

  it('turns counts into densities with widths of at least 1e-9', () => {
    // A degenerate source of width 0 sits at one point: only a centre exactly there sees it.
    const out = resampleHistogram([1, 1], [5], [0.5, 1.5]);
    expect(out[0]).toBeCloseTo((5 / 1e-9) * 1, 0);
    expect(resampleHistogram([1, 1], [5], [0, 1.5])[0]).toBe(0);
  });

  it('conserves the total count when the target grid covers the source and splits each bin evenly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 40, size: 'max' }),
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.double({ min: 0.01, max: 50, noNaN: true }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 5 }),
        (counts, min, span, split, pad) => {
          const k = counts.length;
          const w = span / k;
          // Target bins of width w / (2·split), aligned with the source edges, reaching `pad` source bins beyond.
          const target = linspaceEdges(min - pad * w, min + (k + pad) * w, (k + 2 * pad) * 2 * split);
          const out = resampleHistogram(linspaceEdges(min, min + span, k), counts, target);
          const total = sum(counts);
          expect(Math.abs(sum(out) - total)).toBeLessThanOrEqual(1e-6 * Math.max(1, total));
        },
      ),
    );
  });

  it('approximately conserves the total on unaligned fine grids', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 2, maxLength: 30, size: 'max' }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (counts, shift) => {
          const k = counts.length;
          const target = linspaceEdges(-1 - shift, k + 1 + shift, 400 * k + 7);
          const out = resampleHistogram(linspaceEdges(0, k, k), counts, target);
          const total = sum(counts);
          expect(Math.abs(sum(out) - total)).toBeLessThanOrEqual(0.01 * Math.max(1, total));
        },
      ),
    );
  });

  it('rejects edges that do not fit the counts', () => {
    expect(() => resampleHistogram([0, 1], [1, 2], [0, 1])).toThrow(RangeError);
    expect(resampleHistogram([0], [], [0, 1, 2])).toEqual(new Float64Array(2));
  });
});

describe('canonical grid (docs/api.md#histogram-surface step 2)', () => {
  it('spans the smallest first edge to the largest last edge', () => {
    const grid = canonicalGrid([[-1, 0, 1], { min: -3, max: 0.5 }, [0, 2]], 4);
    expect(grid.min).toBe(-3);
    expect(grid.max).toBe(2);
    expect(grid.bins).toBe(4);
    expect(Array.from(grid.edges)).toEqual([-3, -1.75, -0.5, 0.75, 2]);
    expect(Array.from(grid.centers)).toEqual([-2.375, -1.125, 0.125, 1.375]);
  });

  it('uses max = min + 1 when the range is empty', () => {
    const grid = canonicalGrid([{ min: 2, max: 2 }], 2);
    expect(grid.min).toBe(2);
    expect(grid.max).toBe(3);
  });

  it('throws when no entry has a range', () => {
    expect(() => canonicalGrid([], 4)).toThrow(RangeError);
    expect(() => canonicalGrid([[]], 4)).toThrow(RangeError);
  });
});

describe('row sampling (docs/api.md#histogram-surface step 3)', () => {
  it('takes every s-th entry and always the last', () => {
    expect(Array.from(strideSample(10, 3))).toEqual([0, 3, 6, 9]);
    expect(Array.from(strideSample(11, 3))).toEqual([0, 3, 6, 9, 10]);
    expect(Array.from(strideSample(4, 1))).toEqual([0, 1, 2, 3]);
    expect(Array.from(strideSample(4, 0))).toEqual([0, 1, 2, 3]);
    expect(Array.from(strideSample(1, 5))).toEqual([0]);
    expect(strideSample(0, 5).length).toBe(0);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 300 }), (n, s) => {
        const rows = Array.from(strideSample(n, s));
        expect(rows[0]).toBe(0);
        expect(rows[rows.length - 1]).toBe(n - 1);
        for (let i = 1; i < rows.length; i++) expect(rows[i]).toBeGreaterThan(rows[i - 1]);
        for (let i = 0; i < rows.length - 1; i++) expect(rows[i]).toBe(i * s);
        expect(rows.length).toBeLessThanOrEqual(Math.ceil(n / s) + 1);
      }),
    );
  });

  it('picks the stride from `downsample` and `target_rows`', () => {
    expect(autoStride(1000, 180)).toBe(6);
    expect(autoStride(180, 180)).toBe(1);
    expect(autoStride(0)).toBe(1);
    expect(surfaceStride(1000, -1, 100)).toBe(10);
    expect(surfaceStride(1000, -1)).toBe(6);
    expect(surfaceStride(1000, 0)).toBe(1);
    expect(surfaceStride(1000, 1)).toBe(1);
    expect(surfaceStride(1000, 7)).toBe(7);
    expect(() => autoStride(10, 0)).toThrow(RangeError);
  });
});

describe('normalization (docs/api.md#histogram-surface step 7)', () => {
  const rows = [
    [1, 4, 2],
    [0, 0, 0],
    [8, 2, 0],
  ];

  it('per-step divides each row by its maximum, treating 0 as 1', () => {
    const { rows: out, rawMax } = normalizeMatrix(rows, 'per-step');
    expect(rawMax).toBe(8);
    expect(Array.from(out[0])).toEqual([0.25, 1, 0.5]);
    expect(Array.from(out[1])).toEqual([0, 0, 0]);
    expect(Array.from(out[2])).toEqual([1, 0.25, 0]);
  });

  it('global divides by the overall maximum; none copies', () => {
    expect(Array.from(normalizeMatrix(rows, 'global').rows[0])).toEqual([0.125, 0.5, 0.25]);
    const none = normalizeMatrix(rows, 'none');
    expect(Array.from(none.rows[2])).toEqual([8, 2, 0]);
    expect(none.rows[2]).not.toBe(rows[2]);
    expect(normalizeMatrix([[0, 0]], 'global').rows[0]).toEqual(Float64Array.of(0, 0));
    expect(normalizeMatrix([], 'global').rawMax).toBe(0);
  });

  it('knows its modes', () => {
    expect(isSurfaceNormalize('per-step')).toBe(true);
    expect(isSurfaceNormalize('per_step')).toBe(false);
    expect(() => normalizeMatrix(rows, 'max' as 'none')).toThrow(RangeError);
  });
});

describe('surface', () => {
  it('resamples sampled entries onto one grid, keeping the last entry', () => {
    const entries = Array.from({ length: 7 }, (_, i) => ({
      edges: { min: -1 - i, max: 1 + i },
      counts: [1, 2, 3, 4],
    }));
    const s = buildSurface(entries, { downsample: 3, bins: 16, normalize: 'per-step' });
    expect(Array.from(s.sampled)).toEqual([0, 3, 6]);
    expect(s.downsampleRate).toBe(3);
    expect(s.originalEntries).toBe(7);
    expect(s.sampledEntries).toBe(3);
    expect(s.grid.min).toBe(-7);
    expect(s.grid.max).toBe(7);
    expect(s.grid.edges.length).toBe(17);
    expect(s.matrix.length).toBe(3);
    for (const row of s.matrix) expect(Math.max(...row)).toBeCloseTo(1, 12);
    expect(s.rawMaxValue).toBeGreaterThan(0);
    const raw = resampleHistogram(entries[6].edges, entries[6].counts, s.grid.edges);
    expect(s.matrix[2][8]).toBeCloseTo(raw[8] / Math.max(...raw), 12);
  });

  it('defaults to the first entry’s bin count clamped to 8–1024 and the automatic stride', () => {
    expect(defaultSurfaceBins(4)).toBe(8);
    expect(defaultSurfaceBins(64)).toBe(64);
    expect(defaultSurfaceBins(5000)).toBe(1024);
    const entries = Array.from({ length: 400 }, () => ({ edges: [0, 1, 2], counts: [1, 1] }));
    const s = buildSurface(entries);
    expect(s.grid.bins).toBe(8);
    expect(s.downsampleRate).toBe(3);
    expect(s.sampled[s.sampled.length - 1]).toBe(399);
    expect(() => buildSurface([])).toThrow(RangeError);
  });
});
