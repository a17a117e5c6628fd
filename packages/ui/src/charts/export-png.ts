/**
 * Export PNG (docs/ui.md#export-png): the chart re-rendered off-screen at 1200 CSS px and device-pixel ratio
 * 2, with its title and legend in the current theme, downloaded as `<card title>.png` or copied.
 */
import { readChartColors } from './theme-colors';

export interface LegendEntry {
  label: string;
  color: string;
  dash: number[];
}

/** Export size (docs/ui.md#export-png): 1200 CSS px wide at device-pixel ratio 2. */
export const EXPORT_CSS_WIDTH = 1200;
export const EXPORT_DPR = 2;

/** The export keeps the on-screen proportions of the plot, within sensible bounds. */
export function exportPlotHeight(aspect: number): number {
  const a = Number.isFinite(aspect) && aspect > 0 ? aspect : 0.5;
  return Math.round(EXPORT_CSS_WIDTH * Math.min(0.9, Math.max(0.3, a)));
}

/**
 * The exported image: title, the plot rendered off-screen at `EXPORT_DPR` (drawn 1:1, never scaled)
 * and the legend with each series' colour and dash pattern, on the current theme's background.
 */
export function composeChartImage(
  plot: HTMLCanvasElement,
  title: string,
  legend: LegendEntry[],
): HTMLCanvasElement {
  const colors = readChartColors();
  const scale = EXPORT_DPR;
  const cssWidth = plot.width / scale;
  const plotCssH = plot.height / scale;
  const titleH = 36;
  const rowH = 18;
  const perRow = 4;
  const shown = legend.slice(0, 40);
  const legendRows = Math.ceil(shown.length / perRow);
  const cssHeight = titleH + plotCssH + legendRows * rowH + 12;
  const out = document.createElement('canvas');
  out.width = Math.round(cssWidth * scale);
  out.height = Math.ceil(cssHeight * scale);
  const ctx = out.getContext('2d');
  if (!ctx) return out;
  ctx.fillStyle = colors.background;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(plot, 0, titleH * scale);
  ctx.scale(scale, scale);
  ctx.fillStyle = colors.text;
  ctx.font = '600 15px system-ui, sans-serif';
  ctx.fillText(title, 14, 24);
  ctx.font = '12px system-ui, sans-serif';
  ctx.lineWidth = 2;
  shown.forEach((item, i) => {
    const x = 14 + (i % perRow) * (cssWidth / perRow);
    const y = titleH + plotCssH + 6 + Math.floor(i / perRow) * rowH;
    ctx.strokeStyle = item.color;
    ctx.setLineDash(item.dash);
    ctx.beginPath();
    ctx.moveTo(x, y + 7);
    ctx.lineTo(x + 18, y + 7);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = colors.text;
    ctx.fillText(item.label.slice(0, 48), x + 24, y + 11);
  });
  return out;
}

export function downloadCanvas(canvas: HTMLCanvasElement, filename: string): void {
  canvas.toBlob((blob) => {
    if (!blob) return;
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }, 'image/png');
}

/** "Copy image": the same render on the clipboard, where the browser allows it. */
export async function copyCanvas(canvas: HTMLCanvasElement): Promise<boolean> {
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob || typeof ClipboardItem === 'undefined' || !navigator.clipboard?.write) return false;
  try {
    await navigator.clipboard.write([new ClipboardItem({ 'image/png': blob })]);
    return true;
  } catch {
    return false;
  }
}

export function safeFilename(title: string): string {
  return `${title.replace(/[\\/:*?"<>|]+/g, '_').slice(0, 120) || 'chart'}.png`;
}
