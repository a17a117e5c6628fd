import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketCount, bucketWidth, type DownsampleOptions, downsample } from '../src/index.js';

/** docs/api.md#downsampling, written as literally as possible: filter, group with a Map, pick, sort. */
function reference(x: number[], values: number[], opts: DownsampleOptions): number[] {
  const given = (b: number | null | undefined) => (typeof b === 'number' && Number.isFinite(b) ? b : null);
  const xMin = given(opts.xMin);
  const xMax = given(opts.xMax);
  const R: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i])) continue;
    if (xMin !== null && x[i] < xMin) continue;
    if (xMax !== null && x[i] > xMax) continue;
    R.push(i);
  }
  if (R.length === 0) return [];
  const kept = new Set<number>();
  const N = opts.points ?? 0;
  if (!N || R.length <= N) {
    for (const i of R) kept.add(i);
  } else {
    const B = Math.max(2, Math.floor(N / 4));
    const lo = xMin ?? Math.min(...R.map((i) => x[i]));
    const hi = xMax ?? Math.max(...R.map((i) => x[i]));
    let w = 1;
    while (Math.floor(hi / w) - Math.floor(lo / w) + 1 > B) w *= 2;
    const groups = new Map<number, number[]>();
    for (const i of R) {
      const id = Math.floor(x[i] / w);
      const g = groups.get(id) ?? [];
      g.push(i);
      groups.set(id, g);
    }
    for (const rows of groups.values()) {
      kept.add(rows[0]);
      kept.add(rows[rows.length - 1]);
      const finite = rows.filter((i) => Number.isFinite(values[i]));
      if (finite.length > 0) {
        let mn = finite[0];
        let mx = finite[0];
        for (const i of finite) {
          if (values[i] < values[mn]) mn = i;
          if (values[i] > values[mx]) mx = i;
        }
        kept.add(mn);
        kept.add(mx);
      }
      const nan = rows.find((i) => Number.isNaN(values[i]) && opts.kinds?.[i] !== 4);
      const pos = rows.find((i) => values[i] === Number.POSITIVE_INFINITY);
      const neg = rows.find((i) => values[i] === Number.NEGATIVE_INFINITY);
      for (const i of [nan, pos, neg]) if (i !== undefined) kept.add(i);
    }
  }
  kept.add(R[0]);
  kept.add(R[R.length - 1]);
  if (xMin !== null || xMax !== null) {
    if (R[0] > 0) kept.add(R[0] - 1);
    if (R[R.length - 1] + 1 < x.length) kept.add(R[R.length - 1] + 1);
  }
  return [...kept].sort((a, b) => a - b);
}

const value = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }) },
  { weight: 3, arbitrary: fc.integer({ min: -3, max: 3 }) }, // ties
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) },
);

/** Step-ordered x: non-decreasing (step, timestamp), with repeats and gaps. */
const sortedX = fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 400, size: 'max' }).chain((gaps) =>
  fc.integer({ min: 0, max: 5000 }).map((start) => {
    let x = start;
    return gaps.map((g) => {
      x += g;
      return x;
    });
  }),
);

/** Any x (global_step need not be monotonic), with nulls (NaN). */
const anyX = fc.array(
  fc.oneof(
    { weight: 9, arbitrary: fc.integer({ min: 0, max: 3000 }) },
    { weight: 1, arbitrary: fc.constant(Number.NaN) },
  ),
  { maxLength: 400, size: 'max' },
);

const bound = fc.option(fc.integer({ min: -100, max: 6000 }), { nil: null });

const caseOf = (xs: fc.Arbitrary<number[]>) =>
  xs.chain((x) =>
    fc.record({
      x: fc.constant(x),
      values: fc.array(value, { minLength: x.length, maxLength: x.length }),
      points: fc.oneof(
        { weight: 9, arbitrary: fc.integer({ min: 8, max: 64 }) },
        { weight: 1, arbitrary: fc.constant(0) },
      ),
      xMin: bound,
      xMax: bound,
    }),
  );

function run(c: { x: number[]; values: number[]; points: number; xMin: number | null; xMax: number | null }) {
  return downsample(Float64Array.from(c.x), Float64Array.from(c.values), {
    points: c.points,
    xMin: c.xMin,
    xMax: c.xMax,
  });
}

