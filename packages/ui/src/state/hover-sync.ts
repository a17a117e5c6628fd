/**
 * Hover sync (docs/ui.md#tab-settings, docs/ui.md#hover-sync): one global on/off, persisted as
 * `kobo-hover-sync`; cursors are shared between charts of one tab that have the same x-axis name.
 */
import { ref, watch } from 'vue';
import { KEYS, readString, writeString } from './storage';

export const hoverSyncEnabled = ref(readString(KEYS.hoverSync) !== 'false');
watch(hoverSyncEnabled, (v) => writeString(KEYS.hoverSync, String(v)));

type Listener = (x: number | null, sourceId: string) => void;
const groups = new Map<string, Set<Listener>>();

export function joinHoverGroup(key: string, listener: Listener): () => void {
  let set = groups.get(key);
  if (!set) {
    set = new Set();
    groups.set(key, set);
  }
  set.add(listener);
  return () => {
    set?.delete(listener);
    if (set && set.size === 0) groups.delete(key);
  };
}

/** Moves every other chart of the group to x, or releases them with null (mouse leave). */
export function publishHover(key: string, x: number | null, sourceId: string): void {
  if (!hoverSyncEnabled.value) return;
  const set = groups.get(key);
  if (!set) return;
  for (const l of set) l(x, sourceId);
}
