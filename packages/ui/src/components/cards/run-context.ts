/**
 * What run-page cards other than line cards need: the run, its time origin, its names, and the step
 * axis their sliders and captions show.
 */
import type { InjectionKey } from 'vue';
import type { AvailableData } from '../../api/types';
import { formatStep, type StepAxis, shownStep, stepAxisLabel, stepTitle } from '../../data/step-axis';

export interface RunCardContext {
  project: string;
  runId: string;
  firstTimestampMs: number;
  available: AvailableData;
  stepAxis: StepAxis;
}

/** How a card shows its entries' steps on the context's step axis. */
export function stepDisplay(run: RunCardContext) {
  return {
    shown: (e: { step: number; global_step?: number | null }) => shownStep(e, run.stepAxis),
    /** The shown step as text, written as the charts write it. */
    text: (e: { step: number; global_step?: number | null }) => formatStep(shownStep(e, run.stepAxis)),
    label: () => stepAxisLabel(run.stepAxis),
    title: (e: { step: number; global_step?: number | null }) => stepTitle(e, run.stepAxis),
  };
}

export const RUN_CONTEXT: InjectionKey<RunCardContext> = Symbol('run-card-context');
