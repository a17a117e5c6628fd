/**
 * Live updates (docs/ui.md#live-updates): one EventSource per visible page, closed while the page is hidden,
 * with polling as the fallback when the server has no event stream or it keeps failing.
 */
import { onBeforeUnmount, ref, watch } from 'vue';
import { apiLimiter } from '../api/limiter';
import { KEYS, readString, writeString } from './storage';
import { hasFeature, loadSystemInfo } from './system';

export type LiveState = 'live' | 'reconnecting' | 'paused' | 'polling' | 'idle';

export const livePaused = ref(readString(KEYS.live) === 'paused');
watch(livePaused, (v) => writeString(KEYS.live, v ? 'paused' : null));
export const liveState = ref<LiveState>('idle');

export function toggleLivePaused(): void {
  livePaused.value = !livePaused.value;
}

export interface RunDataEvent {
  project: string;
  run_id: string;
  last_step?: number;
  updated_at?: string;
  updated_at_ms?: number;
  scalars?: Record<string, { last_step: number; count: number }>;
  new_scalars?: string[];
  media?: string[];
  tables?: string[];
  histograms?: string[];
  tensors?: string[];
  kernel_density?: string[];
  logs?: Record<string, number>;
}

export interface RunEvent {
  project: string;
  run_id: string;
  name?: string;
  annotation?: string | null;
  created_at?: string;
  finished_at?: string | null;
  status?: string;
}

export interface LiveHandlers {
  runAdded?: (e: RunEvent) => void;
  runRemoved?: (e: RunEvent) => void;
  runUpdated?: (e: RunEvent) => void;
  runData?: (e: RunDataEvent) => void;
  /**
   * Refetch whatever is shown: after every (re)connection of the stream (its `hello`), on resync and
   * when live updates resume. Changes made while no stream was connected were never announced.
   */
  catchUp?: () => void;
  /** Fallback polling tick (no event stream). */
  poll?: () => void;
}

// Cards listen for data of their run here; the page's stream dispatches into it.
type RunDataListener = (e: RunDataEvent) => void;
/** `since`: the time (performance.now()) from which changes may have gone unannounced. */
type CatchUpListener = (since: number) => void;
const runDataListeners = new Map<string, Set<RunDataListener>>();
const catchUpListeners = new Set<CatchUpListener>();

export function onRunData(runId: string, fn: RunDataListener): () => void {
  let set = runDataListeners.get(runId);
  if (!set) {
    set = new Set();
    runDataListeners.set(runId, set);
  }
  set.add(fn);
  return () => set?.delete(fn);
}

export function onCatchUp(fn: CatchUpListener): () => void {
  catchUpListeners.add(fn);
  return () => catchUpListeners.delete(fn);
}

/** When data of a run last changed, and when a catch-up was last asked (performance.now()). */
const lastRunDataAt = new Map<string, number>();
let lastCatchUpAt = Number.NEGATIVE_INFINITY;

export function dispatchRunData(e: RunDataEvent): void {
  lastRunDataAt.set(e.run_id, performance.now());
  const set = runDataListeners.get(e.run_id);
  if (set) for (const fn of set) fn(e);
}

/**
 * Asks every displayed item to fetch what it misses. Data requested at or after `since` is already
 * current, so items loaded after that moment skip the fetch.
 */
export function dispatchCatchUp(since = performance.now()): void {
  lastCatchUpAt = Math.max(lastCatchUpAt, since);
  for (const fn of catchUpListeners) fn(since);
}

/**
 * Whether data of these runs may have changed after `since` (performance.now()): an item that was
 * not displayed then (a card scrolled away) heard of no event, and fetches its tail when it returns.
 */
export function liveChangesSince(runIds: readonly string[], since: number): boolean {
  if (lastCatchUpAt > since) return true;
  return runIds.some((id) => (lastRunDataAt.get(id) ?? Number.NEGATIVE_INFINITY) > since);
}

/**
 * Keeps one event stream open for `url()` while the page is visible and the URL is not null.
 * `pollMs` is the fallback interval (10 s on run pages, 5 s on the project page).
 */
