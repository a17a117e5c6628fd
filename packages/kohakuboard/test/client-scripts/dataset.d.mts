// Types of dataset.mjs, for the tests that check what it logged.
export const STEPS: number;
export function lossAt(i: number): number;
export function accAt(i: number): boolean;
export const SPECIAL: number[];
export function histogramValues(): number[];
export function pixels(seed: number): Uint8Array;
export const TENSOR: number[];
export function kdeSamples(): number[];
export const STEP: {
  special: number;
  histogram: number;
  images: number;
  table: number;
  tensor: number;
  kde: number;
  bad: number;
  ok: number;
};
export function logDataset(board: unknown, kb: unknown): void;
export const EXPECTED_OUTPUT_LOG: string;
