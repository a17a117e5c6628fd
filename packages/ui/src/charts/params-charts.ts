/**
 * The parameters view's charts (docs/ui.md#parameters-view), drawn with ECharts: parallel coordinates with
 * brushing on the axes, and a scatter of one parameter against one metric. This module is imported
 * dynamically, so ECharts is a chunk of its own that loads when the view first opens.
 */
import { ParallelChart, ScatterChart } from 'echarts/charts';
import { GridComponent, ParallelComponent, TooltipComponent } from 'echarts/components';
import { type ECharts, init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { ChartColors } from './theme-colors';

use([ParallelChart, ScatterChart, ParallelComponent, GridComponent, TooltipComponent, CanvasRenderer]);

/** One axis: numeric, or categorical with its categories in order. */
export interface ParamAxis {
  name: string;
  categories: string[] | null;
}

export interface ParamLine {
  runId: string;
  label: string;
  color: string;
  /** One value per axis: a number, or a category of a categorical axis. */
  values: Array<number | string>;
}

function axisStyle(colors: ChartColors) {
  return {
    nameTextStyle: { color: colors.text, fontSize: 11 },
    axisLine: { lineStyle: { color: colors.axis } },
    axisTick: { lineStyle: { color: colors.axis } },
    axisLabel: { color: colors.text, fontSize: 10 },
    splitLine: { show: false },
  };
}

const tooltipStyle = (colors: ChartColors) => ({
  backgroundColor: colors.background,
  borderColor: colors.axis,
  textStyle: { color: colors.text, fontSize: 12 },
});

/** Parallel coordinates; `onBrush` gets the runs inside every brushed axis range, or null without a brush. */
export class ParallelPlot {
  private readonly chart: ECharts;
  private lines: ParamLine[] = [];
  /** The brushed intervals by axis name: a redraw (new data of a live run) puts them back. */
  private readonly intervals = new Map<string, number[][]>();
  private restoring = false;

  constructor(
    el: HTMLElement,
    private readonly onBrush: (runIds: Set<string> | null) => void,
  ) {
    this.chart = init(el, null, { renderer: 'canvas' });
    this.chart.on('axisAreaSelected', (e) => {
      const { parallelAxisId, intervals } = e as { parallelAxisId?: string; intervals?: number[][] };
      if (!this.restoring && typeof parallelAxisId === 'string') {
        if (intervals?.length) this.intervals.set(parallelAxisId, intervals);
        else this.intervals.delete(parallelAxisId);
      }
      onBrush(this.brushed());
    });
  }

  /** Clears every brush (the selection was cleared elsewhere). */
  clearBrush(): void {
    if (this.intervals.size === 0) return;
    for (const id of [...this.intervals.keys()])
      this.chart.dispatchAction({ type: 'axisAreaSelect', parallelAxisId: id, intervals: [] });
    this.intervals.clear();
  }

  private brushed(): Set<string> | null {
    // getRawIndicesByActiveState is the documented way to read a parallel brush; the model is not typed.
    const series = (
      this.chart as unknown as {
        getModel(): { getSeries(): Array<{ getRawIndicesByActiveState(s: string): number[] }> };
      }
    )
      .getModel()
      .getSeries()[0];
    if (!series) return null;
    const active = series.getRawIndicesByActiveState('active');
    const inactive = series.getRawIndicesByActiveState('inactive');
    if (active.length === 0 && inactive.length === 0) return null;
    return new Set(active.map((i) => this.lines[i].runId));
  }

  draw(axes: ParamAxis[], lines: ParamLine[], colors: ChartColors): void {
    this.lines = lines;
    this.chart.setOption(
      {
        animation: false,
        backgroundColor: 'transparent',
        parallel: {
          left: 50,
          right: 110,
          top: 36,
          bottom: 26,
          parallelAxisDefault: {
            nameLocation: 'end',
            nameGap: 14,
            areaSelectStyle: { width: 22, color: colors.selection, borderColor: colors.axis, opacity: 0.6 },
            ...axisStyle(colors),
          },
        },
        // The axis id is its name, so that a brush survives a redraw that keeps the axis.
        parallelAxis: axes.map((a, dim) =>
          a.categories
            ? { id: a.name, dim, name: a.name, type: 'category', data: a.categories }
            : { id: a.name, dim, name: a.name, type: 'value', scale: true },
        ),
        tooltip: { ...tooltipStyle(colors), trigger: 'item' },
        series: [
          {
            type: 'parallel',
            smooth: false,
            inactiveOpacity: 0.06,
            activeOpacity: 1,
            progressive: 2000,
            lineStyle: { width: 1.2, opacity: 0.75 },
            emphasis: { lineStyle: { width: 2.5, opacity: 1 } },
            data: lines.map((l) => ({ name: l.label, value: l.values, lineStyle: { color: l.color } })),
          },
        ],
      },
      { notMerge: true },
    );
    const names = new Set(axes.map((a) => a.name));
    this.restoring = true;
    try {
      for (const [id, intervals] of [...this.intervals]) {
        if (names.has(id))
          this.chart.dispatchAction({ type: 'axisAreaSelect', parallelAxisId: id, intervals });
        else this.intervals.delete(id);
      }
    } finally {
      this.restoring = false;
    }
    this.onBrush(this.brushed());
  }

  resize(): void {
    this.chart.resize();
  }

  dispose(): void {
    this.chart.dispose();
  }
}

export interface ScatterPoint {
  runId: string;
  label: string;
  color: string;
  x: number | string;
  y: number;
  /** Outside the brush: drawn faint. */
  faint: boolean;
}

/** A scatter of one parameter (x) against one metric (y). */
export class ScatterPlot {
  private readonly chart: ECharts;

  constructor(el: HTMLElement) {
    this.chart = init(el, null, { renderer: 'canvas' });
  }

  draw(x: ParamAxis, yName: string, points: ScatterPoint[], colors: ChartColors): void {
    const style = axisStyle(colors);
    this.chart.setOption(
      {
        animation: false,
        backgroundColor: 'transparent',
        grid: { left: 64, right: 24, top: 28, bottom: 44 },
        xAxis: x.categories
          ? {
              type: 'category',
              name: x.name,
              data: x.categories,
              nameLocation: 'middle',
              nameGap: 28,
              ...style,
            }
          : { type: 'value', name: x.name, scale: true, nameLocation: 'middle', nameGap: 28, ...style },
        yAxis: {
          type: 'value',
          name: yName,
          scale: true,
          ...style,
          splitLine: { show: true, lineStyle: { color: colors.grid } },
        },
        tooltip: {
          ...tooltipStyle(colors),
          trigger: 'item',
          formatter: (p: { data: { name: string; value: [number | string, number] } }) =>
            `${escapeHtml(p.data.name)}<br>${escapeHtml(x.name)}: ${p.data.value[0]}<br>${escapeHtml(yName)}: ${p.data.value[1]}`,
        },
        series: [
          {
            type: 'scatter',
            symbolSize: 8,
            progressive: 2000,
            data: points.map((p) => ({
              name: p.label,
              value: [p.x, p.y],
              itemStyle: { color: p.color, opacity: p.faint ? 0.12 : 0.9 },
            })),
          },
        ],
      },
      { notMerge: true },
    );
  }

  resize(): void {
    this.chart.resize();
  }

  dispose(): void {
    this.chart.dispose();
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
