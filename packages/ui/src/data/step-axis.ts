/**
 * The one step a user reads on stepped cards (sliders, captions, legends, the config facts): the x axis
 * the tab's charts are drawn against when it is a step axis, otherwise global step when the run has
 * one (the default x axis, docs/ui.md#series-and-x-axes). The internal step travels alongside, for tooltips and requests.
 */
import { formatInt } from '../charts/format';

export type StepAxis = 'step' | 'global_step';

/** A step as charts write it on their x axis and tooltip ("5,000"). */
export const formatStep = formatInt;

export function stepAxisFor(xAxis: string | undefined, hasGlobalStep: boolean): StepAxis {
  if (xAxis === 'step') return 'step';
  return hasGlobalStep ? 'global_step' : 'step';
}

/** What the axis is called where a step is shown: "Global step 900", "Step 959". */
export function stepAxisLabel(axis: StepAxis): string {
  return axis === 'global_step' ? 'Global step' : 'Step';
}

/** An entry's step on `axis`; entries without a global step fall back to their step. */
export function shownStep(e: { step: number; global_step?: number | null }, axis: StepAxis): number {
  return axis === 'global_step' && typeof e.global_step === 'number' ? e.global_step : e.step;
}

/** The tooltip of a shown step: both steps, so the internal one can still be found. */
export function stepTitle(e: { step: number; global_step?: number | null }, axis: StepAxis): string {
  if (axis === 'step' || typeof e.global_step !== 'number') return `Step ${formatStep(e.step)}`;
  return `Global step ${formatStep(e.global_step)} (step ${formatStep(e.step)})`;
}
