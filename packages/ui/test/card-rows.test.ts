/**
 * The rows a virtual card grid stands in for: cards fill a row while their widths add up to 100 % at
 * most (as flex-wrap lays them out), a row is as tall as its tallest card, and the band on screen
 * names the rows to mount.
 */
import { describe, expect, it } from 'vitest';
import { CARD_GAP, packCardRows, rowsHeight, rowsInBand } from '../src/layout/card-rows';

const card = (widthPercent: number, height = 400) => ({ widthPercent, height });

describe('card rows', () => {
  it('packs cards into rows of at most 100 % width, each as tall as its tallest card', () => {
    const rows = packCardRows([card(33), card(33), card(33, 500), card(50), card(50), card(100, 300)], false);
    expect(rows.map((r) => [r.start, r.end, r.height])).toEqual([
      [0, 3, 500],
      [3, 5, 400],
      [5, 6, 300],
    ]);
    expect(rows.map((r) => r.top)).toEqual([0, 500 + CARD_GAP, 900 + 2 * CARD_GAP]);
    expect(rowsHeight(rows)).toBe(1200 + 2 * CARD_GAP);
  });

  it('breaks a row where the widths pass 100 %, as the browser does (six sixths of 16.67 % do not fit)', () => {
    expect(
      packCardRows(
        Array.from({ length: 6 }, () => card(16.67)),
        false,
      ).map((r) => r.end),
    ).toEqual([5, 6]);
    expect(
      packCardRows(
        Array.from({ length: 8 }, () => card(12.5)),
        false,
      ).map((r) => r.end),
    ).toEqual([8]);
    expect(packCardRows([card(66.67), card(33.33), card(33.33)], false).map((r) => r.end)).toEqual([2, 3]);
  });

  it('gives every card its own row on a narrow screen', () => {
    expect(packCardRows([card(33), card(33), card(25)], true).map((r) => [r.start, r.end])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });

  it('names the rows that meet a band, at least one', () => {
    const rows = packCardRows(
      Array.from({ length: 30 }, () => card(100, 100)),
      false,
    );
    // Rows are 100 px tall, 112 px apart.
    expect(rowsInBand(rows, 0, 300)).toEqual([0, 3]);
    expect(rowsInBand(rows, 1000, 1300)).toEqual([9, 12]);
    expect(rowsInBand(rows, 1e6, 2e6)).toEqual([29, 30]);
    expect(rowsInBand([], 0, 100)).toEqual([0, 0]);
  });
});
