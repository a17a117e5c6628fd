// What client-summaries.mjs logs, shared with the test that reads it back.
export const LOSS = [5, 3, Number.NaN, 1.5, Number.POSITIVE_INFINITY, 2, -1, 4.25, Number.NaN];
/** val/acc on the first steps only: its last step is before the run's. */
export const ACC = [0.5, Number.NEGATIVE_INFINITY, 0.9, 0.75];
export const GROW_FIRST = [10, 9, 8];
export const GROW_SECOND = [7, 12, 0.5];
