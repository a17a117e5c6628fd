import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forwardFill, forwardFillIndices, isAscending, stepOrder } from '../src/index.js';

/** Brute force: the row with the largest step ≤ t; among equal steps the last appended. */
function reference(targets: number[], steps: number[]): number[] {
  return targets.map((t) => {
    let best = -1;
    for (let j = 0; j < steps.length; j++) {
      if (!(steps[j] <= t)) continue;
      if (best < 0 || steps[j] > steps[best] || (steps[j] === steps[best] && j > best)) best = j;
    }
    return best;
  });
}

describe('forward fill for x_metric (docs/api.md#forward-fill)', () => {
  it('takes the value at the largest step ≤ each step, NaN when none', () => {
    const xs = forwardFill([0, 1, 2, 3, 5], [1, 3, 4], [10, 30, 40]);
    expect(Array.from(xs)).toEqual([Number.NaN, 10, 10, 30, 40]);
  });

  it('uses the last appended row among equal steps, and repeats targets', () => {
    expect(Array.from(forwardFill([1, 1, 2], [1, 1, 2], [5, 6, 7]))).toEqual([6, 6, 7]);
  });

  it('carries a stored NaN or infinity as it is; indices tell "none" apart', () => {
    expect(Array.from(forwardFill([1, 2], [1, 2], [Number.NaN, Number.NEGATIVE_INFINITY]))).toEqual([
      Number.NaN,
      Number.NEGATIVE_INFINITY,
    ]);
    expect(Array.from(forwardFillIndices([0, 1, 2], [1, 2]))).toEqual([-1, 0, 1]);
  });

  it('handles metric rows that are not in step order by ordering them stably', () => {
    expect(Array.from(forwardFill([0, 1, 2, 3, 5], [3, 1, 4], [30, 10, 40]))).toEqual([
      Number.NaN,
      10,
      10,
      30,
      40,
    ]);
    expect(Array.from(stepOrder([3, 1, 3, Number.NaN, 2]))).toEqual([1, 4, 0, 2]);
  });

  it('matches brute force for any targets and metric steps', () => {
    const step = fc.oneof(
      { weight: 19, arbitrary: fc.integer({ min: 0, max: 60 }) },
      { weight: 1, arbitrary: fc.constant(Number.NaN) },
    );
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 80, size: 'max' }),
        fc.array(step, { maxLength: 80, size: 'max' }),
        fc.boolean(),
        fc.boolean(),
        (targets, steps, sortTargets, sortSteps) => {
          const t = sortTargets ? targets.filter((s) => !Number.isNaN(s)).sort((a, b) => a - b) : targets;
          const m = sortSteps ? steps.filter((s) => !Number.isNaN(s)).sort((a, b) => a - b) : steps;
          expect(Array.from(forwardFillIndices(t, m))).toEqual(reference(t, m));
          const values = m.map((_, j) => j * 1.5);
          const xs = forwardFill(t, m, values);
          reference(t, m).forEach((j, i) => {
            if (j < 0) expect(xs[i]).toBeNaN();
            else expect(xs[i]).toBe(values[j]);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('handles empty inputs and checks lengths', () => {
    expect(Array.from(forwardFill([1, 2], [], []))).toEqual([Number.NaN, Number.NaN]);
    expect(forwardFill([], [1], [1]).length).toBe(0);
    expect(() => forwardFill([1], [1, 2], [1])).toThrow(RangeError);
  });

  it('knows an ascending array', () => {
    expect(isAscending([])).toBe(true);
    expect(isAscending([1, 1, 2])).toBe(true);
    expect(isAscending([2, 1])).toBe(false);
    expect(isAscending([Number.NaN])).toBe(false);
    expect(isAscending([1, Number.NaN, 2])).toBe(false);
  });
});
