/**
 * Sizes a canvas to the box that holds it, at the device pixel ratio, and returns its 2-D context
 * scaled so that drawing happens in CSS pixels.
 */
export interface FittedCanvas {
  ctx: CanvasRenderingContext2D;
  width: number;
  height: number;
}

export function fitCanvas(
  canvas: HTMLCanvasElement,
  box: Element,
  min: { width: number; height: number },
): FittedCanvas | null {
  const rect = box.getBoundingClientRect();
  const dpr = window.devicePixelRatio || 1;
  const width = Math.max(min.width, Math.floor(rect.width));
  const height = Math.max(min.height, Math.floor(rect.height));
  canvas.width = width * dpr;
  canvas.height = height * dpr;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, width, height };
}
