/** Chart colours read from the CSS variables of the current theme, re-read when the theme changes. */
export interface ChartColors {
  background: string;
  text: string;
  axis: string;
  grid: string;
  crosshair: string;
  selection: string;
}

export function readChartColors(): ChartColors {
  const s = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => s.getPropertyValue(name).trim() || fallback;
  return {
    background: v('--chart-bg', '#ffffff'),
    text: v('--chart-text', '#374151'),
    axis: v('--chart-axis', '#9ca3af'),
    grid: v('--chart-grid', 'rgba(0,0,0,0.07)'),
    crosshair: v('--chart-crosshair', 'rgba(0,0,0,0.35)'),
    selection: v('--chart-selection', 'rgba(59,130,246,0.15)'),
  };
}
