/**
 * The project page's run filter (docs/ui.md#search-filter-and-sort) mirrored in the URL (docs/ui.md#url-state: `q`, `status`, `config`,
 * `sort`, replaced rather than pushed). The URL wins on load; without one, the saved filter.
 */
import { type Ref, ref, watch } from 'vue';
import { type LocationQuery, useRoute, useRouter } from 'vue-router';
import { DEFAULT_FILTER } from '../layout/project-layout';
import type { RunFilter } from '../layout/types';

/** The filter a URL names, or null when it names none. */
export function filterFromQuery(q: LocationQuery): RunFilter | null {
  if (q.q === undefined && q.status === undefined && q.config === undefined && q.sort === undefined)
    return null;
  const config = q.config === undefined ? [] : (Array.isArray(q.config) ? q.config : [q.config]).map(String);
  return {
    q: typeof q.q === 'string' ? q.q : '',
    status: typeof q.status === 'string' && q.status ? q.status.split(',') : [],
    config,
    sort: typeof q.sort === 'string' && q.sort ? q.sort : DEFAULT_FILTER.sort,
  };
}

/** The URL query of a filter; defaults are left out. */
export function queryOfFilter(f: RunFilter): Record<string, string | string[] | undefined> {
  return {
    q: f.q || undefined,
    status: f.status.length ? f.status.join(',') : undefined,
    config: f.config.length ? f.config : undefined,
    sort: f.sort !== DEFAULT_FILTER.sort ? f.sort : undefined,
  };
}

/** The filter, kept in the URL; `onChange` sees every change (to store it in the layout). */
export function useRunFilterUrl(
  saved: Partial<RunFilter> | undefined,
  onChange: (f: RunFilter) => void,
): Ref<RunFilter> {
  const route = useRoute();
  const router = useRouter();
  const filter = ref<RunFilter>(filterFromQuery(route.query) ?? { ...DEFAULT_FILTER, ...(saved ?? {}) });
  watch(
    filter,
    (f) => {
      router.replace({ query: { ...route.query, ...queryOfFilter(f) } });
      onChange(f);
    },
    { deep: true },
  );
  return filter;
}
