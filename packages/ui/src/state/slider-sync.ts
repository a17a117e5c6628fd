/**
 * Step-slider sync (docs/ui.md#slider-sync): while Shift is held, moving one slider moves every other slider
 * on the page to its entry nearest the new step (ties go to the earlier step).
 */
import { ref } from 'vue';

export const shiftHeld = ref(false);

function onKey(e: KeyboardEvent): void {
  shiftHeld.value = e.shiftKey;
}

export function installShiftTracking(): void {
  window.addEventListener('keydown', onKey);
  window.addEventListener('keyup', onKey);
  window.addEventListener('blur', () => {
    shiftHeld.value = false;
  });
}

type Listener = (step: number, sourceId: string) => void;
const listeners = new Set<Listener>();

export function joinSliderSync(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function broadcastStep(step: number, sourceId: string): void {
  for (const l of listeners) l(step, sourceId);
}

/** Index of the entry whose step is nearest `step`; on a tie the earlier step wins. `steps` ascending. */
export function nearestStepIndex(steps: ArrayLike<number>, step: number): number {
  const n = steps.length;
  if (n === 0) return -1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid] < step) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(steps[lo - 1] - step) <= Math.abs(steps[lo] - step)) return lo - 1;
  return lo;
}
