/**
 * The state behind the project page's run table and parameters view (docs/ui.md#run-table): every run
 * matching the sidebar's server-side filter, the metric summaries of the metrics the columns, the filter
 * expression and the parameters view read (`metric_summaries`, at most 16 metrics), the sort, the filter
 * expression and the runs selected by brushing. Sorting and the expression are evaluated here, in the page.
 */
import { computed, type Ref, ref, shallowRef, watch } from 'vue';
import { getMetricSummaries, getRuns } from '../api/endpoints';
import { errorMessage } from '../api/errors';
import type { MetricSummaries, RunRecord } from '../api/types';
import type { ProjectLayout, RunFilter } from '../layout/types';
import {
  FilterError,
  filterRows,
  type ParsedFilter,
  parseColumnId,
  parseFilter,
  sortRows,
  type TableColumn,
  type TableRow,
} from './run-table';

/** The server's bound on metrics per summaries request. */
export const MAX_SUMMARY_METRICS = 16;
const RUN_FIELDS = ['run_id', 'name', 'annotation', 'status', 'last_step', 'updated_at_ms', 'config'];
const INDEXING_RETRY_MS = 1000;
const BASE_COLUMNS = ['field:name', 'field:status', 'field:last_step'];

export interface RunTableOptions {
  project: string;
  filter: Ref<RunFilter>;
  layout: ProjectLayout;
  changed: () => void;
  /** Only load once a view that shows the table or the parameters is open. */
  active: () => boolean;
}

export function useRunTable(o: RunTableOptions) {
  const runs = shallowRef<RunRecord[] | null>(null);
  const summaries = shallowRef<MetricSummaries | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  /** Runs chosen by brushing a parameters axis; null: no brush. */
  const brushed = shallowRef<ReadonlySet<string> | null>(null);
  const filterText = ref(o.layout.tableFilter ?? '');

  const columnIds = computed<string[]>(
    () =>
      o.layout.tableColumns ?? [
        ...BASE_COLUMNS,
        ...(o.layout.pinnedConfigKeys ?? []).map((k) => `config:${k}`),
      ],
  );
  const columns = computed(() =>
    columnIds.value.map(parseColumnId).filter((c): c is TableColumn => c !== null),
  );
  const metricNames = computed(() => summaries.value?.names ?? []);
  const knownMetrics = computed(() => new Set(metricNames.value));

  const parsed = computed<{ filter: ParsedFilter; error: string | null }>(() => {
    try {
      return { filter: parseFilter(filterText.value, knownMetrics.value), error: null };
    } catch (err) {
      const message = err instanceof FilterError ? err.message : String(err);
      return { filter: { terms: [], metrics: [] }, error: message };
    }
  });

  /** Metrics whose summaries are needed, in a stable order; the first 16. */
  const wantedMetrics = computed(() => {
    const set = new Set<string>();
    for (const c of columns.value) if (c.kind === 'metric') set.add(c.metric);
    for (const m of parsed.value.filter.metrics) set.add(m);
    if (o.layout.paramMetric) set.add(o.layout.paramMetric);
    return [...set].slice(0, MAX_SUMMARY_METRICS);
  });

  let generation = 0;
  async function loadRuns(): Promise<void> {
    const gen = ++generation;
    loading.value = true;
    try {
      const f = o.filter.value;
      const list = await getRuns(o.project, {
        q: f.q,
        status: f.status,
        config: f.config,
        sort: f.sort,
        fields: RUN_FIELDS,
      });
      if (gen === generation) runs.value = list.runs;
      await loadSummaries();
      if (gen !== generation) return;
      error.value = null;
      // While the server's first scan runs the list is incomplete: it is asked again shortly.
      if (list.indexing) setTimeout(() => gen === generation && reload(), INDEXING_RETRY_MS);
    } catch (err) {
      if (gen === generation) error.value = errorMessage(err);
    } finally {
      if (gen === generation) loading.value = false;
    }
  }

  let summaryGen = 0;
  async function loadSummaries(): Promise<void> {
    const gen = ++summaryGen;
    try {
      const res = await getMetricSummaries(o.project, wantedMetrics.value);
      if (gen === summaryGen) summaries.value = res;
    } catch (err) {
      if (gen === summaryGen) error.value = errorMessage(err);
    }
  }

  /** Reloads the runs and summaries (live changes): the server answers unchanged runs from its cache. */
  function reload(): void {
    if (o.active()) void loadRuns();
    else runs.value = null;
  }

  watch(o.filter, reload, { deep: true });
  watch(
    () => wantedMetrics.value.join('\u0000'),
    () => {
      if (runs.value && o.active()) void loadSummaries();
    },
  );
  watch(filterText, (t) => {
    o.layout.tableFilter = t;
    o.changed();
  });

  const rows = computed<TableRow[]>(() => {
    const byRun = summaries.value?.runs ?? {};
    return (runs.value ?? []).map((run) => ({ run, metrics: byRun[run.run_id]?.metrics ?? {} }));
  });
  /** Rows after the expression, before the brush and the sort: what the parameters view draws. */
  const filtered = computed(() => filterRows(rows.value, parsed.value.filter));
  const sort = computed(() => {
    const s = o.layout.tableSort;
    const column = s ? parseColumnId(s.column) : null;
    return column && s ? { column, id: s.column, descending: s.descending } : null;
  });
  /** What the table lists: filtered, narrowed to the brush, sorted. */
  const shown = computed(() => {
    const b = brushed.value;
    const base = b ? filtered.value.filter((r) => b.has(r.run.run_id)) : filtered.value;
    const s = sort.value;
    return s ? sortRows(base, s.column, s.descending) : base;
  });

  function setColumns(ids: string[]): void {
    o.layout.tableColumns = ids;
    o.changed();
  }
  /** Sorts by a column: first descending for metrics and steps, ascending for text; again flips it. */
  function sortBy(id: string): void {
    const cur = o.layout.tableSort;
    const c = parseColumnId(id);
    const firstDesc = c?.kind === 'metric' || (c?.kind === 'field' && c.field !== 'name');
    o.layout.tableSort =
      cur?.column === id
        ? { column: id, descending: !cur.descending }
        : { column: id, descending: firstDesc };
    o.changed();
  }

  return {
    runs,
    rows,
    filtered,
    shown,
    summaries,
    metricNames,
    loading,
    error,
    brushed,
    filterText,
    filterError: computed(() => parsed.value.error),
    columnIds,
    columns,
    sort,
    wantedMetrics,
    setColumns,
    sortBy,
    reload,
  };
}

export type RunTableState = ReturnType<typeof useRunTable>;
