/**
 * The data behind one line card (docs/ui.md#points-and-zoom): requests sized to the plot width, a zoom
 * re-query 150 ms after the x range settles (windows cached in an LRU of 16), tails for live updates, and the
 * chart series built from typed arrays with smoothing from the shared series module.
 */
import { computed, onBeforeUnmount, type Ref, ref, shallowRef, watch } from 'vue';
import { errorMessage, isAbortError } from '../api/errors';
import { KIND_FINITE } from '../api/nonfinite';
import type { ChartSeries } from '../charts/line-chart';
import type { LineCardConfig } from '../layout/types';
import { keepLineData, takeLineData } from './line-data-cache';
import type { LineRequest, LineSource } from './line-sources';
import { type ScalarSeries, spliceTail } from './scalar-series';
import { isSmoothingOn, smoothedFor } from './smoothing';
import { pointsFor, requestAxis, windowToRequest, xKindOf, xValues, zoomAxis } from './x-axis';

export interface SeriesLook {
  label: string;
  color: string;
  group?: string;
  dash: number[];
}

export interface LineDataOptions {
  config: () => LineCardConfig;
  runIds: () => string[];
  source: LineSource;
  firstTimestampMs: (runId: string) => number;
  look: (runId: string, metric: string, index: number, dashed: boolean) => SeriesLook;
  plotWidth: Ref<number>;
  active: Ref<boolean>;
  priority: () => number;
  /**
   * Points per series override (project page budget, docs/ui.md#comparison-charts), given the request
   * width.
   */
  pointsOverride?: (plotWidth: number) => number | undefined;
  maxSeries?: number;
  /** Live tails added this many points to the run's series (for screen-reader announcements). */
  onNewPoints?: (count: number) => void;
  /** Where the card's data waits while the card is off screen (unique per page and card). */
  cacheKey?: string;
}

type SeriesMap = Map<string, ScalarSeries>;

const keyOf = (runId: string, metric: string) => `${runId}\u0000${metric}`;
const WINDOW_CACHE = 16;

/** Values with every non-finite or missing point turned into a gap (NaN). */
const finiteCache = new WeakMap<ScalarSeries, Float64Array>();
function finiteValues(s: ScalarSeries): Float64Array {
  let out = finiteCache.get(s);
  if (!out) {
    out = new Float64Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.kinds[i] === KIND_FINITE ? s.values[i] : Number.NaN;
    finiteCache.set(s, out);
  }
  return out;
}

/**
 * The series a chart draws (docs/ui.md#visible-runs): at most `max`, the first runs in list order with all
 * the card's metrics, so series beyond the budget are neither requested nor drawn.
 */
export function seriesBudget(
  runIds: string[],
  metrics: string[],
  max: number,
): { runIds: string[]; metrics: string[] } {
  if (runIds.length * metrics.length <= max) return { runIds, metrics };
  const keptMetrics = metrics.slice(0, max);
  const runs = Math.max(1, Math.floor(max / Math.max(1, keptMetrics.length)));
  return { runIds: runIds.slice(0, runs), metrics: keptMetrics };
}

