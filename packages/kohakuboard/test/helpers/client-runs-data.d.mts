// Types of client-runs-data.mjs, for the tests that check what the child logged.
export const N: number;
export function lossAt(i: number): number;
export function lrAt(i: number): number;
export function globalStepAt(i: number): number;
export const STEP: {
  firstImage: number;
  secondImage: number;
  table: number;
  firstHistogram: number;
  secondHistogram: number;
  kde: number;
  tensor: number;
};
export const HISTOGRAMS: Array<{ bins: number[]; counts: number[] }>;
export const KDE: { grid: number[]; density: number[]; sampleCount: number };
export const TENSOR: { values: number[]; shape: number[] };
export const CONFIG_A: Record<string, unknown>;
export const CONFIG_B: Record<string, unknown>;
export const CONFIG_LIVE: Record<string, unknown>;
export const LIVE_OUTPUT: string;
export function videoBytes(): Uint8Array;