describe('downsample against a brute-force reference', () => {
  it('selects exactly the rows of docs/api.md#downsampling for step-ordered x', () => {
    fc.assert(
      fc.property(caseOf(sortedX), (c) => {
        expect(Array.from(run(c).indices)).toEqual(reference(c.x, c.values, c));
      }),
      { numRuns: 400 },
    );
  });

  it('selects exactly the rows of docs/api.md#downsampling for non-monotonic x with nulls', () => {
    fc.assert(
      fc.property(caseOf(anyX), (c) => {
        expect(Array.from(run(c).indices)).toEqual(reference(c.x, c.values, c));
      }),
      { numRuns: 400 },
    );
  });

  it('agrees on a large series with many buckets (both code paths)', () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const n = 50_000;
    const steps: number[] = [];
    const shuffled: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      steps.push(i * 3);
      shuffled.push(Math.floor(rand() * n * 3));
      const r = rand();
      values.push(
        r < 0.001 ? Number.NaN : r < 0.0015 ? Infinity : r < 0.002 ? -Infinity : Math.round(rand() * 50),
      );
    }
    for (const x of [steps, shuffled]) {
      for (const opts of [{ points: 2000 }, { points: 500, xMin: 30_000, xMax: 90_000 }]) {
        const got = downsample(Float64Array.from(x), Float64Array.from(values), opts);
        expect(Array.from(got.indices)).toEqual(reference(x, values, opts));
      }
    }
  });
});