export function useLineData(o: LineDataOptions) {
  const full = shallowRef<SeriesMap>(new Map());
  const windowData = shallowRef<SeriesMap | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const loadedOnce = ref(false);
  const totalPointsMax = ref(0);
  let fullKey = '';
  /** When the last full load was requested (performance.now()), for catch-ups after a reconnect. */
  let fullStartedAt = Number.NEGATIVE_INFINITY;
  let fullController: AbortController | null = null;
  let windowController: AbortController | null = null;
  let windowTimer: ReturnType<typeof setTimeout> | null = null;
  let currentWindow: { min: number; max: number } | null = null;
  const windowCache = new Map<string, SeriesMap>();
  /** The plot width requests are sized to; it follows the real width only on changes > 25 %. */
  const requestWidth = ref(0);
  let smoothKeyHeld = '';
  /** When the data restored from the cache was put there (performance.now()), or null. */
  let restoredFrom: number | null = null;

  // A card coming back on screen redraws from what it held when it left.
  const kept = o.cacheKey ? takeLineData(o.cacheKey) : undefined;
  if (kept) {
    full.value = kept.series;
    fullKey = kept.requestKey;
    smoothKeyHeld = kept.smoothKey;
    totalPointsMax.value = kept.totalPointsMax;
    fullStartedAt = kept.startedAt;
    loadedOnce.value = true;
    restoredFrom = kept.savedAt;
  }

  const smoothingKey = () => {
    const c = o.config();
    return isSmoothingOn(c.smoothingMode) ? `${c.smoothingMode}:${c.smoothingValue}` : '';
  };

  function points(): number | undefined {
    const width = requestWidth.value || o.plotWidth.value || 400;
    const over = o.pointsOverride?.(width);
    if (over !== undefined) return over;
    return pointsFor(width, o.config().downsampleRate, totalPointsMax.value || null);
  }

  const drawn = () => seriesBudget(o.runIds(), o.config().yMetrics, o.maxSeries ?? 1000);

  function baseRequest(): LineRequest {
    const c = o.config();
    const axis = requestAxis(c.xMetric);
    const smooth = isSmoothingOn(c.smoothingMode) ? c.smoothingMode : undefined;
    const { runIds, metrics } = drawn();
    return {
      runIds,
      metrics,
      points: points(),
      x: axis.x,
      xMetric: axis.xMetric,
      smooth,
      smoothValue: smooth ? c.smoothingValue : undefined,
      priority: o.priority(),
    };
  }

  /** True when every held series is whole, so smoothing needs no request. */
  function allWhole(): boolean {
    if (full.value.size === 0) return false;
    for (const s of full.value.values()) if (s.totalPoints > s.length) return false;
    return true;
  }

  function requestKey(r: LineRequest): string {
    const smooth = allWhole() ? null : [r.smooth, r.smoothValue];
    return JSON.stringify([r.runIds, r.metrics, r.points, r.x, r.xMetric, smooth]);
  }

  async function fetchFull(force = false): Promise<void> {
    if (!o.active.value) return;
    const req = baseRequest();
    const key = requestKey(req);
    // The same request again: nothing to do once it has loaded, and nothing to restart while it loads.
    if (!force && key === fullKey && (loadedOnce.value || fullController !== null)) return;
    fullController?.abort();
    const ctrl = new AbortController();
    fullController = ctrl;
    fullKey = key;
    fullStartedAt = performance.now();
    loading.value = true;
    // Keep what we hold for series still requested, so the chart redraws at once from it.
    const next: SeriesMap = new Map();
    for (const r of req.runIds)
      for (const m of req.metrics) {
        const held = full.value.get(keyOf(r, m));
        if (held) next.set(keyOf(r, m), held);
      }
    let pending: SeriesMap = next;
    let flush: number | null = null;
    const publish = () => {
      flush = null;
      full.value = new Map(pending);
    };
    try {
      await o.source.fetch(req, ctrl.signal, (runId, metric, s) => {
        pending.set(keyOf(runId, metric), s);
        if (s.totalPoints > totalPointsMax.value) totalPointsMax.value = s.totalPoints;
        // Draw as chunks arrive, at most once per frame.
        if (flush === null) flush = requestAnimationFrame(publish);
      });
      if (flush !== null) cancelAnimationFrame(flush);
      publish();
      pending = new Map();
      smoothKeyHeld = smoothingKey();
      error.value = null;
      loadedOnce.value = true;
      windowCache.clear();
      fullKey = requestKey(req);
      if (currentWindow) scheduleWindow(0);
    } catch (err) {
      if (!isAbortError(err)) error.value = errorMessage(err);
    } finally {
      if (fullController === ctrl) {
        loading.value = false;
        fullController = null;
      }
    }
  }

  function scheduleWindow(delay = 150): void {
    if (windowTimer) clearTimeout(windowTimer);
    windowTimer = setTimeout(() => {
      windowTimer = null;
      void fetchWindow();
    }, delay);
  }

  async function fetchWindow(): Promise<void> {
    const win = currentWindow;
    const c = o.config();
    const zAxis = zoomAxis(c.xMetric);
    if (!win || !zAxis || !o.active.value) return;
    const runIds = o.runIds();
    const first = runIds.length === 1 ? o.firstTimestampMs(runIds[0]) : 0;
    // Relative walltime is per run; with several runs the window stays client-side.
    if (xKindOf(c.xMetric) === 'relative' && runIds.length > 1) return;
    const w = windowToRequest(c.xMetric, win.min, win.max, first);
    const req: LineRequest = { ...baseRequest(), x: zAxis, xMin: w.x_min, xMax: w.x_max };
    const key = `${requestKey(req)}|${w.x_min}|${w.x_max}`;
    const cached = windowCache.get(key);
    if (cached) {
      windowCache.delete(key);
      windowCache.set(key, cached);
      windowData.value = cached;
      return;
    }
    windowController?.abort();
    const ctrl = new AbortController();
    windowController = ctrl;
    const got: SeriesMap = new Map();
    try {
      await o.source.fetch(req, ctrl.signal, (runId, metric, s) => got.set(keyOf(runId, metric), s));
      windowCache.set(key, got);
      while (windowCache.size > WINDOW_CACHE) {
        const oldest = windowCache.keys().next().value;
        if (oldest === undefined) break;
        windowCache.delete(oldest);
      }
      if (currentWindow === win) windowData.value = got;
    } catch (err) {
      if (!isAbortError(err)) error.value = errorMessage(err);
    } finally {
      if (windowController === ctrl) windowController = null;
    }
  }

  /** The chart's x window changed (null: reset). Redraw happens from held data; finer data follows. */
  function onWindow(win: { min: number; max: number } | null): void {
    currentWindow = win;
    windowController?.abort();
    if (!win) {
      if (windowTimer) clearTimeout(windowTimer);
      windowData.value = null;
      return;
    }
    scheduleWindow();
  }

  /**
   * Fetches tails of the given metrics (all when omitted) with `after_step` (docs/ui.md#live-updates).
   * Returns 'busy' while a full load is still running, so the caller can try again once it is done.
   */
  async function fetchTails(metrics?: string[]): Promise<'applied' | 'nothing' | 'busy'> {
    if (!o.active.value) return 'nothing';
    if (fullController) return 'busy';
    if (!loadedOnce.value) return 'nothing';
    const req = baseRequest();
    const wanted = metrics ? req.metrics.filter((m) => metrics.includes(m)) : req.metrics;
    if (wanted.length === 0) return 'nothing';
    const afterStep: Record<string, number> = {};
    let cursorsFor = 0;
    for (const r of req.runIds) {
      let last = Number.POSITIVE_INFINITY;
      for (const m of wanted) {
        const held = full.value.get(keyOf(r, m));
        const l = held && held.length > 0 ? held.steps[held.length - 1] : -1;
        if (l < last) last = l;
      }
      if (Number.isFinite(last)) {
        afterStep[r] = last;
        cursorsFor++;
      }
    }
    if (cursorsFor === 0) return 'nothing';
    const ctrl = new AbortController();
    const tails: Array<[string, string, ScalarSeries]> = [];
    try {
      await o.source.fetch({ ...req, metrics: wanted, afterStep }, ctrl.signal, (runId, metric, s) =>
        tails.push([runId, metric, s]),
      );
    } catch (err) {
      if (!isAbortError(err)) error.value = errorMessage(err);
      return 'nothing';
    }
    const next = new Map(full.value);
    let refetch = false;
    let added = 0;
    for (const [runId, metric, tail] of tails) {
      const k = keyOf(runId, metric);
      const held = next.get(k);
      if (!held || held.length === 0) {
        if (tail.length > 0) refetch = true;
        continue;
      }
      const merged = spliceTail(held, tail);
      added += Math.max(0, tail.totalPoints - held.totalPoints);
      if (!merged) refetch = true;
      else {
        next.set(k, merged);
        if (merged.totalPoints > totalPointsMax.value) totalPointsMax.value = merged.totalPoints;
      }
    }
    full.value = next;
    windowCache.clear();
    if (added > 0) o.onNewPoints?.(added);
    if (refetch) await fetchFull(true);
    else if (currentWindow) scheduleWindow(0);
    return 'applied';
  }

  /** True when data held or being loaded was requested before `since`, so it may miss changes. */
  function needsCatchUp(since: number): boolean {
    return o.active.value && (loadedOnce.value || fullController !== null) && fullStartedAt < since;
  }

  const chartSeries = computed<ChartSeries[]>(() => {
    const c = o.config();
    const data = windowData.value ?? full.value;
    const out: ChartSeries[] = [];
    const { runIds, metrics } = drawn();
    const serverMatches = smoothKeyHeld === smoothingKey();
    let index = 0;
    for (const metric of metrics) {
      for (const runId of runIds) {
        const s = data.get(keyOf(runId, metric)) ?? full.value.get(keyOf(runId, metric));
        const look = o.look(runId, metric, index++, c.dashPatterns === true);
        if (!s) continue;
        const x = xValues(s, c.xMetric, o.firstTimestampMs(runId));
        const smoothed = smoothedFor(s, c.smoothingMode, c.smoothingValue, serverMatches);
        const raw = finiteValues(s);
        out.push({
          key: keyOf(runId, metric),
          label: look.label,
          color: look.color,
          group: look.group,
          dash: look.dash,
          x,
          y: smoothed ?? raw,
          raw: smoothed ? raw : null,
          kinds: s.kinds,
        });
      }
    }
    return out;
  });

  const requestedSeries = computed(() => o.config().yMetrics.length * o.runIds().length);
  const truncated = computed(() => requestedSeries.value > (o.maxSeries ?? 1000));
  const drawnSeries = computed(() => {
    const d = drawn();
    return d.runIds.length * d.metrics.length;
  });
  const fullResWarning = computed(() => o.config().downsampleRate === 1 && totalPointsMax.value > 200_000);

  // Refetch when what is requested changes (a Downsample Rate k > 1 changes it once total_points is
  // known), and when the card becomes active.
  // (Sources listed one by one: a getter returning a new array would fire on every chunk that
  // arrives, since the key reads the series held.)
  watch([() => o.active.value, requestWidth, () => requestKey(baseRequest())], ([active, width]) => {
    if (active && width > 0) void fetchFull();
  });
  // Width changes of more than 25 % resize the requests; smaller ones only redraw
  // (docs/ui.md#points-and-zoom).
  watch(
    o.plotWidth,
    (w) => {
      if (w <= 0) return;
      const held = requestWidth.value;
      if (held === 0 || Math.abs(w - held) / held > 0.25) requestWidth.value = w;
    },
    { immediate: true },
  );

  onBeforeUnmount(() => {
    if (o.cacheKey && loadedOnce.value && fullController === null && full.value.size > 0) {
      keepLineData(o.cacheKey, {
        series: full.value,
        requestKey: fullKey,
        smoothKey: smoothKeyHeld,
        totalPointsMax: totalPointsMax.value,
        startedAt: fullStartedAt,
        savedAt: performance.now(),
      });
    }
    fullController?.abort();
    windowController?.abort();
    if (windowTimer) clearTimeout(windowTimer);
  });

  return {
    chartSeries,
    loading,
    error,
    loadedOnce,
    truncated,
    requestedSeries,
    drawnSeries,
    fullResWarning,
    totalPointsMax,
    fetchFull,
    fetchTails,
    needsCatchUp,
    onWindow,
    /** When the data restored on mount was kept (performance.now()), or null when none was. */
    restoredFrom: () => restoredFrom,
    hasData: computed(() => full.value.size > 0 && [...full.value.values()].some((s) => s.length > 0)),
  };
}
