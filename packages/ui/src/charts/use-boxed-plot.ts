/**
 * A uPlot chart that fills its box: built once the box has a size (and again on `rebuild`), resized
 * with the box, destroyed with the component.
 */
import type uPlot from 'uplot';
import { onBeforeUnmount, onMounted, type Ref } from 'vue';

export interface PlotSize {
  width: number;
  height: number;
}

function sizeOf(box: HTMLElement): PlotSize {
  const r = box.getBoundingClientRect();
  return { width: Math.max(120, Math.floor(r.width)), height: Math.max(80, Math.floor(r.height)) };
}

export function useBoxedPlot(box: Ref<HTMLElement | null>, build: (size: PlotSize) => uPlot | null) {
  let chart: uPlot | null = null;
  let observer: ResizeObserver | null = null;

  function rebuild(): void {
    if (!box.value) return;
    chart?.destroy();
    chart = build(sizeOf(box.value));
  }

  onMounted(() => {
    observer = new ResizeObserver(() => {
      if (!box.value) return;
      if (chart) chart.setSize(sizeOf(box.value));
      else rebuild();
    });
    if (box.value) observer.observe(box.value);
  });
  onBeforeUnmount(() => {
    observer?.disconnect();
    chart?.destroy();
    chart = null;
  });

  return { rebuild, chart: (): uPlot | null => chart };
}
