/**
 * Server reachability (docs/ui.md#error-states): a banner "Cannot reach the KohakuBoard server — retrying"
 * with exponential backoff up to 30 s and a Retry button. Existing charts stay as they are.
 */
import { reactive } from 'vue';
import { onReachability } from '../api/http';

export const connection = reactive({ unreachable: false, retryInMs: 0 });

let delay = 1000;
let timer: ReturnType<typeof setTimeout> | null = null;
const retryListeners = new Set<() => void>();

export function onRetry(listener: () => void): () => void {
  retryListeners.add(listener);
  return () => retryListeners.delete(listener);
}

function fireRetry(): void {
  for (const l of retryListeners) l();
}

export function reportUnreachable(): void {
  if (connection.unreachable) return;
  connection.unreachable = true;
  schedule();
}

function schedule(): void {
  if (timer) clearTimeout(timer);
  connection.retryInMs = delay;
  timer = setTimeout(() => {
    timer = null;
    probe();
  }, delay);
  delay = Math.min(30_000, delay * 2);
}

async function probe(): Promise<void> {
  try {
    const res = await fetch('/api/system/info', { headers: { Accept: 'application/json' } });
    if (res.ok) {
      markReachable();
      fireRetry();
      return;
    }
  } catch {
    // still down
  }
  schedule();
}

export function retryNow(): void {
  delay = 1000;
  probe();
}

function markReachable(): void {
  if (!connection.unreachable) return;
  connection.unreachable = false;
  delay = 1000;
  if (timer) clearTimeout(timer);
  timer = null;
}

onReachability({ up: markReachable, down: reportUnreachable });
