/**
 * Which runs the project page draws (docs/ui.md#visible-runs): from `runs=` in the URL, else the saved layout
 * (v3 `visibleRunIds`, or a v2 layout's hidden runs turned around and capped at 200), else the 20
 * most recently updated. Toggling, "Show all matching" and "Hide all" change it.
 */
import { type Ref, ref } from 'vue';
import { useRoute } from 'vue-router';
import { getRuns } from '../api/endpoints';
import { DEFAULT_FILTER, type LoadedProjectLayout } from '../layout/project-layout';
import type { RunFilter } from '../layout/types';

/** Above this many visible runs a confirmation is asked and a warning shown. */
export const MANY_RUNS = 200;

export interface VisibleRunsOptions {
  project: string;
  filter: Ref<RunFilter>;
  saved: LoadedProjectLayout;
  /** A user changed the visible set (the layout saves it). */
  onUserChange: () => void;
}

export function useVisibleRuns(o: VisibleRunsOptions) {
  const route = useRoute();
  const visibleIds = ref<string[]>([]);
  /** A note for the user about how the saved visibility was read (the v2 cap). */
  const notice = ref<string | null>(null);

  async function idsMatching(f: RunFilter, limit?: number): Promise<string[]> {
    const res = await getRuns(o.project, {
      q: f.q,
      status: f.status,
      config: f.config,
      sort: f.sort,
      fields: ['run_id'],
      limit,
    });
    return res.runs.map((r) => r.run_id);
  }

  /** The 20 most recently updated runs: the default, and what Reset Layout returns to. */
  const mostRecent = () => idsMatching({ ...DEFAULT_FILTER, sort: '-updated_at' }, 20);

  async function initialVisible(): Promise<string[]> {
    const runsParam = route.query.runs;
    if (runsParam === 'all-matching') return idsMatching(o.filter.value);
    if (typeof runsParam === 'string' && runsParam) return runsParam.split(',').filter(Boolean);
    if (o.saved.layout.visibleRunIds) return o.saved.layout.visibleRunIds;
    if (o.saved.legacyHidden) {
      const hidden = new Set(o.saved.legacyHidden);
      const all = (await idsMatching({ ...DEFAULT_FILTER, sort: '-updated_at' })).filter(
        (id) => !hidden.has(id),
      );
      if (all.length > MANY_RUNS)
        notice.value = `Your saved layout showed ${all.length} runs; the ${MANY_RUNS} most recently updated are shown.`;
      return all.slice(0, MANY_RUNS);
    }
    return mostRecent();
  }

  function setVisible(ids: string[], userChange = true): void {
    visibleIds.value = [...new Set(ids)];
    if (userChange) o.onUserChange();
  }

  function toggleRun(runId: string): void {
    const set = new Set(visibleIds.value);
    if (set.has(runId)) set.delete(runId);
    else set.add(runId);
    setVisible(
      visibleIds.value
        .filter((id) => set.has(id))
        .concat(set.has(runId) && !visibleIds.value.includes(runId) ? [runId] : []),
    );
  }

  async function showAllMatching(): Promise<void> {
    const ids = await idsMatching(o.filter.value);
    if (ids.length > MANY_RUNS && !confirm(`Show all ${ids.length} matching runs? Charts may be slower.`))
      return;
    setVisible(ids);
  }

  /** Back to the default visibility (Reset Layout), not saved as a user choice. */
  async function resetVisible(): Promise<void> {
    setVisible(await mostRecent(), false);
  }

  return { visibleIds, notice, initialVisible, setVisible, toggleRun, showAllMatching, resetVisible };
}
