/**
 * Live updates of the project page (docs/ui.md#live-updates): one event stream for the visible runs (reopened 1 s
 * after the visible set changes; all runs past 200), the run list reloaded in place at most every
 * 2 s, new runs made visible while "Show new runs" allows, and changed runs' summaries refetched.
 */
import { onBeforeUnmount, type Ref, ref, watch } from 'vue';
import { MANY_RUNS } from '../data/use-visible-runs';
import { dispatchCatchUp, throttle, useEventStream } from './live';

/** Above this many visible runs the stream carries every run of the project. */
const STREAM_RUN_LIMIT = 200;

export interface ProjectLiveOptions {
  project: string;
  /** The stream opens once the page knows its visible runs. */
  ready: Ref<boolean>;
  visibleIds: Ref<string[]>;
  showNewRuns: () => boolean;
  setVisible: (ids: string[], userChange: boolean) => void;
  /** A run appeared (the page leaves its empty state). */
  onRunAdded: () => void;
  /** These runs changed: their summaries are refetched. */
  refreshSummaries: (runIds: Iterable<string>) => void;
}

export function useProjectLive(o: ProjectLiveOptions) {
  /** Bumped to reload the rows of the run list shown. */
  const reloadToken = ref(0);
  const streamRuns = ref<string[]>([]);
  let streamTimer: ReturnType<typeof setTimeout> | null = null;
  watch(o.visibleIds, (ids) => {
    if (streamTimer) clearTimeout(streamTimer);
    streamTimer = setTimeout(
      () => {
        streamRuns.value = ids;
      },
      streamRuns.value.length === 0 ? 0 : 1000,
    );
  });

  const listReload = throttle(() => {
    reloadToken.value++;
  }, 2000);
  const pendingSummary = new Set<string>();
  const summaryReload = throttle(() => {
    const ids = [...pendingSummary];
    pendingSummary.clear();
    o.refreshSummaries(ids);
  }, 1000);
  function summaryChanged(runId: string): void {
    pendingSummary.add(runId);
    summaryReload.run();
  }

  useEventStream(
    () => {
      if (!o.ready.value) return null;
      const ids = streamRuns.value;
      const base = `/api/events?project=${encodeURIComponent(o.project)}`;
      return ids.length > 0 && ids.length <= STREAM_RUN_LIMIT
        ? `${base}&runs=${ids.map(encodeURIComponent).join(',')}`
        : base;
    },
    {
      runAdded: (e) => {
        o.onRunAdded();
        listReload.run();
        const visible = o.visibleIds.value;
        // "Show new runs" adds them while fewer than 200 are visible (docs/ui.md#visible-runs).
        if (o.showNewRuns() && visible.length < MANY_RUNS && !visible.includes(e.run_id))
          o.setVisible([e.run_id, ...visible], false);
      },
      runRemoved: (e) => {
        o.setVisible(
          o.visibleIds.value.filter((id) => id !== e.run_id),
          false,
        );
        listReload.run();
      },
      runUpdated: (e) => {
        summaryChanged(e.run_id);
        listReload.run();
      },
      runData: (e) => {
        if (e.new_scalars?.length) summaryChanged(e.run_id);
        listReload.run();
      },
      catchUp: () => listReload.run(),
      poll: () => {
        listReload.run();
        dispatchCatchUp();
      },
    },
    5000,
  );

  onBeforeUnmount(() => {
    if (streamTimer) clearTimeout(streamTimer);
    listReload.cancel();
    summaryReload.cancel();
  });

  return { reloadToken, reloadList: () => listReload.run() };
}
