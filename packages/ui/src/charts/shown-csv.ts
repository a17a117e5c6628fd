/**
 * "Download CSV (shown)" of a line card (docs/ui.md#downloads): the points the chart holds — downsampled,
 * smoothed, as drawn — one row per point: the series' label, x, the drawn value and, when the chart shows
 * the original behind a smoothed line, the original value. Numbers are written as in the exported tables
 * (docs/export.md#csv): the shortest text that reads back as the same double, `NaN`, `inf` and `-inf` for the
 * non-finite values, an empty field where a series has no value.
 */
import { KIND_FINITE, KIND_MISSING, KIND_NAN, KIND_NEG_INF, KIND_POS_INF } from '../api/nonfinite';
import type { ChartSeries } from './line-chart-types';

function field(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function numberText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'inf';
  if (v === Number.NEGATIVE_INFINITY) return '-inf';
  if (Object.is(v, -0)) return '-0.0';
  return String(v);
}

/** A drawn value by its point code: NaN in the array breaks the line, the code says what was logged. */
function valueText(kind: number, v: number): string {
  switch (kind) {
    case KIND_MISSING:
      return '';
    case KIND_NAN:
      return 'NaN';
    case KIND_POS_INF:
      return 'inf';
    case KIND_NEG_INF:
      return '-inf';
    default:
      return Number.isNaN(v) ? '' : numberText(v);
  }
}

export function shownPointsCsv(series: readonly ChartSeries[], xName: string): string {
  const withOriginal = series.some((s) => s.raw !== null);
  const lines = [
    ['series', xName || 'x', 'value', ...(withOriginal ? ['original'] : [])].map(field).join(','),
  ];
  for (const s of series) {
    const label = field(s.label);
    for (let i = 0; i < s.x.length; i++) {
      const kind = s.kinds?.[i] ?? KIND_FINITE;
      // A smoothed line is drawn through the logged non-finite points: its value there is its own.
      const drawn = s.raw ? (Number.isNaN(s.y[i]) ? '' : numberText(s.y[i])) : valueText(kind, s.y[i]);
      const row = [label, Number.isNaN(s.x[i]) ? '' : numberText(s.x[i]), drawn];
      if (withOriginal) row.push(s.raw ? valueText(kind, s.raw[i]) : '');
      lines.push(row.join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `<card title> (shown).csv`, without characters file systems refuse. */
export function shownCsvFilename(title: string): string {
  return `${title.replace(/[\\/:*?"<>|]+/g, '_').slice(0, 120) || 'chart'} (shown).csv`;
}
