/** "Download CSV (shown)": the chart's points as text that reads back to the same values; tab metrics. */
import { describe, expect, it } from 'vitest';
import { KIND_FINITE, KIND_MISSING, KIND_NAN, KIND_NEG_INF, KIND_POS_INF } from '../src/api/nonfinite';
import type { ChartSeries } from '../src/charts/line-chart-types';
import { shownCsvFilename, shownPointsCsv } from '../src/charts/shown-csv';
import { tabLineMetrics } from '../src/layout/tab-line-metrics';
import type { Card } from '../src/layout/types';

function series(label: string, x: number[], y: number[], kinds: number[] | null, raw: number[] | null) {
  return {
    key: label,
    label,
    color: '#000',
    dash: [],
    x: Float64Array.from(x),
    y: Float64Array.from(y),
    raw: raw ? Float64Array.from(raw) : null,
    kinds: kinds ? Uint8Array.from(kinds) : null,
  } satisfies ChartSeries;
}

describe('the shown points as CSV', () => {
  it('writes each drawn point so that it reads back as the same double, non-finite values by name', () => {
    const values = [
      0.1,
      0.30000000000000004,
      1e-7,
      -0,
      5e-324,
      Number.NaN,
      Number.NaN,
      Number.NaN,
      Number.NaN,
    ];
    const kinds = [0, 0, 0, 0, 0, KIND_NAN, KIND_POS_INF, KIND_NEG_INF, KIND_MISSING];
    const csv = shownPointsCsv([series('a, "b"', [0, 1, 2, 3, 4, 5, 6, 7, 8], values, kinds, null)], 'step');
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe('series,step,value');
    const fields = lines.slice(1).map((l) => l.slice('"a, ""b""",'.length).split(','));
    expect(lines.slice(1).every((l) => l.startsWith('"a, ""b""",'))).toBe(true);
    expect(fields.slice(0, 5).map(([x, v]) => [Number(x), Number(v)])).toEqual(
      values.slice(0, 5).map((v, i) => [i, v]),
    );
    expect(Object.is(Number(fields[3][1]), -0)).toBe(true);
    expect(fields.slice(5).map((f) => f[1])).toEqual(['NaN', 'inf', '-inf', '']);
  });

  it('adds the original values behind a smoothed line', () => {
    const csv = shownPointsCsv(
      [series('loss', [10, 20], [1.5, 1.25], [KIND_FINITE, KIND_NAN], [1.5, Number.NaN])],
      'global_step',
    );
    expect(csv).toBe('series,global_step,value,original\nloss,10,1.5,1.5\nloss,20,1.25,NaN\n');
    expect(shownCsvFilename('train/loss: a*b')).toBe('train_loss_ a_b (shown).csv');
  });

  it('lists the metrics of a tab’s line charts once, x metrics that are metrics too', () => {
    const line = (id: string, xMetric: string, yMetrics: string[]) =>
      ({ id, config: { type: 'line', title: id, xMetric, yMetrics } }) as unknown as Card;
    const media = { id: 'm', config: { type: 'media', title: 'm' } } as unknown as Card;
    expect(
      tabLineMetrics([
        line('1', 'step', ['loss', 'acc']),
        media,
        line('2', 'lr', ['loss']),
        line('3', 'timestamp', ['x']),
      ]),
    ).toEqual(['loss', 'acc', 'lr', 'x']);
    expect(tabLineMetrics(undefined)).toEqual([]);
  });
});