export function useEventStream(url: () => string | null, handlers: LiveHandlers, pollMs: number): void {
  let source: EventSource | null = null;
  let release: (() => void) | null = null;
  let failures: number[] = [];
  let pollTimer: ReturnType<typeof setInterval> | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let fallback = false;
  let dirtyWhilePaused = false;
  let disposed = false;

  const visible = () => document.visibilityState !== 'hidden';

  function close(): void {
    source?.close();
    source = null;
    release?.();
    release = null;
  }

  function stopPolling(): void {
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = null;
  }

  function startPolling(): void {
    stopPolling();
    fallback = true;
    liveState.value = livePaused.value ? 'paused' : 'polling';
    pollTimer = setInterval(() => {
      if (!visible() || livePaused.value) return;
      handlers.poll?.();
    }, pollMs);
    // Try the event stream again every 60 s.
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      if (hasFeature('events')) {
        fallback = false;
        failures = [];
        open();
      }
    }, 60_000);
  }

  function gate<T>(fn: ((e: T) => void) | undefined): (ev: MessageEvent) => void {
    return (ev) => {
      if (livePaused.value) {
        dirtyWhilePaused = true;
        return;
      }
      try {
        fn?.(JSON.parse(ev.data) as T);
      } catch {
        // A malformed event is skipped; the next one carries fresh state.
      }
    };
  }

  function open(): void {
    close();
    if (disposed || fallback) return;
    const target = url();
    if (!target || !visible()) {
      liveState.value = livePaused.value ? 'paused' : 'idle';
      return;
    }
    if (!hasFeature('events')) {
      startPolling();
      return;
    }
    stopPolling();
    release = apiLimiter.reserve();
    const es = new EventSource(target);
    source = es;
    liveState.value = livePaused.value ? 'paused' : 'reconnecting';
    // Changes made before this connection (page load, hidden page, reconnect) were never announced:
    // catch up once per displayed item on every hello (docs/ui.md#live-updates); items loaded after it are
    // current.
    es.addEventListener('hello', () => {
      liveState.value = livePaused.value ? 'paused' : 'live';
      if (livePaused.value) dirtyWhilePaused = true;
      else {
        handlers.catchUp?.();
        dispatchCatchUp();
      }
    });
    es.addEventListener('run_added', gate(handlers.runAdded));
    es.addEventListener('run_removed', gate(handlers.runRemoved));
    es.addEventListener('run_updated', gate(handlers.runUpdated));
    es.addEventListener(
      'run_data',
      gate<RunDataEvent>((e) => {
        handlers.runData?.(e);
        dispatchRunData(e);
      }),
    );
    es.addEventListener('resync', () => {
      if (livePaused.value) dirtyWhilePaused = true;
      else {
        handlers.catchUp?.();
        dispatchCatchUp();
      }
    });
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED || es.readyState === EventSource.CONNECTING) {
        liveState.value = livePaused.value ? 'paused' : 'reconnecting';
        const now = Date.now();
        failures = failures.filter((t) => now - t < 30_000);
        failures.push(now);
        if (failures.length >= 3) {
          close();
          startPolling();
        }
      }
    };
  }

  function onVisibility(): void {
    // Back from hidden: the reopened stream's hello catches up.
    if (visible()) {
      if (!source && !fallback) open();
    } else {
      close();
    }
  }

  document.addEventListener('visibilitychange', onVisibility);
  const stopUrlWatch = watch(url, () => {
    if (!fallback) open();
  });
  const stopPauseWatch = watch(livePaused, (paused) => {
    liveState.value = paused ? 'paused' : fallback ? 'polling' : source ? 'live' : 'idle';
    if (!paused && dirtyWhilePaused) {
      dirtyWhilePaused = false;
      handlers.catchUp?.();
      dispatchCatchUp();
    }
  });

  loadSystemInfo().then(() => {
    if (!disposed) open();
  });

  onBeforeUnmount(() => {
    disposed = true;
    close();
    stopPolling();
    if (retryTimer) clearTimeout(retryTimer);
    stopUrlWatch();
    stopPauseWatch();
    document.removeEventListener('visibilitychange', onVisibility);
    liveState.value = 'idle';
  });
}

/**
 * Calls `fn` at most once per `ms`, trailing, so a burst of events gives one refresh
 * (docs/ui.md#live-updates).
 */
export function throttle(fn: () => void, ms: number): { run: () => void; cancel: () => void } {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = () => {
    const now = Date.now();
    const wait = last + ms - now;
    if (wait <= 0 && !timer) {
      last = now;
      fn();
      return;
    }
    if (!timer) {
      timer = setTimeout(
        () => {
          timer = null;
          last = Date.now();
          fn();
        },
        Math.max(0, wait),
      );
    }
  };
  return {
    run,
    cancel: () => {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
