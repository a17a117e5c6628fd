/**
 * Export PNG (UI.md §6.10): the chart re-rendered at 1200 CSS px, with its title and legend in the
 * current theme, drawn at device-pixel ratio 2 and downloaded as `<card title>.png`.
 */
import { readChartColors } from './theme-colors';

export interface LegendEntry {
  label: string;
  color: string;
}

export function composeChartImage(
  plot: HTMLCanvasElement,
  title: string,
  legend: LegendEntry[],
): HTMLCanvasElement {
  const colors = readChartColors();
  const scale = 2;
  const cssWidth = 1200;
  const titleH = 36;
  const rowH = 18;
  const perRow = 4;
  const legendRows = Math.ceil(Math.min(legend.length, 40) / perRow);
  const plotCssH = (plot.height / plot.width) * cssWidth;
  const cssHeight = titleH + plotCssH + legendRows * rowH + 12;
  const out = document.createElement('canvas');
  out.width = cssWidth * scale;
  out.height = Math.ceil(cssHeight * scale);
  const ctx = out.getContext('2d');
  if (!ctx) return out;
  ctx.scale(scale, scale);
  ctx.fillStyle = colors.background;
  ctx.fillRect(0, 0, cssWidth, cssHeight);
  ctx.fillStyle = colors.text;
  ctx.font = '600 15px system-ui, sans-serif';
  ctx.fillText(title, 14, 24);
  ctx.drawImage(plot, 0, titleH, cssWidth, plotCssH);
  ctx.font = '12px system-ui, sans-serif';
  legend.slice(0, 40).forEach((item, i) => {
    const x = 14 + (i % perRow) * (cssWidth / perRow);
    const y = titleH + plotCssH + 6 + Math.floor(i / perRow) * rowH;
    ctx.fillStyle = item.color;
    ctx.fillRect(x, y + 6, 16, 3);
    ctx.fillStyle = colors.text;
    ctx.fillText(item.label.slice(0, 48), x + 22, y + 11);
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
