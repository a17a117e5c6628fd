/**
 * U7 (docs/ui.md#performance): the initial JavaScript — the entry script and the modules index.html preloads
 * — stays within 250 KB gzip, and the docs, diagram, tensor and KDE code is not part of it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { UI_DIST } from './helpers/paths';

describe('bundle', () => {
  it('initial JavaScript ≤ 250 KB gzip, with docs, diagrams, tensor and KDE code loaded on demand', () => {
    const html = readFileSync(join(UI_DIST, 'index.html'), 'utf8');
    const initial = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]);
    expect(initial.length).toBeGreaterThan(0);
    let gz = 0;
    for (const file of initial) gz += gzipSync(readFileSync(join(UI_DIST, file))).length;
    expect(gz).toBeLessThanOrEqual(250 * 1024);
    for (const lazy of ['DocPage', 'diagrams', 'mermaid', 'TensorCard', 'KdeCard'])
      expect(initial.some((f) => f.includes(lazy))).toBe(false);
  });
});