describe('downsample guarantees', () => {
  it('keeps every bucket’s minimum and maximum finite value', () => {
    fc.assert(
      fc.property(caseOf(anyX), (c) => {
        const got = run(c);
        if (got.bucketWidth === null || got.windowPoints <= c.points) return;
        const kept = new Set(got.indices);
        const w = got.bucketWidth;
        const byBucket = new Map<number, number[]>();
        for (let i = 0; i < c.x.length; i++) {
          const xi = c.x[i];
          if (Number.isNaN(xi) || (c.xMin !== null && xi < c.xMin) || (c.xMax !== null && xi > c.xMax))
            continue;
          if (!Number.isFinite(c.values[i])) continue;
          const id = Math.floor(xi / w);
          byBucket.set(id, [...(byBucket.get(id) ?? []), i]);
        }
        for (const rows of byBucket.values()) {
          const vals = rows.map((i) => c.values[i]);
          const keptVals = rows.filter((i) => kept.has(i)).map((i) => c.values[i]);
          expect(keptVals).toContain(Math.min(...vals));
          expect(keptVals).toContain(Math.max(...vals));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every non-finite marker kind of every bucket', () => {
    fc.assert(
      fc.property(caseOf(sortedX), (c) => {
        const got = run(c);
        if (got.bucketWidth === null) return;
        const w = got.bucketWidth;
        const present = new Set<string>();
        const kept = new Set<string>();
        const kind = (v: number) => (Number.isNaN(v) ? 'nan' : v > 0 ? '+inf' : '-inf');
        for (let i = 0; i < c.x.length; i++) {
          const xi = c.x[i];
          if ((c.xMin !== null && xi < c.xMin) || (c.xMax !== null && xi > c.xMax)) continue;
          if (Number.isFinite(c.values[i])) continue;
          present.add(`${Math.floor(xi / w)}:${kind(c.values[i])}`);
        }
        for (const i of got.indices) {
          const xi = c.x[i];
          if ((c.xMin !== null && xi < c.xMin) || (c.xMax !== null && xi > c.xMax)) continue;
          if (!Number.isFinite(c.values[i])) kept.add(`${Math.floor(xi / w)}:${kind(c.values[i])}`);
        }
        expect(kept).toEqual(present);
      }),
      { numRuns: 300 },
    );
  });

  it('returns at most 4B + 2 rows plus non-finite extras', () => {
    fc.assert(
      fc.property(caseOf(anyX), (c) => {
        const got = run(c);
        if (got.buckets === null || got.windowPoints <= c.points) return;
        const nonFinite = Array.from(got.indices).filter((i) => !Number.isFinite(c.values[i])).length;
        expect(got.indices.length).toBeLessThanOrEqual(4 * got.buckets + 2 + nonFinite);
      }),
      { numRuns: 300 },
    );
    // All finite: never more than 4B + 2, and the C1 bound of 2,002 for points = 2000.
    const n = 100_003;
    const x = Float64Array.from({ length: n }, (_, i) => i);
    const v = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 7) * Math.cos(i / 1001));
    const got = downsample(x, v, { points: 2000 });
    expect(got.indices.length).toBeLessThanOrEqual(2002);
    const win = downsample(x, v, { points: 2000, xMin: 40_000, xMax: 49_999.5 });
    expect(win.indices.length).toBeLessThanOrEqual(2002);
  });

  it('returns indices strictly increasing, in range, and the counts it reports', () => {
    fc.assert(
      fc.property(caseOf(anyX), (c) => {
        const got = run(c);
        for (let k = 1; k < got.indices.length; k++)
          expect(got.indices[k]).toBeGreaterThan(got.indices[k - 1]);
        for (const i of got.indices) expect(i).toBeLessThan(c.x.length);
        expect(got.returnedPoints).toBe(got.indices.length);
        const inWindow = c.x.filter(
          (xi) => !Number.isNaN(xi) && (c.xMin === null || xi >= c.xMin) && (c.xMax === null || xi <= c.xMax),
        ).length;
        expect(got.windowPoints).toBe(inWindow);
        expect(got.xMin).toBe(c.xMin);
        expect(got.xMax).toBe(c.xMax);
      }),
    );
  });

  it('is deterministic: the same data gives identical output', () => {
    fc.assert(
      fc.property(caseOf(anyX), (c) => {
        const a = run(c);
        const b = run({ ...c, x: [...c.x], values: [...c.values] });
        expect(b).toEqual(a);
      }),
      { numRuns: 100 },
    );
  });

  it('keeps the series’ first and last points without a window', () => {
    const x = Float64Array.from({ length: 1000 }, (_, i) => i);
    const v = Float64Array.from({ length: 1000 }, () => 1); // all equal: min and max are the bucket’s first row
    const got = downsample(x, v, { points: 16 });
    expect(got.indices[0]).toBe(0);
    expect(got.indices[got.indices.length - 1]).toBe(999);
    expect(got.windowPoints).toBe(1000);
  });

  it('keeps the window’s ends and the rows just before and after it', () => {
    const x = Float64Array.from({ length: 1000 }, (_, i) => i * 10);
    const v = Float64Array.from({ length: 1000 }, (_, i) => i % 7);
    const got = downsample(x, v, { points: 16, xMin: 1005, xMax: 5000 });
    const rows = Array.from(got.indices);
    expect(rows[0]).toBe(100); // x = 1000, just before the window
    expect(rows[1]).toBe(101); // x = 1010, the first row of R
    expect(rows).toContain(500); // x = 5000, the last row of R
    expect(rows[rows.length - 1]).toBe(501); // just after
    expect(got.firstWindowRow).toBe(101);
    expect(got.lastWindowRow).toBe(500);
    // Neighbours are also kept for a small window returned whole.
    expect(Array.from(downsample(x, v, { points: 100, xMin: 20, xMax: 40 }).indices)).toEqual([
      1, 2, 3, 4, 5,
    ]);
    // A window at the start has no row before it.
    expect(Array.from(downsample(x, v, { points: 100, xMax: 15 }).indices)).toEqual([0, 1, 2]);
  });

  it('returns a small series whole', () => {
    const x = Float64Array.of(0, 1, Number.NaN, 3);
    const v = Float64Array.of(5, Number.NaN, 2, Number.POSITIVE_INFINITY);
    const got = downsample(x, v, { points: 8 });
    expect(Array.from(got.indices)).toEqual([0, 1, 3]); // a null x is never in R
    expect(got.windowPoints).toBe(3);
    expect(got.buckets).toBe(2);
    expect(got.bucketWidth).toBe(2); // ⌊3/2⌋ − 0 + 1 = 2 ≤ B
    const off = downsample(x, v, {});
    expect(Array.from(off.indices)).toEqual([0, 1, 3]);
    expect(off.bucketWidth).toBeNull();
    expect(off.buckets).toBeNull();
  });

  it('returns nothing for an empty window', () => {
    const x = Float64Array.of(0, 1, 2);
    const got = downsample(x, Float64Array.of(1, 2, 3), { points: 8, xMin: 10 });
    expect(got.indices.length).toBe(0);
    expect(got.windowPoints).toBe(0);
    expect(got.bucketWidth).toBeNull();
    expect(downsample(new Float64Array(0), new Float64Array(0), { points: 8 }).indices.length).toBe(0);
  });

  it('matches a hand-worked case', () => {
    // 16 rows, x = 0 … 15, N = 8: B = 2; w = 8 is the first power of two with ⌊15/w⌋ + 1 ≤ 2.
    const x = Float64Array.from({ length: 16 }, (_, i) => i);
    const v = Float64Array.of(5, 1, 9, 9, 1, 3, Number.NaN, 2, 7, 7, 0, Infinity, 8, 0, -Infinity, 4);
    const got = downsample(x, v, { points: 8 });
    expect(got.bucketWidth).toBe(8);
    expect(got.buckets).toBe(2);
    // Bucket 0 (rows 0–7): first 0, last 7, min 1 at row 1 (tie with 4 → earliest), max 9 at row 2, NaN at 6.
    // Bucket 1 (rows 8–15): first 8, last 15, min 0 at row 10, max 8 at row 12, +Inf 11, −Inf 14.
    expect(Array.from(got.indices)).toEqual([0, 1, 2, 6, 7, 8, 10, 11, 12, 14, 15]);
  });

  it('does not treat a missing value as a NaN marker when kinds says so', () => {
    const x = Float64Array.from({ length: 20 }, (_, i) => i);
    const v = Float64Array.from({ length: 20 }, (_, i) => (i === 5 ? Number.NaN : 1));
    const kinds = new Uint8Array(20);
    kinds[5] = 4;
    expect(Array.from(downsample(x, v, { points: 8 }).indices)).toContain(5);
    expect(Array.from(downsample(x, v, { points: 8, kinds }).indices)).not.toContain(5);
  });

  it('checks its inputs', () => {
    expect(() => downsample(new Float64Array(2), new Float64Array(3), { points: 8 })).toThrow(RangeError);
    expect(() => downsample(new Float64Array(2), new Float64Array(2), { points: -1 })).toThrow(RangeError);
    expect(() =>
      downsample(new Float64Array(2), new Float64Array(2), { points: 8, kinds: new Uint8Array(1) }),
    ).toThrow(RangeError);
  });
});

describe('bucket width', () => {
  it('is the smallest power of two that fits the span into B buckets', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e12, max: 1e12, noNaN: true }),
        fc.double({ min: 0, max: 1e12, noNaN: true }),
        fc.integer({ min: 1, max: 30_000 }),
        (lo, span, buckets) => {
          const hi = lo + span;
          const w = bucketWidth(lo, hi, buckets);
          expect(Math.log2(w) % 1).toBe(0);
          expect(w).toBeGreaterThanOrEqual(1);
          expect(Math.floor(hi / w) - Math.floor(lo / w) + 1).toBeLessThanOrEqual(buckets);
          if (w > 1) expect(Math.floor(hi / (w / 2)) - Math.floor(lo / (w / 2)) + 1).toBeGreaterThan(buckets);
        },
      ),
    );
  });

  it('matches hand-computed widths', () => {
    expect(bucketCount(2000)).toBe(500);
    expect(bucketWidth(0, 999_999, 500)).toBe(2048);
    expect(bucketWidth(0, 511_999, 500)).toBe(1024);
    // ⌊999999/1024⌋ + 1 = 977 > 500, ⌊999999/2048⌋ + 1 = 489 ≤ 500.
    // 1,000 … 1,500 with B = 2: at 256, 5 − 3 + 1 = 3 > 2; at 512, 2 − 1 + 1 = 2 fits.
    expect(bucketWidth(1000, 1500, 2)).toBe(512);
  });

  it('B is max(2, ⌊N/4⌋)', () => {
    expect(bucketCount(8)).toBe(2);
    expect(bucketCount(5)).toBe(2);
    expect(bucketCount(9)).toBe(2);
    expect(bucketCount(12)).toBe(3);
    expect(bucketCount(100_000)).toBe(25_000);
  });

  it('rejects a bad range', () => {
    expect(() => bucketWidth(2, 1, 4)).toThrow(RangeError);
    expect(() => bucketWidth(0, Number.POSITIVE_INFINITY, 4)).toThrow(RangeError);
  });
});
