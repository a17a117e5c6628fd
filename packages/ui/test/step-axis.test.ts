/** Which step stepped cards show, and the round ticks of hand-drawn axes. */
import { describe, expect, it } from 'vitest';
import { niceTicks } from '../src/charts/format';
import { shownStep, stepAxisFor, stepTitle } from '../src/data/step-axis';

describe('the step a card shows', () => {
  it('follows a step axis chosen for the tab, else global step when the run has one', () => {
    expect(stepAxisFor('step', true)).toBe('step');
    expect(stepAxisFor('global_step', true)).toBe('global_step');
    expect(stepAxisFor('relative_walltime', true)).toBe('global_step');
    expect(stepAxisFor('global_step', false)).toBe('step');
    expect(stepAxisFor(undefined, false)).toBe('step');
  });

  it('reads the entry on that axis, with both steps in the tooltip', () => {
    const e = { step: 4959, global_step: 4900 };
    expect(shownStep(e, 'global_step')).toBe(4900);
    expect(shownStep(e, 'step')).toBe(4959);
    expect(shownStep({ step: 7, global_step: null }, 'global_step')).toBe(7);
    expect(stepTitle(e, 'global_step')).toBe('Global step 4,900 (step 4,959)');
    expect(stepTitle(e, 'step')).toBe('Step 4,959');
  });
});

describe('round ticks', () => {
  it('are 1, 2 or 5 × 10^k apart inside the range', () => {
    expect(niceTicks(0.29449, 0.99992, 5)).toEqual([0.4, 0.6, 0.8]);
    expect(niceTicks(0.29449, 0.99992, 8)).toEqual([0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(niceTicks(0, 5000, 5)).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    expect(niceTicks(-1.3, 2.1, 4)).toEqual([-1, 0, 1, 2]);
    expect(niceTicks(3, 3, 5)).toEqual([3]);
  });
});
