/**
 * Entries of a stepped card (media, table, histogram, tensor, KDE): loading, the selected entry,
 * auto-advance to the latest (docs/ui.md#media-cards), and live appends with `after_step`
 * (docs/ui.md#live-updates).
 */
import { computed, onBeforeUnmount, type Ref, ref, shallowRef, watch } from 'vue';
import { errorMessage, isAbortError } from '../api/errors';
import { onCatchUp, onRunData, type RunDataEvent, throttle } from '../state/live';
import { nearestStepIndex } from '../state/slider-sync';
import { useLatestRequest } from './latest-request';

type LiveKind = 'media' | 'tables' | 'histograms' | 'tensors' | 'kernel_density';

export interface StepEntriesOptions<T> {
  runId: string;
  kind: LiveKind;
  name: () => string;
  /** Entries with step > afterStep (all when null), in step order. */
  load: (afterStep: number | null, signal: AbortSignal) => Promise<T[]>;
  /** The entry's internal step: the order, `after_step` and the stored `currentStep` use it. */
  stepOf: (entry: T) => number;
  /** The entry's step as the user reads it (the tab's step axis); the internal step when absent. */
  shownStepOf?: (entry: T) => number;
  config: () => { currentStep: number | null; autoAdvanceToLatest?: boolean };
  update: (patch: { currentStep: number | null; autoAdvanceToLatest: boolean }) => void;
  active: Ref<boolean>;
}

export function useStepEntries<T>(o: StepEntriesOptions<T>) {
  const entries = shallowRef<T[]>([]);
  const index = ref(0);
  const loaded = ref(false);
  const request = useLatestRequest();
  const steps = computed(() => entries.value.map(o.stepOf));
  const shownSteps = computed(() => (o.shownStepOf ? entries.value.map(o.shownStepOf) : steps.value));
  const current = computed<T | null>(() => entries.value[index.value] ?? null);

  const autoAdvance = () => o.config().autoAdvanceToLatest !== false;

  function placeIndex(): void {
    const n = entries.value.length;
    if (n === 0) {
      index.value = 0;
      return;
    }
    const want = o.config().currentStep;
    index.value = autoAdvance() || want === null ? n - 1 : Math.max(0, nearestStepIndex(steps.value, want));
  }

  function refresh(): Promise<void> {
    return request.run(async (signal) => {
      entries.value = await o.load(null, signal);
      placeIndex();
      loaded.value = true;
    });
  }

  async function appendTail(): Promise<void> {
    if (!loaded.value) return;
    if (request.busy()) {
      // A full load is running; it may predate the change, so look again once it is done.
      tail.run();
      return;
    }
    const n = entries.value.length;
    const last = n > 0 ? o.stepOf(entries.value[n - 1]) : null;
    try {
      const more = await o.load(last, new AbortController().signal);
      if (more.length === 0) return;
      entries.value = [...entries.value, ...more];
      if (autoAdvance()) index.value = entries.value.length - 1;
    } catch (err) {
      if (!isAbortError(err)) request.error.value = errorMessage(err);
    }
  }

  /** A user moved the slider: auto-advance follows whether it sits on the last entry. */
  function setIndex(i: number): void {
    index.value = i;
    const last = entries.value.length - 1;
    o.update({ currentStep: steps.value[i] ?? null, autoAdvanceToLatest: i >= last });
  }

  const tail = throttle(() => void appendTail(), 1000);
  const offData = onRunData(o.runId, (e: RunDataEvent) => {
    const names = e[o.kind];
    if (Array.isArray(names) && names.includes(o.name())) tail.run();
  });
  const offCatchUp = onCatchUp((since) => {
    if (request.startedAt() < since && (loaded.value || request.busy())) tail.run();
  });

  watch(
    [o.active, o.name],
    ([active], old) => {
      if (!active) return;
      const nameChanged = old && old[1] !== o.name();
      if (!loaded.value || nameChanged) void refresh();
    },
    { immediate: true },
  );

  onBeforeUnmount(() => {
    request.abort();
    offData();
    offCatchUp();
    tail.cancel();
  });

  return {
    entries,
    index,
    steps,
    shownSteps,
    current,
    loading: request.loading,
    loaded,
    error: request.error,
    refresh,
    setIndex,
  };
}
