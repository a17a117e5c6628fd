/**
 * The size of an element, for requests sized to the plot: updated only when the width or the height
 * changes by more than a quarter, so that small layout shifts do not refetch (docs/ui.md#points-and-zoom).
 */
import { onBeforeUnmount, type Ref, ref, watch } from 'vue';

export interface Size {
  width: number;
  height: number;
}

const RESIZE_THRESHOLD = 0.25;

function changedEnough(old: Size, next: Size): boolean {
  return (
    Math.abs(next.width - old.width) / old.width > RESIZE_THRESHOLD ||
    Math.abs(next.height - old.height) / old.height > RESIZE_THRESHOLD
  );
}

export function useElementSize(el: Ref<HTMLElement | null>, initial: Size = { width: 400, height: 300 }) {
  const size = ref<Size>({ ...initial });
  const observer = new ResizeObserver((entries) => {
    const r = entries[0].contentRect;
    const next = { width: Math.floor(r.width), height: Math.floor(r.height) };
    if (next.width > 0 && next.height > 0 && changedEnough(size.value, next)) size.value = next;
  });
  watch(
    el,
    (node, old) => {
      if (old) observer.unobserve(old);
      if (!node) return;
      const r = node.getBoundingClientRect();
      if (r.width > 0 && r.height > 0)
        size.value = { width: Math.floor(r.width), height: Math.floor(r.height) };
      observer.observe(node);
    },
    { immediate: true },
  );
  onBeforeUnmount(() => observer.disconnect());
  return size;
}
