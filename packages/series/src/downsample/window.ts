/** A resolved x window: inclusive bounds, ±Infinity where the request gave none. */
export interface XWindow {
  readonly lo: number;
  readonly hi: number;
  /** True when the request gave at least one bound (docs/api.md#downsampling step 7: neighbours are kept). */
  readonly bounded: boolean;
}

/** A bound counts as given when it is a finite number; null, undefined, NaN and ±Infinity are absent. */
export function givenBound(bound: number | null | undefined): number | null {
  return typeof bound === 'number' && Number.isFinite(bound) ? bound : null;
}

export function resolveWindow(xMin: number | null | undefined, xMax: number | null | undefined): XWindow {
  const lo = givenBound(xMin);
  const hi = givenBound(xMax);
  return {
    lo: lo ?? Number.NEGATIVE_INFINITY,
    hi: hi ?? Number.POSITIVE_INFINITY,
    bounded: lo !== null || hi !== null,
  };
}

/** Whether row x lies in the window. A null x (NaN) is never inside. */
export function inWindow(x: number, window: XWindow): boolean {
  return x >= window.lo && x <= window.hi;
}
