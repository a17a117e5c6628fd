/** What run-page cards other than line cards need: the run, its time origin and its names. */
import type { InjectionKey } from 'vue';
import type { AvailableData } from '../../api/types';

export interface RunCardContext {
  project: string;
  runId: string;
  firstTimestampMs: number;
  available: AvailableData;
}

export const RUN_CONTEXT: InjectionKey<RunCardContext> = Symbol('run-card-context');
