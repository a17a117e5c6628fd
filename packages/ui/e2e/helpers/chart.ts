/** Pointer and tooltip helpers for line-chart tests: positions are fractions of the plot area. */
import type { Locator, Page } from 'playwright-core';

export interface TooltipRow {
  label: string;
  value: string;
}

export interface Tooltip {
  x: string;
  rows: TooltipRow[];
  more: string | null;
}

/** The card (section) whose title is `title`. */
export function cardByTitle(page: Page, title: string): Locator {
  return page.locator('section[data-testid^="card-"]', {
    has: page.locator('h3.title', { hasText: new RegExp(`^\\s*${escapeRegExp(title)}\\s*$`) }),
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Waits until the card's chart holds at least `points` points and has drawn. */
export async function waitForChart(card: Locator, points = 1): Promise<void> {
  await card.locator('[data-testid^="chart-canvas-"] canvas').first().waitFor();
  const plot = card.locator('[data-testid^="chart-canvas-"]').first();
  const deadline = Date.now() + 30_000;
  for (;;) {
    const held = Number((await plot.getAttribute('data-points')) ?? 0);
    if (held >= points) return;
    if (Date.now() > deadline) throw new Error(`the chart holds ${held} points, expected ${points}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Moves the mouse to a fraction (fx, fy) of the card's plot area. */
export async function hoverPlot(page: Page, card: Locator, fx: number, fy = 0.5): Promise<void> {
  const box = await card.locator('.u-over').first().boundingBox();
  if (!box) throw new Error('the card has no plot area');
  await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy, { steps: 2 });
}

/** The plot x position (fraction of the width) of value v, when the x range is [min, max]. */
export function fraction(v: number, min: number, max: number): number {
  return (v - min) / (max - min);
}

/** The tooltip shown in a card, or null. */
export async function readTooltip(card: Locator): Promise<Tooltip | null> {
  const tip = card.locator('[data-testid="chart-tooltip"]');
  if ((await tip.count()) === 0) return null;
  return tip.evaluate((el) => ({
    x: el.querySelector('.tt-x')?.textContent?.trim() ?? '',
    rows: Array.from(el.querySelectorAll('.tt-row')).map((r) => ({
      label: r.querySelector('.tt-label')?.textContent?.trim() ?? '',
      value: r.querySelector('.tt-value')?.textContent?.trim() ?? '',
    })),
    more: el.querySelector('.tt-more')?.textContent?.trim() ?? null,
  }));
}

/** Waits for the card's tooltip to satisfy `ok`, and returns it. */
export async function waitForTooltip(
  card: Locator,
  ok: (t: Tooltip) => boolean = () => true,
): Promise<Tooltip> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const t = await readTooltip(card);
    if (t && ok(t)) return t;
    if (Date.now() > deadline) throw new Error(`tooltip not as expected: ${JSON.stringify(t)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
