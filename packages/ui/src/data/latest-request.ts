/**
 * One request at a time for a piece of state (docs/ui.md#api-use: superseded requests are aborted): a new
 * request aborts the one in flight, and `loading` and `error` follow the latest. `startedAt` tells a
 * catch-up whether the data predates it.
 */
import { ref } from 'vue';
import { errorMessage, isAbortError } from '../api/errors';

export function useLatestRequest() {
  const loading = ref(false);
  const error = ref<string | null>(null);
  let controller: AbortController | null = null;
  let startedAt = Number.NEGATIVE_INFINITY;

  /** Runs `work`; its error (other than an abort) lands in `error`, its success clears it. */
  async function run(work: (signal: AbortSignal) => Promise<void>): Promise<void> {
    controller?.abort();
    const ctrl = new AbortController();
    controller = ctrl;
    loading.value = true;
    startedAt = performance.now();
    try {
      await work(ctrl.signal);
      error.value = null;
    } catch (err) {
      if (!isAbortError(err)) error.value = errorMessage(err);
    } finally {
      if (controller === ctrl) {
        loading.value = false;
        controller = null;
      }
    }
  }

  return {
    loading,
    error,
    run,
    abort: (): void => controller?.abort(),
    /** Whether a request is in flight. */
    busy: (): boolean => controller !== null,
    /** When the latest request started (performance.now()), or −∞. */
    startedAt: (): number => startedAt,
  };
}
