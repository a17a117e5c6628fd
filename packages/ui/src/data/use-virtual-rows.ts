/**
 * Fixed-height virtualized rows, as the run list does (docs/ui.md#run-list): only the rows in view, plus
 * a margin, are rendered; the scroller's height is followed with a ResizeObserver.
 */
import { computed, onBeforeUnmount, onMounted, type Ref, ref } from 'vue';

export function useVirtualRows(scroller: Ref<HTMLElement | null>, count: () => number, rowHeight: number) {
  const scrollTop = ref(0);
  const viewH = ref(600);
  const MARGIN = 10;
  const first = computed(() => Math.max(0, Math.floor(scrollTop.value / rowHeight) - MARGIN));
  const last = computed(() =>
    Math.min(count(), Math.ceil((scrollTop.value + viewH.value) / rowHeight) + MARGIN),
  );
  function onScroll(e: Event): void {
    scrollTop.value = (e.target as HTMLElement).scrollTop;
  }
  function toTop(): void {
    if (scroller.value) scroller.value.scrollTop = 0;
    scrollTop.value = 0;
  }
  let ro: ResizeObserver | null = null;
  onMounted(() => {
    ro = new ResizeObserver((entries) => {
      viewH.value = entries[0].contentRect.height;
    });
    if (scroller.value) ro.observe(scroller.value);
  });
  onBeforeUnmount(() => ro?.disconnect());
  return { first, last, onScroll, toTop, totalHeight: computed(() => count() * rowHeight) };
}
