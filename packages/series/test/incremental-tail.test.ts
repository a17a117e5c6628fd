import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { downsample, firstIndexAfterStep, incrementalTail } from '../src/index.js';

const value = fc.oneof(
  { weight: 9, arbitrary: fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) },
);

/** A growing run: strictly increasing steps, a non-decreasing x (step itself, or a timestamp), values. */
const growingRun = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 50 }), value), {
    minLength: 1,
    maxLength: 500,
    size: 'max',
  })
  .chain((rows) =>
    fc.record({
      steps: fc.constant(
        rows.reduce<number[]>((acc, [d]) => {
          acc.push((acc.length ? acc[acc.length - 1] : -1) + d);
          return acc;
        }, []),
      ),
      times: fc.constant(
        rows.reduce<number[]>((acc, [, dt]) => {
          acc.push((acc.length ? acc[acc.length - 1] : 1_700_000_000_000) + dt);
          return acc;
        }, []),
      ),
      values: fc.constant(rows.map(([, , v]) => v)),
      cut: fc.integer({ min: 1, max: rows.length }),
      points: fc.integer({ min: 8, max: 48 }),
      axis: fc.constantFrom('step', 'timestamp'),
      xMin: fc.option(fc.integer({ min: 0, max: 300 }), { nil: null }),
    }),
  );

describe('incremental tail (docs/api.md#incremental-fetch)', () => {
  it('is the suffix of the full selection from the bucket of the first row with step > S', () => {
    fc.assert(
      fc.property(growingRun, (r) => {
        const x = Float64Array.from(r.axis === 'step' ? r.steps : r.times);
        const values = Float64Array.from(r.values);
        const full = downsample(x, values, { points: r.points, xMin: r.xMin });
        const S = r.steps[r.cut - 1];
        const tail = incrementalTail(full, x, r.steps, S);
        if (full.bucketWidth === null) {
          expect(tail.indices.length).toBe(0);
          return;
        }
        const firstNew = r.steps.findIndex((s, i) => s > S && (r.xMin === null || x[i] >= r.xMin));
        if (firstNew < 0) {
          expect(tail.fromBucketX).toBeNull();
          expect(tail.indices.length).toBe(0);
          return;
        }
        const id = Math.floor(x[firstNew] / full.bucketWidth);
        expect(tail.fromBucketId).toBe(id);
        expect(tail.fromBucketX).toBe(id * full.bucketWidth);
        const all = Array.from(full.indices);
        const from = all.findIndex((i) => Math.floor(x[i] / full.bucketWidth!) >= id);
        expect(Array.from(tail.indices)).toEqual(from < 0 ? [] : all.slice(from));
      }),
      { numRuns: 300 },
    );
  });

  it('splices a cached selection into the full selection of the grown series', () => {
    let bucketedSplices = 0;
    fc.assert(
      fc.property(growingRun, (r) => {
        const xAll = Float64Array.from(r.axis === 'step' ? r.steps : r.times);
        const vAll = Float64Array.from(r.values);
        const opts = { points: r.points, xMin: r.xMin };
        // What the client fetched earlier, while the run had `cut` rows …
        const cached = downsample(xAll.subarray(0, r.cut), vAll.subarray(0, r.cut), opts);
        if (cached.indices.length === 0) return;
        const S = r.steps[cached.indices[cached.indices.length - 1]];
        // … and what the server sends now.
        const full = downsample(xAll, vAll, opts);
        const tail = incrementalTail(full, xAll, r.steps, S);
        if (full.bucketWidth !== cached.bucketWidth) return; // the client refetches
        const spliced =
          tail.fromBucketX === null
            ? Array.from(cached.indices)
            : [
                ...Array.from(cached.indices).filter((i) => xAll[i] < tail.fromBucketX!),
                ...Array.from(tail.indices),
              ];
        const bothBucketed = cached.windowPoints > r.points && full.windowPoints > r.points;
        const bothWhole = cached.windowPoints <= r.points && full.windowPoints <= r.points;
        if (bothBucketed || bothWhole) {
          if (bothBucketed && tail.fromBucketX !== null) bucketedSplices++;
          expect(spliced).toEqual(Array.from(full.indices));
        } else {
          // A cache from while the series was small holds every row of the old buckets: a superset.
          expect(new Set(spliced)).toEqual(new Set([...spliced, ...Array.from(full.indices)]));
        }
      }),
      { numRuns: 400 },
    );
    expect(bucketedSplices).toBeGreaterThan(40); // the interesting case is not vacuous
  });

  it('works through a hand-worked case', () => {
    // x = step = 0 … 15, N = 8: w = 8; after_step = 9 → first new row 10, bucket 1, from_bucket_x = 8.
    const x = Float64Array.from({ length: 16 }, (_, i) => i);
    const v = Float64Array.of(5, 1, 9, 9, 1, 3, 0, 2, 7, 7, 0, 6, 8, 0, 1, 4);
    const full = downsample(x, v, { points: 8 });
    const tail = incrementalTail(full, x, x, 9);
    expect(tail.fromBucketX).toBe(8);
    expect(tail.fromBucketId).toBe(1);
    expect(Array.from(tail.indices)).toEqual(Array.from(full.indices).filter((i) => i >= 8));
    expect(incrementalTail(full, x, x, 15)).toEqual({
      indices: new Uint32Array(0),
      fromBucketX: null,
      fromBucketId: null,
    });
    expect(Array.from(incrementalTail(full, x, x, -1).indices)).toEqual(Array.from(full.indices));
  });

  it('without a bucket width returns the kept rows with step > S', () => {
    const x = Float64Array.of(0, 1, 2, 3);
    const full = downsample(x, Float64Array.of(1, 2, 3, 4), {});
    const tail = incrementalTail(full, x, x, 1);
    expect(Array.from(tail.indices)).toEqual([2, 3]);
    expect(tail.fromBucketX).toBeNull();
  });

  it('finds the first step after S by binary search', () => {
    expect(firstIndexAfterStep([0, 1, 1, 2, 5], 1)).toBe(3);
    expect(firstIndexAfterStep([0, 1, 1, 2, 5], -1)).toBe(0);
    expect(firstIndexAfterStep([0, 1, 1, 2, 5], 5)).toBe(5);
    expect(firstIndexAfterStep([], 5)).toBe(0);
  });

  it('checks that steps are parallel to x', () => {
    const x = Float64Array.of(0, 1);
    expect(() => incrementalTail(downsample(x, x, { points: 8 }), x, [0], 0)).toThrow(RangeError);
  });
});
