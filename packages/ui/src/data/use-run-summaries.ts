/**
 * The summaries of the visible runs (`batch/summary` in chunks of 200, docs/ui.md#comparison-charts): their names,
 * legend labels (docs/ui.md#comparison-charts: repeated labels get `_2`, `_3`…), colours (docs/ui.md#colours) and the union of their
 * metrics, which decides the project page's tabs and default cards.
 */
import { computed, type Ref, shallowRef } from 'vue';
import { postBatchSummary } from '../api/endpoints';
import { errorMessage } from '../api/errors';
import type { RunSummary } from '../api/types';
import { colorForRun } from '../state/palette';
import { theme } from '../state/theme';
import { naturalSorted } from './natural-order';
import { AXIS_ONLY_NAMES } from './x-axis';

const CHUNK = 200;

export interface RunSummariesOptions {
  project: string;
  visibleIds: Ref<string[]>;
  legendMode: Ref<'name' | 'annotation'>;
  customColors: () => Record<string, string>;
  onError: (message: string) => void;
}

export function useRunSummaries(o: RunSummariesOptions) {
  const summaries = shallowRef(new Map<string, RunSummary>());

  /** Loads the summaries not held yet. */
  async function load(ids: string[]): Promise<void> {
    const missing = ids.filter((id) => !summaries.value.has(id));
    for (let i = 0; i < missing.length; i += CHUNK) {
      try {
        const res = await postBatchSummary(o.project, missing.slice(i, i + CHUNK));
        const next = new Map(summaries.value);
        for (const [id, s] of Object.entries(res)) next.set(id, s);
        summaries.value = next;
      } catch (err) {
        o.onError(errorMessage(err));
      }
    }
  }

  /** Drops the summaries of `ids` (they changed) and loads what the visible runs miss. */
  function refresh(ids: Iterable<string>): void {
    const next = new Map(summaries.value);
    for (const id of ids) next.delete(id);
    summaries.value = next;
    void load(o.visibleIds.value);
  }

  const metricsUnion = computed(() => {
    const set = new Set<string>();
    for (const id of o.visibleIds.value) {
      const s = summaries.value.get(id);
      for (const m of s?.available_data.scalars ?? []) if (!AXIS_ONLY_NAMES.has(m)) set.add(m);
    }
    return naturalSorted([...set]);
  });

  /** global_step when every visible run has global steps (docs/ui.md#series-and-x-axes), else step. */
  const defaultX = computed(() => {
    const ss = o.visibleIds.value.map((id) => summaries.value.get(id)).filter((s): s is RunSummary => !!s);
    return ss.length > 0 && ss.every((s) => s.has_global_step) ? 'global_step' : 'step';
  });

  const labels = computed(() => {
    const out = new Map<string, string>();
    const seen = new Map<string, number>();
    for (const id of o.visibleIds.value) {
      const s = summaries.value.get(id);
      const base =
        o.legendMode.value === 'annotation'
          ? (s?.metadata?.annotation ?? s?.experiment_info.annotation ?? s?.metadata?.name ?? id)
          : (s?.metadata?.name ?? s?.experiment_info.name ?? id);
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      out.set(id, n === 1 ? base : `${base}_${n}`);
    }
    return out;
  });

  const runIndex = computed(() => new Map(o.visibleIds.value.map((id, i) => [id, i])));
  function colorOf(runId: string): string {
    return colorForRun(runId, runIndex.value.get(runId) ?? 0, theme.value, o.customColors());
  }

  return { summaries, load, refresh, metricsUnion, defaultX, labels, runIndex, colorOf };
}
