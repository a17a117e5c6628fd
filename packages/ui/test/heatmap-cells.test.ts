/**
 * The tensor heatmap's maths (docs/ui.md#tensor-cards): value ranges, colours, tick spacing and axis
 * names.
 */
import { describe, expect, it } from 'vitest';
import { colormapLut } from '../src/charts/colormaps';
import { finiteRange, paintCells, scaleRange, textColorOn, tickCells } from '../src/charts/heatmap-cells';
import { metadataAxis, sliceGrid, valueHistogram } from '../src/data/tensor-slice';

describe('heatmap cells', () => {
  it('takes the range over finite values; a diverging scale is symmetric around 0', () => {
    expect(finiteRange([Number.NaN, -2, 5, Number.POSITIVE_INFINITY])).toEqual({ lo: -2, hi: 5 });
    expect(finiteRange([Number.NaN])).toBeNull();
    expect(scaleRange({ lo: -2, hi: 5 }, true)).toEqual({ lo: -5, hi: 5 });
    expect(scaleRange({ lo: -2, hi: 5 }, false)).toEqual({ lo: -2, hi: 5 });
  });

  it('paints the ends of the range with the ends of the scale, and non-finite cells magenta', () => {
    const px = paintCells([0, 10, Number.NaN], 1, 3, 'Viridis', { lo: 0, hi: 10 });
    const lut = colormapLut('Viridis');
    expect([...px.slice(0, 3)]).toEqual([...lut.slice(0, 3)]);
    expect([...px.slice(4, 7)]).toEqual([...lut.slice(255 * 3, 255 * 3 + 3)]);
    expect([...px.slice(8, 12)]).toEqual([255, 0, 255, 255]);
  });

  it('spaces tick labels by 1, 2, 5, 10… cells so that they do not overlap', () => {
    expect(tickCells(4, 60, 30)).toEqual([0, 1, 2, 3]);
    expect(tickCells(400, 0.6, 16)).toEqual(Array.from({ length: 8 }, (_, k) => k * 50));
    expect(tickCells(96, 3, 30)).toEqual(Array.from({ length: 10 }, (_, k) => k * 10));
  });

  it('prints values in black on light cells and white on dark ones', () => {
    expect(textColorOn(253, 231, 37)).toBe('#000000');
    expect(textColorOn(68, 1, 84)).toBe('#ffffff');
  });
});

describe('tensor slices', () => {
  it('transposes a slice when the row axis is the later tensor axis', () => {
    const g = sliceGrid(Float64Array.from([1, 2, 3, 4, 5, 6]), 2, 3, true);
    expect([g.rows, g.cols]).toEqual([3, 2]);
    expect([...g.values]).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('reads axis titles and index names from the metadata', () => {
    expect(metadataAxis('true class', 4)).toEqual({ title: 'true class', names: null });
    expect(metadataAxis(['a', 'b'], 2)).toEqual({ title: null, names: ['a', 'b'] });
    // Names that do not fit the axis are ignored.
    expect(metadataAxis(['a', 'b'], 3)).toEqual({ title: null, names: null });
    expect(metadataAxis(undefined, 3)).toEqual({ title: null, names: null });
  });

  it('bins the finite values into a 64-bin histogram', () => {
    const h = valueHistogram(Float64Array.from([0, 1, 1, Number.NaN, 2]));
    expect(h?.counts.length).toBe(64);
    expect(h?.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect([h?.lo, h?.hi]).toEqual([0, 2]);
  });
});
