/**
 * Live-region announcements (docs/ui.md#accessibility): "N new points", only when the user turned them on,
 * and at most every 10 s — points arriving in between are added up into the next message.
 */
import { ref, watch } from 'vue';
import { KEYS, readString, writeString } from './storage';

export const ANNOUNCE_INTERVAL_MS = 10_000;

export const announcementsEnabled = ref(readString(KEYS.announce) === 'true');
watch(announcementsEnabled, (v) => {
  writeString(KEYS.announce, v ? 'true' : null);
  if (!v) {
    pending = 0;
    if (timer) clearTimeout(timer);
    timer = null;
  }
});

/** The text of the page's polite live region. */
export const liveMessage = ref('');

let pending = 0;
let lastAt = Number.NEGATIVE_INFINITY;
let timer: ReturnType<typeof setTimeout> | null = null;

function flush(): void {
  timer = null;
  if (pending <= 0) return;
  liveMessage.value = `${pending.toLocaleString('en-US')} new point${pending === 1 ? '' : 's'}`;
  pending = 0;
  lastAt = Date.now();
}

export function announceNewPoints(count: number): void {
  if (!announcementsEnabled.value || count <= 0) return;
  pending += count;
  if (timer) return;
  const wait = lastAt + ANNOUNCE_INTERVAL_MS - Date.now();
  if (wait <= 0) flush();
  else timer = setTimeout(flush, wait);
}
