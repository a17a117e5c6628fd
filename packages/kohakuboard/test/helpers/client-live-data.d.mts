// Types of client-live-data.mjs.
export const BATCHES: number;
export const ROWS: number;
export const LATE_FROM: number;
export const TOTAL: number;
export function lossAt(step: number): number;
export function lrAt(step: number): number;
export function accAt(step: number): number | undefined;
export function lateAt(step: number): number | undefined;
export function valuesAt(step: number): Record<string, number>;
